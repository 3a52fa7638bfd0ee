"""The record files load generators write while a run goes (the contract between drivers and analysis).

Drivers append rows to CSV files under `raw/` and flush them at least once a second; timestamps are
`time.monotonic_ns()` (one clock for every process on the host). Analysis reads them with pandas.
Each tuple below is the column order of one file kind; `RecordFile` and `LineFile` write them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import IO, Any

SENT_COLUMNS = ("t_ns", "sched_ns", "user", "kind", "target", "seq", "payload_bytes", "frame_bytes")
"""One row per message sent. kind: 0 chat, 1 group; target: peer user (chat) or room (group)."""

RECV_COLUMNS = ("t_ns", "user", "sender", "kind", "target", "seq", "send_ns", "payload_bytes")
"""One row per message received by `user` from `sender`; target as in SENT_COLUMNS."""

EVENT_COLUMNS = ("t_ns", "user", "kind", "target", "event", "detail")
"""Session events per simulated user: connect, ready (may receive), stop, error."""

KIND_CHAT = 0
KIND_GROUP = 1
KIND_NAMES = {KIND_CHAT: "chat", KIND_GROUP: "group"}

EVENT_CONNECT = "connect"
EVENT_READY = "ready"
EVENT_STOP = "stop"
EVENT_ERROR = "error"

SAMPLE_COLUMNS = (
    "t_ns",
    "source",
    "cpu_user_s",
    "cpu_system_s",
    "rss_bytes",
    "io_read_bytes",
    "io_write_bytes",
    "procs",
    "rx_bytes",
    "tx_bytes",
    "rx_packets",
    "tx_packets",
    "storage_bytes",
)
"""One row per meter reading: cumulative counters; columns that do not apply to a source are empty."""


def raw_file(kind: str, generator: int) -> str:
    """File name under raw/ for one generator's records of `kind` (sent, recv, events, stats)."""
    suffix = "jsonl" if kind == "stats" else "csv"
    return f"{kind}-{generator}.{suffix}"


def whole_lines(data: bytes) -> tuple[bytes, int]:
    """The complete lines of a record file, and how many partial lines were cut off its end (0 or 1).

    Files are appended to while a run goes and a writer killed mid-write leaves its last line torn.
    A line is complete only with its terminating newline: a row cut inside its last field
    (`…,150` written as `…,15`) would parse as a valid row with a wrong value, so it is never read.
    """
    end = data.rfind(b"\n") + 1
    return data[:end], int(end < len(data))


def json_lines(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """The JSON objects of a JSON-lines record file, and how many lines were dropped: a partial
    last line (see `whole_lines`) and any line that is not one JSON object. Blank lines are skipped."""
    complete, dropped = whole_lines(data)
    rows = []
    for line in complete.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            row = None
        if isinstance(row, dict):
            rows.append(row)
        else:
            dropped += 1
    return rows, dropped


@dataclass(frozen=True)
class SampleRow:
    """One meter reading (a row of raw/samples.csv): cumulative counters; None where a column
    does not apply to the source."""

    t_ns: int
    source: str
    cpu_user_s: float | None = None
    cpu_system_s: float | None = None
    rss_bytes: int | None = None
    io_read_bytes: int | None = None
    io_write_bytes: int | None = None
    procs: int | None = None
    rx_bytes: int | None = None
    tx_bytes: int | None = None
    rx_packets: int | None = None
    tx_packets: int | None = None
    storage_bytes: int | None = None

    def as_row(self) -> tuple[object, ...]:
        """The CSV row in SAMPLE_COLUMNS order (CPU seconds to the millisecond)."""
        return tuple(_cell(getattr(self, name)) for name in SAMPLE_COLUMNS)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return value


def _from_json(cls: type[Any], text: str | bytes) -> Any:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a progress line must be a JSON object")
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class MessagingProgress:
    """The line a Locust driver prints once a second (stdout, and raw/stats-<g>.jsonl)."""

    t_ns: int
    generator: int
    users_connected: int
    sent: int
    received: int
    latency_ms_p50: float
    latency_ms_p95: float
    loop_lag_ms_max: float
    send_lag_ms_max: float
    tcp_bytes_sent: int = 0
    """The generator's client sockets, cumulative (workloads.socket_meter): payload bytes sent,"""
    tcp_bytes_received: int = 0
    """... payload bytes received,"""
    tcp_segs_out: int = 0
    """... segments sent,"""
    tcp_segs_in: int = 0
    """... and segments received (0 throughout: the protocol's client exposes no socket)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> MessagingProgress:
        """Parse one line; ValueError (or TypeError) when it is not one."""
        line: MessagingProgress = _from_json(cls, text)
        return line


@dataclass(frozen=True)
class MediaProgress:
    """The line a media driver prints once a second (stdout)."""

    recv_streams: int
    recv_mbps: float
    recv_lost: int
    send_streams: int
    loop_lag_ms_max: float

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> MediaProgress:
        line: MediaProgress = _from_json(cls, text)
        return line


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
