"""Storage meter: bytes on disk of a backend's data paths (database files incl. WAL, archives)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class StorageMeter:
    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)

    def read(self) -> int:
        """Total apparent size in bytes of every regular file under the paths."""
        return sum(_size(p) for p in self.paths)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total
