"""From media drivers' per-stream-per-second records to a run's video figures. Pure: data in, figures out.

`streams` holds `media.sample` rows (workloads.media.records.StreamSample) with a `target_mbps`
column added per generator; `joins` holds `media.join` rows. Receive streams are judged (bitrate,
loss, frames); send streams say what the generator offered. A stream below 90 % of its target is
listed as under target by name, never averaged away.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis import Window, distribution, in_window, source_series
from harness.kernel.figures import Figure, by_name
from harness.kernel.metric_names import GENERATOR, TURN, VIDEO, VOICE, StreamNames
from harness.kernel.summary import UnderTarget

UNDER_TARGET_RATIO = 0.9
SETTLE_S = 2.0


def steady(streams: pd.DataFrame, window: Window, ramp_s: float) -> pd.DataFrame:
    """Samples after joining settled (ramp + SETTLE_S) and before sends stopped."""
    start_s = window.load_start_ns / 1e9 + ramp_s + SETTLE_S
    return streams[
        (streams["t_s"] - streams["interval_s"] >= start_s)
        & (streams["t_s"] <= window.send_stop_ns / 1e9)
    ]


def per_stream(samples: pd.DataFrame) -> pd.DataFrame:
    """One row per stream: achieved Mbps, packets, loss, mean fps over the samples given."""
    keys = ["peer", "stream", "direction", "kind", "generator"]
    grouped = samples.groupby(keys, as_index=False).agg(
        payload_bytes=("payload_bytes", "sum"),
        interval_s=("interval_s", "sum"),
        packets=("packets", "sum"),
        packets_lost=("packets_lost", "sum"),
        frames=("frames_per_s", "mean"),
        target_mbps=("target_mbps", "first"),
    )
    grouped["achieved_mbps"] = 8 * grouped["payload_bytes"] / grouped["interval_s"] / 1e6
    return grouped


def under_target(streams: pd.DataFrame) -> list[UnderTarget]:
    """Receive video streams that achieved less than UNDER_TARGET_RATIO of their target."""
    video = streams[
        (streams["direction"] == "recv")
        & (streams["kind"] == "video")
        & (streams["target_mbps"] > 0)
    ]
    low = video[video["achieved_mbps"] < UNDER_TARGET_RATIO * video["target_mbps"]]
    return [
        UnderTarget(
            f"media-{generator}/{peer}", str(stream), round(float(achieved), 4), float(target)
        )
        for generator, peer, stream, achieved, target in zip(
            low["generator"],
            low["peer"],
            low["stream"],
            low["achieved_mbps"],
            low["target_mbps"],
            strict=True,
        )
    ]


def stream_metrics(
    names: StreamNames, streams: pd.DataFrame, samples: pd.DataFrame, joins: pd.DataFrame
) -> dict[str, Figure]:
    """One media kind's stream figures (`names`: VIDEO or VOICE) over its per-stream table."""
    recv = streams[streams["direction"] == "recv"]
    sent = streams[streams["direction"] == "send"]
    lost, packets = int(recv["packets_lost"].sum()), int(recv["packets"].sum())
    recv_samples = samples[samples["direction"] == "recv"]
    metrics = by_name(
        Figure.of_value(names.recv_streams, len(recv), len(recv)),
        distribution(names.recv_mbps_per_stream, recv["achieved_mbps"].to_numpy()),
        distribution(names.send_mbps_per_stream, sent["achieved_mbps"].to_numpy()),
        Figure.of_value(names.packets_lost, lost, packets + lost),
        Figure.of_value(
            names.loss_ratio, lost / (packets + lost) if packets + lost else 0.0, packets + lost
        ),
        distribution(names.fps_per_stream, recv["frames"].to_numpy()),
        distribution(names.jitter_ms, recv_samples["jitter_ms"].dropna().to_numpy()),
        distribution(names.rtt_ms, samples["rtt_ms"].dropna().to_numpy()),
    )
    if names is VIDEO:
        target = float(recv["target_mbps"].max()) if len(recv) else 0.0
        metrics |= by_name(
            Figure.of_value(VIDEO.streams_under_target, len(under_target(streams)), len(recv)),
            Figure.of_value(VIDEO.target_mbps, target, len(recv)),
        )
    if not joins.empty:
        kind_joins = joins[joins["kind"] == ("video" if names is VIDEO else "audio")]
        first = kind_joins[kind_joins["direction"] == "recv"]["first_frame_ms"].dropna().to_numpy()
        metrics |= by_name(
            distribution(names.join_ms, kind_joins["join_ms"].dropna().to_numpy()),
            distribution(names.first_frame_ms, first),
        )
    return metrics


def _counter_delta(series: pd.DataFrame, column: str) -> tuple[float, float]:
    """(delta of a cumulative column, seconds it spans) over a sample series."""
    if len(series) < 2:
        return 0.0, 0.0
    return float(series[column].iloc[-1] - series[column].iloc[0]), (
        series["t_ns"].iloc[-1] - series["t_ns"].iloc[0]
    ) / 1e9


