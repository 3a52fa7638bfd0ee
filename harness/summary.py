"""A run's `summary.json` metrics and validity verdict, assembled from harness.analysis. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from harness import analysis as an
from harness.analysis import Metric, Window, scalar
from harness.kernel import records
from harness.kernel.status import RunStatus
from harness.media_analysis import media_metrics


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


def messaging_metrics(data: RunData) -> dict[str, Metric]:
    ready = an.ready_times(data.events)
    expected = an.expected_deliveries(data.sent, data.events)
    metrics = {
        f"messaging.{k}": v
        for k, v in an.delivery_figures(data.sent, data.recv, expected, ready).items()
    }
    for kind, name in records.KIND_NAMES.items():
        mask = data.sent["kind"] == kind
        if not mask.any():
            continue
        sub = an.delivery_figures(
            data.sent[mask], data.recv[data.recv["kind"] == kind], expected[mask], ready
        )
        metrics.update({f"{name}.{k}": v for k, v in sub.items()})
    if (data.sent["kind"] == records.KIND_GROUP).any():
        metrics["group.fanout_completion_ms"] = an.distribution(
            an.fanout_completion_ms(data.sent, data.recv, expected), "ms"
        )
        groups = data.events[data.events["kind"] == records.KIND_GROUP].drop_duplicates("user")
        sizes = groups.groupby("target")["user"].count()
        metrics["group.room_size_mean"] = scalar(sizes.mean(), "users", len(sizes))
    peak = an.peak_concurrent_users(data.events)
    metrics["messaging.peak_concurrent_users"] = scalar(peak, "users", len(ready))
    metrics["messaging.payload_bytes_mean"] = scalar(
        data.sent["payload_bytes"].mean() if len(data.sent) else 0.0, "bytes", len(data.sent)
    )
    return metrics


def _send_window_s(data: RunData, window: Window) -> float:
    if data.sent.empty:
        return 0.0
    return (min(window.send_stop_ns, int(data.sent["t_ns"].max())) - window.load_start_ns) / 1e9


def resource_metrics(
    data: RunData, window: Window, delivered: int, sent: int, peak_users: int
) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}
    backend = an.source_series(data.samples, "backend")
    load = an.in_window(backend, window.load_start_ns, window.end_ns)
    if len(load) >= 2:
        cpu = load["cpu_user_s"] + load["cpu_system_s"]
        cpu_s = float(cpu.iloc[-1] - cpu.iloc[0])
        metrics["backend.cpu_core_s"] = scalar(cpu_s, "core_s", len(load))
        metrics["backend.cpu_core_s_per_1k_delivered_msgs"] = scalar(
            1000 * cpu_s / delivered if delivered else 0.0,
            "core_s/1k_msgs",
            len(load) - 1,
            _per_interval_spread(load, cpu, data.recv),
        )
        before = backend[backend["t_ns"] < window.load_start_ns]
        idle_rss = (
            float(before["rss_bytes"].iloc[-1]) if len(before) else float(load["rss_bytes"].iloc[0])
        )
        peak_rss = float(load["rss_bytes"].max())
        metrics["backend.rss_bytes_peak"] = scalar(peak_rss, "bytes", len(load))
        metrics["backend.rss_bytes_per_user"] = scalar(
            (peak_rss - idle_rss) / peak_users if peak_users else 0.0, "bytes/user", len(load)
        )
    storage = an.source_series(data.samples, "storage")
    if len(storage) >= 2:
        grown = float(storage["storage_bytes"].iloc[-1] - storage["storage_bytes"].iloc[0])
        metrics["backend.storage_bytes_delta"] = scalar(grown, "bytes", len(storage))
        metrics["backend.storage_bytes_per_stored_msg"] = scalar(
            grown / sent if sent else 0.0, "bytes/msg", sent
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


def _wire_metrics(data: RunData, window: Window, delivered: int, sent: int) -> dict[str, Metric]:
    source = messaging_wire_source(data)
    if source is None:  # media shared the wire and nothing split it: no per-message figure
        return {}
    wire = an.source_series(data.samples, source)
    if len(wire) < 2:
        return {}
    total = wire["rx_bytes"] + wire["tx_bytes"]
    bytes_total = float(total.iloc[-1] - total.iloc[0])
    load = an.in_window(wire, window.load_start_ns, window.end_ns)
    load_total = load["rx_bytes"] + load["tx_bytes"]
    span_s = (load["t_ns"].iloc[-1] - load["t_ns"].iloc[0]) / 1e9 if len(load) >= 2 else 0.0
    mbps = 8 * float(load_total.iloc[-1] - load_total.iloc[0]) / span_s / 1e6 if span_s else 0.0
    return {
        "wire.bytes_total": scalar(bytes_total, "bytes", len(wire)),
        "wire.bytes_per_delivered_msg": scalar(
            bytes_total / delivered if delivered else 0.0, "bytes/msg", delivered
        ),
        "wire.bytes_per_sent_msg": scalar(bytes_total / sent if sent else 0.0, "bytes/msg", sent),
        "wire.mbps_mean": scalar(mbps, "Mbps", len(load)),
    }


def generator_metrics(
    data: RunData, window: Window, sent: int, delivered: int
) -> dict[str, Metric]:
    """Generator CPU over the load window (not its start-up) per message sent + delivered."""
    sources = sorted(s for s in data.samples["source"].unique() if str(s).startswith("generator-"))
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
    return {
        "generator.cpu_core_s": scalar(cpu_s, "core_s", len(sources)),
        "generator.cpu_core_s_per_1k_msgs": scalar(
            1000 * cpu_s / msgs if msgs else 0.0, "core_s/1k_msgs", msgs
        ),
        "generator.cpu_pct_max": scalar(pct_max, "pct", len(sources)),
    }


def media_generator_cpu_pct_max(data: RunData, window: Window) -> dict[str, Metric]:
    sources = sorted(s for s in data.samples["source"].unique() if str(s).startswith("media-"))
    if not sources:
        return {}
    pct = max(
        an.rolling_cpu_pct_max(
            an.in_window(an.source_series(data.samples, s), window.load_start_ns, window.end_ns)
        )
        for s in sources
    )
    return {"generator.media_cpu_pct_max": scalar(pct, "pct", len(sources))}


def validity_reasons(metrics: dict[str, Metric], stats: pd.DataFrame, window: Window) -> list[str]:
    """Why the figures would describe the generator rather than the backend (empty: they don't)."""
    reasons = []
    cpu_pct = max(
        metrics.get(name, {}).get("value", 0.0)
        for name in ("generator.cpu_pct_max", "generator.media_cpu_pct_max")
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
    if (
        "messaging.deliveries_expected" in metrics
        and metrics["messaging.deliveries_expected"]["value"] == 0
    ):
        reasons.append("no delivery was owed: no message was sent to a ready recipient")
    media_streams = metrics.get("video.recv_streams", metrics.get("voice.recv_streams"))
    if media_streams is not None and media_streams["value"] == 0:
        reasons.append("no media stream was received in the steady window")
    return reasons


def build_metrics(data: RunData, window: Window, ramp_s: float = 0.0) -> dict[str, Metric]:
    """Every figure of a run: messaging (when it had messaging users) and media (when it had streams)."""
    metrics: dict[str, Metric] = {}
    if not data.events.empty:
        metrics.update(_messaging_and_resources(data, window))
    if not data.media_streams.empty:
        metrics.update(
            media_metrics(data.media_streams, data.media_joins, data.samples, window, ramp_s)[0]
        )
        metrics.update(media_generator_cpu_pct_max(data, window))
    return dict(sorted(metrics.items()))


def media_under_target(data: RunData, window: Window, ramp_s: float) -> list[dict[str, Any]]:
    if data.media_streams.empty:
        return []
    return media_metrics(data.media_streams, data.media_joins, data.samples, window, ramp_s)[1]


def _messaging_and_resources(data: RunData, window: Window) -> dict[str, Metric]:
    metrics = messaging_metrics(data)
    delivered = int(metrics["messaging.messages_delivered"]["value"])
    sent = int(metrics["messaging.messages_sent"]["value"])
    peak = int(metrics["messaging.peak_concurrent_users"]["value"])
    metrics.update(resource_metrics(data, window, delivered, sent, peak))
    metrics.update(generator_metrics(data, window, sent, delivered))
    send_s = _send_window_s(data, window)
    if peak and send_s > 0:
        metrics["messaging.sent_msgs_per_user_per_s"] = scalar(
            sent / peak / send_s, "msgs/user/s", sent
        )
    return metrics


def summary_document(
    run_id: str,
    status: str,
    reasons: list[str],
    manifest: dict[str, Any],
    metrics: dict[str, Metric],
    window: Window,
    under_target: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "schema": "imbench.summary/1",
        "run_id": run_id,
        "status": status,
        "partial": RunStatus(status).partial,
        "reasons": reasons,
        "scenario": manifest["scenario"]["name"],
        "backend": manifest["backend"]["name"],
        "media_backend": manifest.get("media_backend", {}).get("name", "none"),
        "net_method": manifest["methods"]["net_method"],
        "load_window_s": round((window.end_ns - window.load_start_ns) / 1e9, 3),
        "metrics": metrics,
        "media_under_target": under_target or [],
    }
