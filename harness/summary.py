"""A run's `summary.json` figures and validity verdict, assembled from harness.analysis. Pure.

Every figure is named through `harness.kernel.metric_names` and built by `harness.kernel.figures`,
so each one is a registered metric with its registered unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from harness import analysis as an
from harness.analysis import Window
from harness.kernel import records
from harness.kernel.figures import Figure, by_name
from harness.kernel.metric_names import (
    BACKEND,
    CHAT,
    GENERATOR,
    GROUP,
    MESSAGING,
    VIDEO,
    VOICE,
    WIRE,
)
from harness.kernel.metrics import MetricSpec, WorkloadKind, producible
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary, UnderTarget
from harness.media_analysis import media_metrics
from harness.scenario import Scenario
from workloads.socket_meter import HEADER_BYTES_PER_SEGMENT

TCP_COLUMNS = ("tcp_bytes_sent", "tcp_bytes_received", "tcp_segs_out", "tcp_segs_in")

DELIVERY_FAMILIES = {records.KIND_CHAT: CHAT, records.KIND_GROUP: GROUP}


@dataclass(frozen=True)
class RunData:
    """Everything a run recorded, as DataFrames (see harness.kernel.records for columns)."""

    sent: pd.DataFrame
    recv: pd.DataFrame
    events: pd.DataFrame
    samples: pd.DataFrame
    stats: pd.DataFrame
    media_streams: pd.DataFrame = field(default_factory=pd.DataFrame)
    """media.sample rows (workloads.media.records.StreamSample) plus `generator` and `target_mbps`."""
    media_joins: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()
    """What reading the records left out (torn or malformed raw lines, per file): the run's notes."""


def messaging_metrics(data: RunData) -> dict[str, Figure]:
    ready = an.ready_times(data.events)
    expected = an.expected_deliveries(data.sent, data.events)
    metrics = an.delivery_figures(MESSAGING, data.sent, data.recv, expected, ready)
    for kind, names in DELIVERY_FAMILIES.items():
        mask = data.sent["kind"] == kind
        if not mask.any():
            continue
        metrics.update(
            an.delivery_figures(
                names, data.sent[mask], data.recv[data.recv["kind"] == kind], expected[mask], ready
            )
        )
    if (data.sent["kind"] == records.KIND_GROUP).any():
        groups = data.events[data.events["kind"] == records.KIND_GROUP].drop_duplicates("user")
        sizes = groups.groupby("target")["user"].count()
        metrics |= by_name(
            an.distribution(
                GROUP.fanout_completion_ms, an.fanout_completion_ms(data.sent, data.recv, expected)
            ),
            Figure.of_value(GROUP.room_size_mean, sizes.mean(), len(sizes)),
        )
    peak = an.peak_concurrent_users(data.events)
    payload_mean = data.sent["payload_bytes"].mean() if len(data.sent) else 0.0
    return metrics | by_name(
        Figure.of_value(MESSAGING.peak_concurrent_users, peak, len(ready)),
        Figure.of_value(MESSAGING.payload_bytes_mean, payload_mean, len(data.sent)),
    )


def _send_window_s(data: RunData, window: Window) -> float:
    if data.sent.empty:
        return 0.0
    return (min(window.send_stop_ns, int(data.sent["t_ns"].max())) - window.load_start_ns) / 1e9


