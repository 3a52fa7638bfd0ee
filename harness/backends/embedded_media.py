"""The embedded SFU backend: harness.backends.embedded_sfu as its own process in the run's network."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from harness import __version__
from harness.backends import Endpoint
from harness.backends.process import ServerProcess, read_ready_line, spawn_server
from harness.network import TestNetwork

READY_TIMEOUT_S = 30.0
READY_PREFIX = '{"event": "listening"'


class EmbeddedSfuBackend(ServerProcess):
    name = "embedded-sfu"

    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None

    def describe(self) -> dict[str, Any]:
        import importlib.metadata

        return {
            "name": self.name,
            "version": __version__,
            "config": {
                "signalling": "http+json",
                "forwarding": "encoded frames re-packetized per subscriber, no decode or encode",
                "aiortc": importlib.metadata.version("aiortc"),
            },
        }

    async def start(self, net: TestNetwork, data_dir: Path, log_path: Path) -> Endpoint:
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable,
            "-m",
            "harness.backends.embedded_sfu",
            "--host",
            net.server_host,
            "--port",
            "0",
            "--ice-address",
            net.server_host,
        ]
        self._proc = await spawn_server(net, argv, log_path)
        rest = await read_ready_line(self._proc, READY_PREFIX, READY_TIMEOUT_S, log_path)
        ready = json.loads(READY_PREFIX + rest)
        return Endpoint(str(ready["host"]), int(ready["port"]), "embedded-sfu-http")

    def data_paths(self) -> list[Path]:
        return []


def create() -> EmbeddedSfuBackend:
    return EmbeddedSfuBackend()
