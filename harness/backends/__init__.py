"""Backends under test: one small interface, one module per backend, imported lazily by name.

A backend starts its server with a generated config and data dir inside the run's network,
reports its process (for the meters and crash detection) and data paths (for storage), and says
where clients connect. A missing optional dependency breaks only that backend.
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from harness.network import TestNetwork


@dataclass(frozen=True)
class Endpoint:
    """Where clients connect: host, port and the protocol spoken there."""

    host: str
    port: int
    protocol: str


class Backend(Protocol):
    name: str

    def describe(self) -> dict[str, Any]:
        """Name, version and configuration, for the manifest."""
        ...

    async def start(self, net: TestNetwork, data_dir: Path, log_path: Path) -> Endpoint: ...

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        """The server's root process (its tree is what the backend meter measures)."""
        ...

    def data_paths(self) -> list[Path]: ...

    async def stop(self) -> None:
        """Stop gracefully, then forcibly; safe to call when never started or already dead."""
        ...


_MODULES = {
    "embedded": "harness.backends.embedded",
    "embedded-sfu": "harness.backends.embedded_media",
    "janus": "harness.backends.janus",
    "coturn": "harness.backends.coturn",
}


def create_backend(name: str) -> Backend:
    module = importlib.import_module(_MODULES[name])
    backend: Backend = module.create()
    return backend
