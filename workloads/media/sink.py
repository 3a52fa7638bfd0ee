"""Where a media driver's records go: one JSONL file, one record per line, flushed every second.

Each line is a JSON object whose `record` field names its type (`media.sample`, `media.join`,
`media.loop`, `media.driver`) followed by the dataclass fields. A driver killed hard leaves every line it
flushed readable; a partial last line is the reader's to skip.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, TextIO

from harness.kernel.records import json_lines
from workloads.media.records import StreamSample

RECORD_TYPES = {
    "StreamSample": "media.sample",
    "StreamJoin": "media.join",
    "DriverEvent": "media.driver",
    "LoopLag": "media.loop",
}


class JsonlSink:
    """Appends records to `path` (opened once, line-buffered writes, explicit flush)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: TextIO = path.open("a", encoding="utf-8")

    def write(self, record: Any) -> None:
        assert is_dataclass(record) and not isinstance(record, type)
        line = {"record": RECORD_TYPES[type(record).__name__], **asdict(record)}
        self._file.write(json.dumps(line, separators=(",", ":")) + "\n")

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            self._file.close()


def read_records(path: Path, record: str) -> list[dict[str, Any]]:
    """Every whole line of `path` whose `record` is `record` (a torn last line is skipped)."""
    rows, _ = json_lines(path.read_bytes())
    return [row for row in rows if row.get("record") == record]


def read_samples(path: Path) -> list[StreamSample]:
    """The `media.sample` records of a driver file, as StreamSample objects."""
    return [
        StreamSample(**{k: v for k, v in row.items() if k != "record"})
        for row in read_records(path, "media.sample")
    ]
