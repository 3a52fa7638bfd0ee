"""Per-interval figures of a run, one value per block of its steady window. Pure: tables in.

A regression claim on a per-interval metric compares the run's blocks with the baseline's by rank
(harness.claims.regression). The samples are 1 s apart, but neighbouring seconds are not
independent evidence, so they are pooled into blocks of `BLOCK_S`:

- psutil's CPU times advance in 10 ms ticks: a backend using ~50 ms of CPU a second (the embedded
  server under the small test scenario) is quantised by ±20 % in a 1 s sample, ±4 % in a 5 s block;
- neighbouring seconds share queueing and scheduler state: measured on this machine kind, the lag-1
  autocorrelation of per-second p50 latency was 0.39 over a 60 s run, so 60 one-second samples
  carry the evidence of far fewer independent ones (effective size ≈ n (1 − ρ) / (1 + ρ));
- benchstat asks for 10 samples a side and Google Benchmark's compare.py for at least 9
  repetitions (UTEST_OPTIMAL_REPETITIONS): a 45 s steady window gives 9 blocks of 5 s, a 20 s one
  the `MIN_BLOCKS` = 4 below which a one-sided rank test at α = 0.05 cannot be significant
  (with 3 against 3 the smallest p is 1/20).

What remains correlated between 5 s blocks is slow drift over a run (the database grows), which a
rerun of the same scenario shares. The steady window is the run's load window after its ramp, up
to the last send; only whole blocks count. Cumulative counters are interpolated at block edges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from harness import analysis as an
from harness.kernel import records
from harness.kernel.metric_names import BACKEND, CHAT, GROUP, MESSAGING, WIRE
from harness.kernel.metrics import VALUE_STAT
from harness.summary import RunData, messaging_wire_source

BLOCK_S = 5.0
MIN_BLOCKS = 4

Values = np.ndarray[Any, np.dtype[np.float64]]

_LATENCY = {MESSAGING.e2e_latency_ms: None, CHAT.e2e_latency_ms: records.KIND_CHAT}
_LATENCY[GROUP.e2e_latency_ms] = records.KIND_GROUP
_VALUES = (
    BACKEND.cpu_core_s_per_1k_delivered_msgs,
    WIRE.mbps_mean,
    MESSAGING.sent_msgs_per_user_per_s,
)
PER_INTERVAL = frozenset((*_LATENCY, *_VALUES))
"""Metrics compared block by block; every other figure is compared as a whole-run figure."""
HOST_ADJUSTABLE = frozenset((*_LATENCY, BACKEND.cpu_core_s_per_1k_delivered_msgs))
"""Per-interval CPU and time figures, which a regression claim can read in units of the host's
speed (`host_adjusted_values`); rates and wire figures are set by the load, not the host."""


def per_interval(name: str) -> bool:
    return name in PER_INTERVAL


@dataclass(frozen=True)
class Steady:
    """The steady part of a run's load window, monotonic ns."""

    start_ns: int
    end_ns: int

    @classmethod
    def of(cls, load_start_ns: int, send_stop_ns: int, ramp_s: float) -> Steady:
        return cls(load_start_ns + int(ramp_s * 1e9), send_stop_ns)


