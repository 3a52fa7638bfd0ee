"""Buffered CSV record files for load generators: append rows, flush on a timer, never lose a flushed row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO


class RecordFile:
    """Rows appended in memory and written out by `flush()` (call it at least once a second)."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self._fh: IO[str] = path.open("w", encoding="utf-8", buffering=1 << 16)
        self._fh.write(",".join(columns) + "\n")
        self._fh.flush()
        self.rows: list[tuple[object, ...]] = []

    def flush(self) -> None:
        if self.rows:
            rows, self.rows = self.rows, []
            self._fh.write("".join(",".join(map(str, row)) + "\n" for row in rows))
        self._fh.flush()

    def close(self) -> None:
        self.flush()
        self._fh.close()


class LineFile:
    """A JSON-lines file written a line at a time."""

    def __init__(self, path: Path) -> None:
        self._fh: IO[str] = path.open("w", encoding="utf-8")

    def write(self, line: str) -> None:
        self._fh.write(line + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
