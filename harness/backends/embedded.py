"""The embedded reference backend: harness.backends.embedded_server as its own process."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path
from typing import Any

from harness import __version__
from harness.backends import BackendContext, Endpoint
from harness.backends.process import ServerProcess, read_ready_line

READY_TIMEOUT_S = 20.0


class EmbeddedBackend(ServerProcess):
    name = "embedded"

    def __init__(self) -> None:
        self._children = []
        self._data_dir: Path | None = None

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
            },
        }

    async def start(self, ctx: BackendContext) -> Endpoint:
        self._data_dir = data_dir = ctx.data_dir
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
        ]
        server = ctx.spawn("embedded", argv, stdout_pipe=True)
        self._children = [server]
        bound = await read_ready_line(server, "READY", READY_TIMEOUT_S)
        host, _, port = bound.rpartition(":")
        return Endpoint(host, int(port), "embedded-ws")

    def data_paths(self) -> list[Path]:
        return [self._data_dir] if self._data_dir else []


def create() -> EmbeddedBackend:
    return EmbeddedBackend()
