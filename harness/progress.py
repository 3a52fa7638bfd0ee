"""Text a person reads while and after a run: live progress lines and the closing summary table. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from harness.kernel.figures import Figure
from harness.kernel.metrics import SUMMARY_ROWS
from harness.kernel.summary import Summary


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


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) >= 1:
        return f"{int(x):,}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def format_metric(figure: Figure) -> str:
    if figure.value is not None:
        text = f"{_fmt(figure.value)} {figure.unit}"
        if figure.spread is not None:
            text += f"  (IQR {_fmt(figure.spread.p25)}–{_fmt(figure.spread.p75)})"
        return text + f"  n={figure.n:,}"
    if figure.stats is None:
        return "no samples"
    stats = figure.stats
    return (
        f"p50 {_fmt(stats.p50)}  p95 {_fmt(stats.p95)}  p99 {_fmt(stats.p99)}  "
        f"max {_fmt(stats.max)} {figure.unit}  n={figure.n:,}"
    )


def summary_table(summary: Summary) -> str:
    """The closing table: the run, its status and reasons, then the registry's summary rows the
    run produced, in the registry's order and with its labels."""
    lines = [
        f"run      {summary.run_id}",
        f"status   {summary.status}" + ("  (partial)" if summary.partial else ""),
    ]
    lines += [f"reason   {r}" for r in summary.reasons]
    lines.append(f"network  {summary.net_method}   load window {summary.load_window_s:g} s")
    width = max(len(label) for _, label in SUMMARY_ROWS)
    for name, label in SUMMARY_ROWS:
        figure = summary.metrics.get(name)
        if figure is not None:
            lines.append(f"  {label:<{width}}  {format_metric(figure)}")
    for low in summary.media_under_target:
        lines.append(
            f"  UNDER TARGET  {low.peer} ← {low.stream}: {low.achieved_mbps:.3f} of "
            f"{low.target_mbps:g} Mbps"
        )
    return "\n".join(lines)
