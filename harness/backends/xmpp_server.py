"""What the XMPP backends (Prosody, ejabberd) share: the run's domains, accounts, the directory
the `xmpp` protocol client reads, and real readiness (a c2s stream that answers with features)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from pathlib import Path

from harness.backends import Endpoint
from harness.backends.process import poll_until_ready
from harness.children import Child
from harness.kernel.directory import Directory, group_room_key
from harness.layout import Population
from harness.network import TestNetwork
from workloads.clients.xmpp_stanzas import StreamReader, stream_header

DOMAIN = "imbench.test"
"""The XMPP domain of every run's accounts (RFC 2606 reserved: never a real server's)."""
MUC_SERVICE = f"rooms.{DOMAIN}"
C2S_PORT = 5222
PROBE_TIMEOUT_S = 2.0
READY_POLL_S = 0.1


def c2s_port(net: TestNetwork) -> int:
    """5222 inside the run's namespace (the server is alone there); a free port on loopback."""
    if net.namespace is not None:
        return C2S_PORT
    with socket.socket() as probe:
        probe.bind((net.server_host, 0))
        return int(probe.getsockname()[1])


def new_accounts(population: Population) -> dict[str, dict[str, str]]:
    """A login `u<user>` and a random password per user (the password exists only in memory,
    the private dir and the driver processes: never under results/)."""
    return {
        str(user): {"login": f"u{user}", "password": secrets.token_urlsafe(18)}
        for user in population.users
    }


def xmpp_directory(
    host: str,
    port: int,
    accounts: dict[str, dict[str, str]],
    population: Population,
    *,
    tls: bool = False,
    ca_file: str = "",
) -> Directory:
    """What the `xmpp` client needs: where, the domain, accounts, room names (`r<room>`)."""
    rooms = {group_room_key(room): group_room_key(room) for room in population.rooms}
    return Directory(
        "xmpp",
        host,
        port,
        tls=tls,
        ca_file=ca_file,
        server_name=DOMAIN,
        users=accounts,
        rooms=rooms,
        options={"muc_service": MUC_SERVICE},
    )


async def answers_with_features(host: str, port: int) -> bool:
    """True when a c2s stream opened to host:port gets its stream features back."""
    with contextlib.suppress(OSError, TimeoutError, ValueError):
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(stream_header(DOMAIN))
                await writer.drain()
                stream = StreamReader()
                while chunk := await reader.read(65536):
                    if any(e.name == "features" for e in stream.feed(chunk)):
                        return True
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    return False


async def serve_c2s(child: Child, host: str, port: int, timeout_s: float, who: str) -> Endpoint:
    """Wait until `child`'s c2s port answers a stream with features; its endpoint."""
    await poll_until_ready(
        child,
        lambda: answers_with_features(host, port),
        timeout_s,
        READY_POLL_S,
        f"{who}'s c2s port did not answer with stream features",
    )
    return Endpoint(host, port, "xmpp")


def tree_bytes(path: Path) -> int:
    """Bytes of every regular file under `path` (0 when it does not exist)."""
    total = 0
    for item in path.rglob("*"):
        with contextlib.suppress(OSError):
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_size
    return total