def resource_metrics(
    data: RunData, window: Window, delivered: int, sent: int, peak_users: int
) -> dict[str, Figure]:
    metrics: dict[str, Figure] = {}
    backend = an.source_series(data.samples, "backend")
    load = an.in_window(backend, window.load_start_ns, window.end_ns)
    if len(load) >= 2:
        cpu = load["cpu_user_s"] + load["cpu_system_s"]
        cpu_s = float(cpu.iloc[-1] - cpu.iloc[0])
        before = backend[backend["t_ns"] < window.load_start_ns]
        idle_rss = (
            float(before["rss_bytes"].iloc[-1]) if len(before) else float(load["rss_bytes"].iloc[0])
        )
        peak_rss = float(load["rss_bytes"].max())
        metrics |= by_name(
            Figure.of_value(BACKEND.cpu_core_s, cpu_s, len(load)),
            Figure.of_value(
                BACKEND.cpu_core_s_per_1k_delivered_msgs,
                1000 * cpu_s / delivered if delivered else 0.0,
                len(load) - 1,
                _per_interval_spread(load, cpu, data.recv),
            ),
            Figure.of_value(BACKEND.rss_bytes_peak, peak_rss, len(load)),
            Figure.of_value(
                BACKEND.rss_bytes_per_user,
                (peak_rss - idle_rss) / peak_users if peak_users else 0.0,
                len(load),
            ),
        )
    storage = an.source_series(data.samples, "storage")
    if len(storage) >= 2:
        grown = float(storage["storage_bytes"].iloc[-1] - storage["storage_bytes"].iloc[0])
        metrics |= by_name(
            Figure.of_value(BACKEND.storage_bytes_delta, grown, len(storage)),
            Figure.of_value(
                BACKEND.storage_bytes_per_stored_msg, grown / sent if sent else 0.0, sent
            ),
        )
    metrics.update(_wire_metrics(data, window, delivered, sent))
    return metrics


def _per_interval_spread(
    load: pd.DataFrame, cpu: pd.Series, recv: pd.DataFrame
) -> tuple[float, float] | None:
    """p25/p75 of CPU per 1k delivered over sampling intervals that delivered messages."""
    t = load["t_ns"].to_numpy()
    counts = np.histogram(recv["t_ns"].to_numpy(), bins=t)[0]
    d_cpu = np.diff(cpu.to_numpy())
    busy = counts > 0
    if busy.sum() < 2:
        return None
    per_1k = 1000 * d_cpu[busy] / counts[busy]
    return float(np.percentile(per_1k, 25)), float(np.percentile(per_1k, 75))


def messaging_wire_source(data: RunData) -> str | None:
    """The wire meter that carried only messaging: the veth, or its port counters when media shared it."""
    if data.media_streams.empty:
        return "wire"
    return "wire-messaging" if (data.samples["source"] == "wire-messaging").any() else None


def _wire_metrics(data: RunData, window: Window, delivered: int, sent: int) -> dict[str, Figure]:
    source = messaging_wire_source(data)
    if source is None:  # media shared the wire and nothing split it: no per-message figure
        return {}
    wire = an.source_series(data.samples, source)
    if len(wire) < 2:
        return client_wire_metrics(data.stats, window, delivered, sent)
    total = wire["rx_bytes"] + wire["tx_bytes"]
    bytes_total = float(total.iloc[-1] - total.iloc[0])
    load = an.in_window(wire, window.load_start_ns, window.end_ns)
    load_total = load["rx_bytes"] + load["tx_bytes"]
    span_s = (load["t_ns"].iloc[-1] - load["t_ns"].iloc[0]) / 1e9 if len(load) >= 2 else 0.0
    mbps = 8 * float(load_total.iloc[-1] - load_total.iloc[0]) / span_s / 1e6 if span_s else 0.0
    return by_name(
        Figure.of_value(WIRE.bytes_total, bytes_total, len(wire)),
        Figure.of_value(
            WIRE.bytes_per_delivered_msg, bytes_total / delivered if delivered else 0.0, delivered
        ),
        Figure.of_value(WIRE.bytes_per_sent_msg, bytes_total / sent if sent else 0.0, sent),
        Figure.of_value(WIRE.mbps_mean, mbps, len(load)),
    )


