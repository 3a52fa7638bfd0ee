"""The record files load generators write while a run goes (the contract between drivers and analysis).

Drivers append rows to CSV files under `raw/` and flush them at least once a second; timestamps are
`time.monotonic_ns()` (one clock for every process on the host). Analysis reads them with pandas.
Each tuple below is the column order of one file kind.
"""

from __future__ import annotations

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
