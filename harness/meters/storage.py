"""Storage meter: bytes on disk of a backend's data paths (database files incl. WAL, archives),
plus what backends measure themselves (`probes`: a database's own size, where its data dir grows
in preallocated segments that would misstate the data's growth)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path


class StorageMeter:
    def __init__(self, paths: Sequence[Path], probes: Sequence[Callable[[], int]] = ()) -> None:
        self.paths = list(paths)
        self.probes = list(probes)

    def read(self) -> int:
        """Total apparent size in bytes of every regular file under the paths, plus each probe's
        latest bytes (a probe must answer at once: it reads a value measured in the background)."""
        return sum(_size(p) for p in self.paths) + sum(probe() for probe in self.probes)


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
