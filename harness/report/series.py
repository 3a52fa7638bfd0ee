"""What the report's charts draw, computed from a run's stored records. Pure: DataFrames in.

Over time: wire Mbps, CPU of the backend's processes (and of the load generators, whose
saturation makes a run invalid), backend RSS, messages sent and delivered per second, media
received per second — each from cumulative counters differenced per sampling interval, on
seconds since load start. Distributions: end-to-end latency per workload and group fan-out
completion, media join, first-frame and jitter times. Streams: each receive stream's achieved
bitrate over the steady window against its target (harness.media_analysis decides which
samples are steady and what is under target).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from harness import analysis as an
from harness.analysis import Window
from harness.kernel import records
from harness.media_analysis import UNDER_TARGET_RATIO, per_stream, steady, stream_targets
from harness.summary import RunData

CDF_POINTS = 240
"""A distribution is drawn through this many quantiles, however many samples it has."""
BIN_S = 1.0
MESSAGING_SERVERS = ("backend", "sfu", "turn")
"""Sample sources that are servers under test (the rest are generators and meters)."""
WIRE_LABELS = {"wire": "veth, all traffic", "wire-messaging": "messaging port only"}


@dataclass(frozen=True)
class Line:
    label: str
    t_s: tuple[float, ...]
    values: tuple[float, ...]
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    """One chart panel over time: lines in one unit."""

    title: str
    unit: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Phase:
    t_s: float
    label: str


def _line(label: str, t_s: Any, values: Any, dashed: bool = False) -> Line:
    return Line(label, tuple(float(t) for t in t_s), tuple(float(v) for v in values), dashed)


def origin_ns(data: RunData, window: Window | None) -> int:
    """Time zero of every chart: load start, or the first sample of a run that never got there."""
    if window is not None:
        return window.load_start_ns
    return int(data.samples["t_ns"].min()) if len(data.samples) else 0


def phases(window: Window | None, ramp_s: float) -> tuple[Phase, ...]:
    """Where the ramp ends, sends stop and the run ends, in seconds since load start."""
    if window is None:
        return ()
    send_stop_s = (window.send_stop_ns - window.load_start_ns) / 1e9
    end_s = (window.end_ns - window.load_start_ns) / 1e9
    return (Phase(ramp_s, "ramp end"), Phase(send_stop_s, "sends stop"), Phase(end_s, "end"))


def _rate(series: pd.DataFrame, counter: pd.Series, zero_ns: int, factor: float) -> Line | None:
    """A cumulative counter differenced per interval, times `factor`, at each interval's end."""
    if len(series) < 2:
        return None
    t = series["t_ns"].to_numpy()
    dt_s = np.diff(t) / 1e9
    ok = dt_s > 0
    rate = factor * np.diff(counter.to_numpy(dtype=float))[ok] / dt_s[ok]
    return _line("", (t[1:][ok] - zero_ns) / 1e9, rate)


def _sources(samples: pd.DataFrame) -> list[str]:
    return sorted(str(s) for s in samples["source"].dropna().unique())


def wire_panel(samples: pd.DataFrame, zero_ns: int) -> Panel:
    lines = []
    for source, label in WIRE_LABELS.items():
        series = an.source_series(samples, source)
        line = _rate(series, series["rx_bytes"] + series["tx_bytes"], zero_ns, 8 / 1e6)
        if line is not None:
            lines.append(Line(label, line.t_s, line.values))
    return Panel("Wire rate, both directions", "Mbps", tuple(lines))


def cpu_panel(samples: pd.DataFrame, zero_ns: int) -> Panel:
    lines = []
    for source in _sources(samples):
        generator = source.startswith(("generator-", "media-"))
        if not generator and source not in MESSAGING_SERVERS:
            continue
        series = an.source_series(samples, source)
        line = _rate(series, series["cpu_user_s"] + series["cpu_system_s"], zero_ns, 100.0)
        if line is not None:
            lines.append(Line(source, line.t_s, line.values, dashed=generator))
    return Panel("CPU (servers solid, load generators dashed)", "% of one core", tuple(lines))


def rss_panel(samples: pd.DataFrame, zero_ns: int) -> Panel:
    lines = []
    for source in _sources(samples):
        if source not in MESSAGING_SERVERS:
            continue
        series = an.source_series(samples, source).dropna(subset=["rss_bytes"])
        if len(series):
            t_s = (series["t_ns"].to_numpy() - zero_ns) / 1e9
            lines.append(_line(source, t_s, series["rss_bytes"].to_numpy() / 2**20))
    return Panel("Resident memory of the servers", "MiB", tuple(lines))


def _per_second(t_ns: np.ndarray[Any, Any], zero_ns: int, end_ns: int) -> Line | None:
    if len(t_ns) == 0:
        return None
    rel_s = (t_ns - zero_ns) / 1e9
    start = float(np.floor(min(rel_s.min(), 0.0)))
    stop = float(np.ceil(max(rel_s.max(), (end_ns - zero_ns) / 1e9)))
    edges = np.arange(start, stop + BIN_S, BIN_S)
    counts = np.histogram(rel_s, bins=edges)[0] / BIN_S
    return _line("", edges[1:], counts)