def resource_metrics(
    names: StreamNames, streams: pd.DataFrame, samples: pd.DataFrame, start_ns: int, stop_ns: int
) -> dict[str, Figure]:
    """Wire, SFU CPU and egress, and generator CPU, per stream and per participant, over the steady window."""
    recv = streams[streams["direction"] == "recv"]
    participants = len(
        streams[["generator", "peer"]].drop_duplicates()
    )  # peer names repeat across workloads
    wire = in_window(source_series(samples, "wire"), start_ns, stop_ns)
    total_bytes, span_s = _counter_delta(
        wire.assign(both=wire["rx_bytes"] + wire["tx_bytes"]), "both"
    )
    egress_bytes, _ = _counter_delta(wire, "rx_bytes")  # host side rx: what left the namespace
    if span_s <= 0 or recv.empty:
        return {}
    wire_mbps = 8 * total_bytes / span_s / 1e6
    payload_mbps = float(streams["achieved_mbps"].sum())
    egress_mbps = 8 * egress_bytes / span_s / 1e6
    n_streams = len(streams)
    metrics = by_name(
        Figure.of_value(names.wire_mbps, wire_mbps, len(wire)),
        Figure.of_value(names.payload_mbps_sum, payload_mbps, n_streams),
        Figure.of_value(
            names.rtp_packets_per_s,
            float((streams["packets"] / streams["interval_s"]).sum()),
            n_streams,
        ),
        Figure.of_value(
            names.wire_overhead_ratio, wire_mbps / payload_mbps if payload_mbps else 0.0, n_streams
        ),
        Figure.of_value(names.wire_mbps_per_stream, wire_mbps / n_streams, n_streams),
        Figure.of_value(names.wire_mbps_per_participant, wire_mbps / participants, participants),
        Figure.of_value(names.sfu_egress_mbps, egress_mbps, len(wire)),
        Figure.of_value(
            names.sfu_egress_gb_per_participant_hour,
            egress_mbps * 1e6 / 8 * 3600 / 1e9 / participants,
            participants,
        ),
    )
    sfu = in_window(source_series(samples, "sfu"), start_ns, stop_ns)
    if len(sfu) >= 2:
        cpu_s, cpu_span_s = _counter_delta(
            sfu.assign(cpu=sfu["cpu_user_s"] + sfu["cpu_system_s"]), "cpu"
        )
        stream_min = len(recv) * cpu_span_s / 60
        metrics |= by_name(
            Figure.of_value(
                names.sfu_cpu_core_s_per_stream_min,
                cpu_s / stream_min if stream_min else 0.0,
                len(sfu),
            )
        )
    metrics.update(_generator_cpu(samples, start_ns, stop_ns, streams))
    return metrics


def _generator_cpu(
    samples: pd.DataFrame, start_ns: int, stop_ns: int, streams: pd.DataFrame
) -> dict[str, Figure]:
    """Media generator CPU per stream-second, send and receive streams counted together."""
    cpu_s, span_s = 0.0, 0.0
    sources = [s for s in samples["source"].unique() if str(s).startswith("media-")]
    for source in sources:
        series = in_window(source_series(samples, source), start_ns, stop_ns)
        delta, span = _counter_delta(
            series.assign(cpu=series["cpu_user_s"] + series["cpu_system_s"]), "cpu"
        )
        cpu_s += delta
        span_s = max(span_s, span)
    stream_s = len(streams) * span_s
    if not stream_s:
        return {}
    return by_name(
        Figure.of_value(GENERATOR.media_cpu_core_s_per_stream_s, cpu_s / stream_s, len(streams))
    )


def media_metrics(
    streams: pd.DataFrame, joins: pd.DataFrame, samples: pd.DataFrame, window: Window, ramp_s: float
) -> tuple[dict[str, Figure], list[UnderTarget]]:
    """Every media figure of a run, and the receive streams under target."""
    if streams.empty:
        return {}, []
    window_samples = steady(streams, window, ramp_s)
    if window_samples.empty:
        window_samples = streams
    table = per_stream(window_samples)
    metrics: dict[str, Figure] = {}
    for kind, names in (("video", VIDEO), ("audio", VOICE)):
        mask = table["kind"] == kind
        if mask.any():
            metrics.update(
                stream_metrics(
                    names, table[mask], window_samples[window_samples["kind"] == kind], joins
                )
            )
    path_names = VIDEO if (table["kind"] == "video").any() else VOICE
    start_ns = int(window_samples["t_s"].min() * 1e9 - window_samples["interval_s"].max() * 1e9)
    stop_ns = int(window_samples["t_s"].max() * 1e9)
    metrics.update(resource_metrics(path_names, table, samples, start_ns, stop_ns))
    return metrics, under_target(table)


def stream_targets(rows: pd.DataFrame, target_by_generator: dict[int, float]) -> pd.DataFrame:
    """Add each sample's target Mbps (video streams; 0 for audio) from its generator's workload."""
    target = rows["generator"].map(target_by_generator).fillna(0.0)
    return rows.assign(target_mbps=np.where(rows["kind"] == "video", target, 0.0))


def relay_metrics(total_bytes: int, span_s: float, participants: int) -> dict[str, Figure]:
    """TURN relay figures from coturn's own byte count (UDP payload, all legs) over the media span."""
    if span_s <= 0 or participants <= 0:
        return {}
    mbps = 8 * total_bytes / span_s / 1e6
    return by_name(
        Figure.of_value(TURN.relay_bytes_total, total_bytes, participants),
        Figure.of_value(TURN.relay_mbps_mean, mbps, participants),
        Figure.of_value(
            TURN.relay_gb_per_participant_hour,
            total_bytes / 1e9 / participants / (span_s / 3600),
            participants,
        ),
    )
