"""Text a person reads while and after a run: live progress lines and the closing summary table. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Progress:
    elapsed_s: float
    phase: str
    users: int
    users_target: int
    sent_per_s: float
    received_per_s: float
    latency_ms_p50: float
    latency_ms_p95: float
    backend_cpu_pct: float
    generator_cpu_pct: float
    wire_mbps: float
    media_streams: int | None = None
    """Receiving media streams (None: the run has no media)."""
    media_recv_mbps: float = 0.0


def progress_line(p: Progress) -> str:
    line = f"[{p.elapsed_s:5.0f} s {p.phase:<5}]"
    if p.users_target:
        line += (
            f" users {p.users:>5}/{p.users_target:<5} "
            f"msg/s sent {p.sent_per_s:7.0f} recv {p.received_per_s:7.0f}  "
            f"latency p50 {p.latency_ms_p50:6.2f} p95 {p.latency_ms_p95:6.2f} ms "
        )
    line += (
        f" backend CPU {p.backend_cpu_pct:5.1f}%  generator CPU {p.generator_cpu_pct:5.1f}%  "
        f"wire {p.wire_mbps:6.2f} Mbps"
    )
    if p.media_streams is not None:
        line += f"  media {p.media_streams} streams {p.media_recv_mbps:.2f} Mbps recv"
    return line


SUMMARY_ROWS = (
    ("messaging.messages_sent", "messages sent"),
    ("messaging.messages_delivered", "messages delivered"),
    ("messaging.delivery_ratio", "delivery ratio"),
    ("messaging.lost", "lost"),
    ("messaging.duplicates", "duplicates"),
    ("messaging.reordered", "reordered"),
    ("messaging.peak_concurrent_users", "peak concurrent users"),
    ("messaging.e2e_latency_ms", "e2e latency"),
    ("chat.e2e_latency_ms", "  chat latency"),
    ("group.e2e_latency_ms", "  group latency"),
    ("group.fanout_completion_ms", "group fan-out completion"),
    ("backend.cpu_core_s_per_1k_delivered_msgs", "backend CPU per 1k delivered"),
    ("backend.rss_bytes_per_user", "backend RSS per user"),
    ("backend.rss_bytes_peak", "backend RSS peak"),
    ("backend.storage_bytes_per_stored_msg", "storage per stored message"),
    ("wire.bytes_per_delivered_msg", "wire per delivered message"),
    ("wire.bytes_per_sent_msg", "wire per sent message"),
    ("wire.mbps_mean", "wire mean rate"),
    ("messaging.payload_bytes_mean", "mean payload"),
    ("generator.cpu_core_s_per_1k_msgs", "generator CPU per 1k msgs"),
    ("generator.cpu_pct_max", "generator CPU peak (5 s)"),
    ("video.recv_streams", "video streams received"),
    ("video.target_mbps", "video target per stream"),
    ("video.recv_mbps_per_stream", "video received per stream"),
    ("video.streams_under_target", "video streams under 90% of target"),
    ("video.loss_ratio", "video loss ratio"),
    ("video.fps_per_stream", "video frames per second"),
    ("video.jitter_ms", "video jitter"),
    ("video.first_frame_ms", "video time to first frame"),
    ("video.wire_mbps_per_stream", "wire per video stream"),
    ("video.wire_overhead_ratio", "wire ÷ stream payload"),
    ("video.sfu_cpu_core_s_per_stream_min", "SFU CPU per stream-minute"),
    ("video.sfu_egress_gb_per_participant_hour", "SFU egress per participant-hour"),
    ("voice.recv_streams", "voice streams received"),
    ("voice.recv_mbps_per_stream", "voice received per stream"),
    ("voice.loss_ratio", "voice loss ratio"),
    ("voice.wire_mbps_per_stream", "wire per voice stream"),
    ("voice.sfu_cpu_core_s_per_stream_min", "SFU CPU per voice stream-minute"),
    ("turn.relay_mbps_mean", "TURN relay mean rate"),
    ("turn.relay_gb_per_participant_hour", "TURN relay per participant-hour"),
    ("generator.media_cpu_core_s_per_stream_s", "media generator CPU per stream-s"),
    ("generator.media_cpu_pct_max", "media generator CPU peak (5 s)"),
)


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) >= 1:
        return f"{int(x):,}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def format_metric(metric: dict[str, Any]) -> str:
    unit = metric.get("unit", "")
    if "value" in metric:
        text = f"{_fmt(metric['value'])} {unit}"
        if "p25" in metric:
            text += f"  (IQR {_fmt(metric['p25'])}–{_fmt(metric['p75'])})"
        return text + f"  n={metric['n']:,}"
    if metric.get("n", 0) == 0:
        return "no samples"
    return (
        f"p50 {_fmt(metric['p50'])}  p95 {_fmt(metric['p95'])}  p99 {_fmt(metric['p99'])}  "
        f"max {_fmt(metric['max'])} {unit}  n={metric['n']:,}"
    )


def summary_table(summary: dict[str, Any]) -> str:
    metrics = summary.get("metrics", {})
    lines = [
        f"run      {summary['run_id']}",
        f"status   {summary['status']}" + ("  (partial)" if summary.get("partial") else ""),
    ]
    lines += [f"reason   {r}" for r in summary.get("reasons", [])]
    lines.append(
        f"network  {summary.get('net_method', '?')}   load window {summary.get('load_window_s', 0):g} s"
    )
    width = max(len(label) for _, label in SUMMARY_ROWS)
    for name, label in SUMMARY_ROWS:
        if name in metrics:
            lines.append(f"  {label:<{width}}  {format_metric(metrics[name])}")
    for low in summary.get("media_under_target", []):
        lines.append(
            f"  UNDER TARGET  {low['peer']} ← {low['stream']}: {low['achieved_mbps']:.3f} of "
            f"{low['target_mbps']:g} Mbps"
        )
    return "\n".join(lines)