def message_panel(data: RunData, zero_ns: int, end_ns: int) -> Panel:
    lines = []
    for label, frame in (("sent", data.sent), ("delivered", data.recv)):
        line = _per_second(frame["t_ns"].to_numpy(), zero_ns, end_ns)
        if line is not None:
            lines.append(Line(label, line.t_s, line.values))
    return Panel("Messages per second (1 s bins)", "msgs/s", tuple(lines))


def media_panel(streams: pd.DataFrame, zero_ns: int) -> Panel:
    lines = []
    if not streams.empty:
        recv = streams[streams["direction"] == "recv"]
        for kind, rows in recv.groupby("kind"):
            second = np.round(rows["t_s"].to_numpy() - zero_ns / 1e9)
            total = rows.groupby(second)["payload_mbps"].sum()
            lines.append(_line(f"{kind} received", total.index.to_numpy(), total.to_numpy()))
    return Panel("Media payload received, all streams", "Mbps", tuple(lines))


def over_time(data: RunData, window: Window | None) -> tuple[Panel, ...]:
    """The panels over time that have data, in reading order."""
    zero_ns = origin_ns(data, window)
    end_ns = window.end_ns if window is not None else zero_ns
    panels = (
        wire_panel(data.samples, zero_ns),
        cpu_panel(data.samples, zero_ns),
        rss_panel(data.samples, zero_ns),
        message_panel(data, zero_ns, end_ns),
        media_panel(data.media_streams, zero_ns),
    )
    return tuple(p for p in panels if p.lines)


def quantiles(values: Sequence[float] | np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], ...]:
    """(values at, fraction) of an empirical CDF through CDF_POINTS quantiles."""
    q = np.linspace(0.0, 1.0, CDF_POINTS)
    return np.quantile(np.asarray(values, dtype=float), q), q


def latency_samples(data: RunData) -> dict[str, np.ndarray[Any, Any]]:
    """End-to-end latency (ms, µs resolution as in the summary) per workload, and group fan-out."""
    out: dict[str, np.ndarray[Any, Any]] = {}
    recv = data.recv
    for kind, name in records.KIND_NAMES.items():
        rows = recv[recv["kind"] == kind]
        if len(rows):
            out[f"{name} e2e latency"] = (rows["t_ns"] - rows["send_ns"]).to_numpy() // 1000 / 1e3
    if (data.sent["kind"] == records.KIND_GROUP).any():
        expected = an.expected_deliveries(data.sent, data.events)
        fanout = an.fanout_completion_ms(data.sent, data.recv, expected)
        if len(fanout):
            out["group fan-out completion"] = fanout
    return out


def media_timing_samples(joins: pd.DataFrame) -> dict[str, np.ndarray[Any, Any]]:
    """Join (signalling start → connected) and first-frame times in ms, per media kind."""
    out: dict[str, np.ndarray[Any, Any]] = {}
    if joins.empty:
        return out
    for kind, rows in joins.groupby("kind"):
        join = rows["join_ms"].dropna().to_numpy()
        first = rows[rows["direction"] == "recv"]["first_frame_ms"].dropna().to_numpy()
        if len(join):
            out[f"{kind} join"] = join
        if len(first):
            out[f"{kind} first frame"] = first
    return out


def jitter_samples(streams: pd.DataFrame) -> dict[str, np.ndarray[Any, Any]]:
    """Per stream per second interarrival jitter (ms) of receive streams, per media kind."""
    if streams.empty:
        return {}
    recv = streams[streams["direction"] == "recv"]
    return {
        f"{kind} jitter": rows["jitter_ms"].dropna().to_numpy()
        for kind, rows in recv.groupby("kind")
        if rows["jitter_ms"].notna().any()
    }


@dataclass(frozen=True)
class StreamRow:
    """One receive stream over the steady window."""

    receiver: str
    """`media-<generator>/<peer>`, as summary.json's media_under_target names it."""
    stream: str
    kind: str
    achieved_mbps: float
    target_mbps: float
    fps: float
    packets: int
    packets_lost: int

    @property
    def under_target(self) -> bool:
        return (
            self.kind == "video"
            and self.target_mbps > 0
            and self.achieved_mbps < UNDER_TARGET_RATIO * self.target_mbps
        )


def receive_streams(
    streams: pd.DataFrame, window: Window | None, ramp_s: float, targets: dict[int, float]
) -> tuple[StreamRow, ...]:
    """Each receive stream's achieved bitrate against its target, as the summary judged it."""
    if streams.empty:
        return ()
    if "target_mbps" not in streams:  # read from raw/: the targets were never joined
        streams = stream_targets(streams, targets)
    window_rows = steady(streams, window, ramp_s) if window is not None else streams
    table = per_stream(window_rows if not window_rows.empty else streams)
    recv = table[table["direction"] == "recv"].sort_values(["kind", "generator", "peer", "stream"])
    return tuple(
        StreamRow(
            f"media-{r['generator']}/{r['peer']}",
            str(r["stream"]),
            str(r["kind"]),
            float(r["achieved_mbps"]),
            float(r["target_mbps"]),
            float(r["frames"]),
            int(r["packets"]),
            int(r["packets_lost"]),
        )
        for r in recv.to_dict("records")
    )