def client_wire_metrics(
    stats: pd.DataFrame, window: Window, delivered: int, sent: int
) -> dict[str, Figure]:
    """Wire figures from the generators' own client sockets (no interface of ours carried the
    traffic: an external server): TCP payload both ways plus estimated headers per segment,
    cumulative per generator (workloads.socket_meter), summed over generators."""
    if stats.empty or "tcp_segs_out" not in stats or not stats["tcp_segs_out"].fillna(0).any():
        return {}
    stats = stats.fillna({c: 0 for c in TCP_COLUMNS})
    wire = stats["tcp_bytes_sent"] + stats["tcp_bytes_received"]
    wire = wire + (stats["tcp_segs_out"] + stats["tcp_segs_in"]) * HEADER_BYTES_PER_SEGMENT
    stats = stats.assign(wire_bytes=wire)
    bytes_total = float(stats.groupby("generator")["wire_bytes"].max().sum())
    load = an.in_window(stats, window.load_start_ns, window.end_ns)
    grown_bytes, span_s = 0.0, 0.0
    for _, rows in load.groupby("generator"):
        if len(rows) >= 2:
            grown_bytes += float(rows["wire_bytes"].iloc[-1] - rows["wire_bytes"].iloc[0])
            span_s = max(span_s, (rows["t_ns"].iloc[-1] - rows["t_ns"].iloc[0]) / 1e9)
    return by_name(
        Figure.of_value(WIRE.bytes_total, bytes_total, len(stats)),
        Figure.of_value(
            WIRE.bytes_per_delivered_msg, bytes_total / delivered if delivered else 0.0, delivered
        ),
        Figure.of_value(WIRE.bytes_per_sent_msg, bytes_total / sent if sent else 0.0, sent),
        Figure.of_value(
            WIRE.mbps_mean, 8 * grown_bytes / span_s / 1e6 if span_s else 0.0, len(load)
        ),
    )


def generator_metrics(
    data: RunData, window: Window, sent: int, delivered: int
) -> dict[str, Figure]:
    """Generator CPU over the load window (not its start-up) per message sent + delivered."""
    sources = an.generator_sources(data.samples)
    cpu_s = 0.0
    pct_max = 0.0
    for source in sources:
        series = an.in_window(
            an.source_series(data.samples, source), window.load_start_ns, window.end_ns
        )
        cpu = series["cpu_user_s"] + series["cpu_system_s"]
        cpu_s += float(cpu.iloc[-1] - cpu.iloc[0]) if len(series) >= 2 else 0.0
        pct_max = max(pct_max, an.rolling_cpu_pct_max(series))
    msgs = sent + delivered
    return by_name(
        Figure.of_value(GENERATOR.cpu_core_s, cpu_s, len(sources)),
        Figure.of_value(
            GENERATOR.cpu_core_s_per_1k_msgs, 1000 * cpu_s / msgs if msgs else 0.0, msgs
        ),
        Figure.of_value(GENERATOR.cpu_pct_max, pct_max, len(sources)),
    )


def media_generator_cpu_pct_max(data: RunData, window: Window) -> dict[str, Figure]:
    sources = sorted(s for s in data.samples["source"].unique() if str(s).startswith("media-"))
    if not sources:
        return {}
    pct = max(
        an.rolling_cpu_pct_max(
            an.in_window(an.source_series(data.samples, s), window.load_start_ns, window.end_ns)
        )
        for s in sources
    )
    return by_name(Figure.of_value(GENERATOR.media_cpu_pct_max, pct, len(sources)))


def _value(metrics: dict[str, Figure], name: str) -> float | None:
    figure = metrics.get(name)
    return None if figure is None else figure.value


