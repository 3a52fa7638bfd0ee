"""The embedded SFU backend: harness.backends.embedded_sfu as its own process in the run's network."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from harness import __version__
from harness.backends import BackendContext, Endpoint
from harness.backends.process import ServerProcess, read_ready_line
from harness.children import Child, ProcessScope

READY_TIMEOUT_S = 30.0
READY_PREFIX = '{"event": "listening"'


class EmbeddedSfuBackend(ServerProcess):
    name = "embedded-sfu"

    def __init__(self) -> None:
        self._children: list[Child] = []

    def missing(self) -> str | None:
        return None  # part of imbench itself

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

    async def start(self, ctx: BackendContext) -> Endpoint:
        net = ctx.net
        ctx.data_dir.mkdir(parents=True, exist_ok=True)
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
        sfu = ctx.spawn("embedded-sfu", argv, stdout_pipe=True)
        self._children = [sfu]
        rest = await read_ready_line(sfu, READY_PREFIX, READY_TIMEOUT_S)
        ready = json.loads(READY_PREFIX + rest)
        return Endpoint(str(ready["host"]), int(ready["port"]), "embedded-sfu-http")

    def data_paths(self) -> list[Path]:
        return []


class SfuProcess:
    """The embedded SFU as a child process for scripts and synchronous tests (a run starts it
    through EmbeddedSfuBackend). Optionally inside a network namespace."""

    def __init__(self, host: str = "127.0.0.1", netns: str | None = None) -> None:
        self.scope = ProcessScope()
        argv = [sys.executable, "-m", "harness.backends.embedded_sfu", "--host", host]
        prefix = ["ip", "netns", "exec", netns] if netns else []
        self.child = self.scope.spawn("embedded-sfu", argv, prefix=prefix, stdout_pipe=True)
        assert self.child.proc.stdout is not None
        line = self.child.proc.stdout.readline().decode()
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise RuntimeError(f"embedded SFU ended with {self.child.exit_text()} before listening")
        self.host, self.port = host, int(json.loads(line)["port"])

    @property
    def pid(self) -> int:
        return self.child.pid

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout_s`; then nothing of it is left."""
        self.child.stop_now(timeout_s)
        self.scope.close()


def create(options: dict[str, Any] | None = None) -> EmbeddedSfuBackend:
    return EmbeddedSfuBackend()
