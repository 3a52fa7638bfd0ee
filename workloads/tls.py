"""TLS for protocol clients: one verifying client context per CA file, shared by a process's users.

The context verifies the server's certificate against the run's CA (`Directory.ca_file`; "" = the
system's CAs) and its name (`Directory.server_name`, else the host the client dialled). Under
Locust, `ssl` is gevent's (monkey-patched before any workload module is imported), so a
handshake or a read parks only the calling greenlet.
"""

from __future__ import annotations

import functools
import socket
import ssl


@functools.cache
def client_context(ca_file: str) -> ssl.SSLContext:
    """Python's default client context (TLS >= 1.2, certificate and host name verified)."""
    context = ssl.create_default_context(cafile=ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def wrap(sock: socket.socket, ca_file: str, server_name: str) -> ssl.SSLSocket:
    """Handshake over the connected `sock`; ssl.SSLError (an OSError) when verification fails."""
    return client_context(ca_file).wrap_socket(sock, server_hostname=server_name)