def validity_reasons(metrics: dict[str, Figure], stats: pd.DataFrame, window: Window) -> list[str]:
    """Why the figures would describe the generator rather than the backend (empty: they don't)."""
    reasons = []
    cpu_pct = max(
        _value(metrics, name) or 0.0
        for name in (GENERATOR.cpu_pct_max, GENERATOR.media_cpu_pct_max)
    )
    if cpu_pct > an.SATURATION_CPU_PCT:
        reasons.append(
            f"load generator saturated: {cpu_pct:.0f}% of a core over {an.ROLLING_WINDOW_S:g} s "
            f"(limit {an.SATURATION_CPU_PCT:g}%)"
        )
    if not stats.empty and "loop_lag_ms_max" in stats:
        lag = an.in_window(stats, window.load_start_ns, window.end_ns)["loop_lag_ms_max"]
        if len(lag) and float(np.percentile(lag, 95)) > an.LOOP_LAG_LIMIT_MS:
            reasons.append(
                f"load generator event loop lagged: p95 of per-second max lag "
                f"{np.percentile(lag, 95):.0f} ms (limit {an.LOOP_LAG_LIMIT_MS:g} ms)"
            )
    if _value(metrics, MESSAGING.deliveries_expected) == 0:
        reasons.append("no delivery was owed: no message was sent to a ready recipient")
    media_streams = _value(metrics, VIDEO.recv_streams)
    if media_streams is None:
        media_streams = _value(metrics, VOICE.recv_streams)
    if media_streams == 0:
        reasons.append("no media stream was received in the steady window")
    return reasons


def build_metrics(data: RunData, window: Window, ramp_s: float = 0.0) -> dict[str, Figure]:
    """Every figure of a run: messaging (when it had messaging users) and media (when it had streams)."""
    metrics: dict[str, Figure] = {}
    if not data.events.empty:
        metrics.update(_messaging_and_resources(data, window))
    if not data.media_streams.empty:
        metrics.update(
            media_metrics(data.media_streams, data.media_joins, data.samples, window, ramp_s)[0]
        )
        metrics.update(media_generator_cpu_pct_max(data, window))
    return dict(sorted(metrics.items()))


def media_under_target(data: RunData, window: Window, ramp_s: float) -> list[UnderTarget]:
    if data.media_streams.empty:
        return []
    return media_metrics(data.media_streams, data.media_joins, data.samples, window, ramp_s)[1]


def _messaging_and_resources(data: RunData, window: Window) -> dict[str, Figure]:
    metrics = messaging_metrics(data)
    delivered = int(_value(metrics, MESSAGING.messages_delivered) or 0)
    sent = int(_value(metrics, MESSAGING.messages_sent) or 0)
    peak = int(_value(metrics, MESSAGING.peak_concurrent_users) or 0)
    metrics.update(resource_metrics(data, window, delivered, sent, peak))
    metrics.update(generator_metrics(data, window, sent, delivered))
    send_s = _send_window_s(data, window)
    if peak and send_s > 0:
        metrics |= by_name(
            Figure.of_value(MESSAGING.sent_msgs_per_user_per_s, sent / peak / send_s, sent)
        )
    return metrics


def summary_document(
    run_id: str,
    status: RunStatus,
    reasons: list[str],
    manifest: dict[str, Any],
    metrics: dict[str, Figure],
    window: Window,
    under_target: list[UnderTarget] | None = None,
    notes: list[str] | None = None,
) -> Summary:
    return Summary(
        run_id=run_id,
        status=status,
        partial=status.partial,
        reasons=tuple(reasons),
        scenario=manifest["scenario"]["name"],
        backend=manifest["backend"]["name"],
        media_backend=manifest.get("media_backend", {}).get("name", "none"),
        net_method=manifest["methods"]["net_method"],
        load_window_s=round((window.end_ns - window.load_start_ns) / 1e9, 3),
        metrics={k: v for k, v in metrics.items() if k not in manifest.get("unavailable", {})},
        media_under_target=tuple(under_target or ()),
        notes=tuple(notes or ()),
        unavailable=dict(manifest.get("unavailable", {})),
    )


def producible_metrics(scenario: Scenario) -> tuple[MetricSpec, ...]:
    """The registered metrics a run of `scenario` can produce (what the claims gate checks a
    claim against before load starts): by its workload kinds, a video workload with an audio
    track counting as voice too, and whether its media goes through TURN."""
    kinds = {WorkloadKind(w.kind) for w in scenario.workloads}
    for media in scenario.media:
        kinds.add(WorkloadKind(media.kind))
        if media.kind == WorkloadKind.VIDEO and media.audio_bitrate_kbps > 0:
            kinds.add(WorkloadKind.VOICE)
    return producible(kinds, scenario.turn)