def block_edges(steady: Steady, block_s: float = BLOCK_S) -> Values:
    """Edges of the whole blocks in the steady window (empty when not even one fits)."""
    count = int((steady.end_ns - steady.start_ns) // (block_s * 1e9))
    return steady.start_ns + np.arange(count + 1, dtype=np.float64) * block_s * 1e9


def block_values(
    name: str, stat: str, data: RunData, edges: Values, peak_users: float | None
) -> Values:
    """One value of `name`'s `stat` per block (blocks without the events it divides by dropped)."""
    return _defined(_per_block(name, stat, data, edges, peak_users))


def host_adjusted_values(
    name: str, stat: str, data: RunData, edges: Values, peak_users: float | None
) -> Values:
    """Each block's value of a `HOST_ADJUSTABLE` metric over the generator's CPU per 1,000
    messages in the same block (blocks where either is undefined dropped): the figure in units
    of the host's speed, as the generator — the same code at the same load — measures it."""
    if name not in HOST_ADJUSTABLE:
        raise ValueError(f"{name} is not adjusted for the host's speed")
    values = _per_block(name, stat, data, edges, peak_users)
    return _defined(values / generator_cpu_per_1k(data, edges))


def control_values(data: RunData, edges: Values) -> Values:
    """The generator's CPU per 1,000 messages sent + delivered, per block (defined ones only)."""
    return _defined(generator_cpu_per_1k(data, edges))


def generator_cpu_per_1k(data: RunData, edges: Values) -> Values:
    """Every generator's CPU (core-s) per 1,000 messages sent + delivered, per block; NaN where
    no message moved or a generator's samples do not span the blocks."""
    blocks = max(len(edges) - 1, 0)
    sources = an.generator_sources(data.samples)
    if blocks == 0 or not sources:
        return np.full(blocks, np.nan)
    cpu = np.zeros(blocks)
    for source in sources:
        grown = _cumulative_at(
            an.source_series(data.samples, source),
            lambda s: s["cpu_user_s"] + s["cpu_system_s"],
            edges,
        )
        if grown is None:
            return np.full(blocks, np.nan)
        cpu += np.diff(grown)
    msgs = _counts(data.sent["t_ns"], edges) + _counts(data.recv["t_ns"], edges)
    return _per_1k(cpu, msgs)


def _defined(values: Values) -> Values:
    return np.asarray(values[~np.isnan(values)], dtype=np.float64)


def _per_1k(cpu_s: Values, events: Values) -> Values:
    """1,000 × CPU per event, NaN where there was none."""
    out = np.full(len(events), np.nan)
    busy = events > 0
    out[busy] = 1000 * cpu_s[busy] / events[busy]
    return out


def _per_block(
    name: str, stat: str, data: RunData, edges: Values, peak_users: float | None
) -> Values:
    """One value per block, NaN where the block has none."""
    if len(edges) < 2:
        return np.array([], dtype=np.float64)
    if name in _LATENCY:
        return _latency(data.recv, _LATENCY[name], stat, edges)
    if stat != VALUE_STAT:
        raise ValueError(f"{name} has no per-interval {stat}")
    if name == BACKEND.cpu_core_s_per_1k_delivered_msgs:
        return _cpu_per_1k(data, edges)
    if name == WIRE.mbps_mean:
        return _wire_mbps(data, edges)
    if name == MESSAGING.sent_msgs_per_user_per_s:
        return _send_rate(data.sent, edges, peak_users)
    raise ValueError(f"{name} is not a per-interval metric")


def _block_of(times_ns: pd.Series, edges: Values) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Each time's block index (blocks are [start, end)); -1 or len(edges) - 1 outside them."""
    return np.searchsorted(edges, times_ns.to_numpy(dtype=np.float64), side="right") - 1


def _counts(times_ns: pd.Series, edges: Values) -> Values:
    """Events per block, each block [start, end)."""
    block = _block_of(times_ns, edges)
    inside = block[(block >= 0) & (block < len(edges) - 1)]
    return np.bincount(inside, minlength=len(edges) - 1).astype(np.float64)


def _cumulative_at(
    series: pd.DataFrame, column: Callable[[pd.DataFrame], pd.Series], edges: Values
) -> Values | None:
    """A cumulative counter of one sample source, interpolated at the block edges; None when its
    samples do not span the blocks."""
    if len(series) < 2 or series["t_ns"].iloc[0] > edges[0] or series["t_ns"].iloc[-1] < edges[-1]:
        return None
    t = series["t_ns"].to_numpy(dtype=np.float64)
    return np.asarray(np.interp(edges, t, column(series).to_numpy(dtype=np.float64)))


def _cpu_per_1k(data: RunData, edges: Values) -> Values:
    cpu = _cumulative_at(
        an.source_series(data.samples, "backend"),
        lambda s: s["cpu_user_s"] + s["cpu_system_s"],
        edges,
    )
    if cpu is None:
        return np.full(len(edges) - 1, np.nan)
    return _per_1k(np.diff(cpu), _counts(data.recv["t_ns"], edges))


def _wire_mbps(data: RunData, edges: Values) -> Values:
    source = messaging_wire_source(data)
    total = None
    if source is not None:
        total = _cumulative_at(
            an.source_series(data.samples, source), lambda s: s["rx_bytes"] + s["tx_bytes"], edges
        )
    if total is None:
        return np.full(len(edges) - 1, np.nan)
    return np.asarray(8 * np.diff(total) / (np.diff(edges) / 1e9) / 1e6, dtype=np.float64)


def _send_rate(sent: pd.DataFrame, edges: Values, peak_users: float | None) -> Values:
    if not peak_users:
        return np.full(len(edges) - 1, np.nan)
    return np.asarray(_counts(sent["t_ns"], edges) / peak_users / (np.diff(edges) / 1e9))


_STATS: dict[str, Callable[[Values], float]] = {
    "min": lambda v: float(v.min()),
    "max": lambda v: float(v.max()),
    "mean": lambda v: float(v.mean()),
    "p50": lambda v: float(np.percentile(v, 50)),
    "p95": lambda v: float(np.percentile(v, 95)),
    "p99": lambda v: float(np.percentile(v, 99)),
}


def _latency(recv: pd.DataFrame, kind: int | None, stat: str, edges: Values) -> Values:
    """The statistic of each block's delivery latencies (ms, as harness.analysis computes them)."""
    rows = recv if kind is None else recv[recv["kind"] == kind]
    latency_ms = (rows["t_ns"] - rows["send_ns"]).to_numpy() // 1000 / 1000.0
    block = _block_of(rows["t_ns"], edges)
    of = _STATS[stat]
    out = [
        of(latency_ms[block == i]) if (block == i).any() else np.nan for i in range(len(edges) - 1)
    ]
    return np.array(out, dtype=np.float64)
