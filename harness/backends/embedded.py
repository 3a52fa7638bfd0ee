"""The embedded reference backend: harness.backends.embedded_server as its own process.

Test option: IMBENCH_EMBEDDED_EXTRA_WORK_US=N in the environment of `imbench run` makes the
server spin N µs of CPU time on every accepted message (`--extra-work-per-msg-us`): a backend that
really costs more per message, for testing regression claims against a baseline. The manifest's
`backend.config.extra_work_per_msg_us` records it (0 in normal use); docs/claims.md.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness import __version__
from harness.backends import BackendContext, Endpoint
from harness.backends.certificate import RunCertificate
from harness.backends.process import ServerProcess, read_ready_line
from harness.kernel.directory import Directory
from harness.kernel.errors import BadInput
from harness.layout import Population

READY_TIMEOUT_S = 20.0
EXTRA_WORK_ENV = "IMBENCH_EMBEDDED_EXTRA_WORK_US"


def extra_work_per_msg_us(environ: Mapping[str, str] = os.environ) -> int:
    """The test option's µs of CPU per message (0 when unset); BadInput when it is not a count."""
    text = environ.get(EXTRA_WORK_ENV, "").strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()):
        accepted = "a whole number of microseconds >= 0 (a test option: CPU spun per message)"
        raise BadInput("environment", EXTRA_WORK_ENV, text, accepted)
    return int(text)


class EmbeddedBackend(ServerProcess):
    name = "embedded"
    serves_tls = True

    def __init__(self) -> None:
        self._children = []
        self._data_dir: Path | None = None
        self._endpoint: Endpoint | None = None
        self._tls: RunCertificate | None = None
        self.extra_work_per_msg_us = extra_work_per_msg_us()

    def missing(self) -> str | None:
        return None  # part of imbench itself

    def describe(self) -> dict[str, Any]:
        from harness.backends import embedded_server

        return {
            "name": self.name,
            "version": __version__,
            "config": {
                "protocol": "websocket+json",
                "store": "sqlite-wal",
                "flush_interval_s": embedded_server.FLUSH_INTERVAL_S,
                "websockets": importlib.metadata.version("websockets"),
                "extra_work_per_msg_us": self.extra_work_per_msg_us,
                "tls": "wss: TLS >= 1.2 (Python ssl defaults), the run's certificate"
                if self._tls
                else False,
            },
        }

    async def start(self, ctx: BackendContext) -> Endpoint:
        self._data_dir = data_dir = ctx.data_dir
        self._tls = ctx.tls
        argv = [
            sys.executable,
            "-m",
            "harness.backends.embedded_server",
            "--host",
            ctx.net.server_host,
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--extra-work-per-msg-us",
            str(self.extra_work_per_msg_us),
        ]
        if ctx.tls is not None:
            argv += ["--tls-cert", str(ctx.tls.cert_file), "--tls-key", str(ctx.tls.key_file)]
        server = ctx.spawn("embedded", argv, stdout_pipe=True)
        self._children = [server]
        bound = await read_ready_line(server, "READY", READY_TIMEOUT_S)
        host, _, port = bound.rpartition(":")
        self._endpoint = Endpoint(host, int(port), "embedded-ws")
        return self._endpoint

    async def provision(self, population: Population) -> Directory:
        """Nothing to create: a user is whoever says hello as `u<index>`, a room is `r<index>`."""
        assert self._endpoint is not None, "provision() before start()"
        host, port = self._endpoint.host, self._endpoint.port
        if self._tls is None:
            return Directory("embedded-ws", host, port)
        tls = self._tls
        return Directory("embedded-ws", host, port, True, str(tls.ca_file), tls.server_name)

    def unavailable(self) -> dict[str, str]:
        return {}

    def data_paths(self) -> list[Path]:
        return [self._data_dir] if self._data_dir else []


def create(options: dict[str, Any] | None = None) -> EmbeddedBackend:
    return EmbeddedBackend()
