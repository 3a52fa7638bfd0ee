"""Text a person reads while and after a run: the start line, live progress lines and the closing
summary table. Pure. Numbers, units and counts are formatted by harness.report.figure_text, as in
the report."""

from __future__ import annotations

from dataclasses import dataclass

from harness.kernel.figures import Figure
from harness.kernel.metrics import SUMMARY_ROWS
from harness.kernel.summary import Summary
from harness.report.figure_text import DASH, not_available, one_line
from harness.report.marks import APPROXIMATE_MEANING, approximate


@dataclass(frozen=True)
class Progress:
    elapsed_s: float
    phase: str
    users: int
    """Messaging users connected and ready now."""
    users_target: int
    """Messaging users the scenario has (the start line's count)."""
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
    media_participants: int = 0
    """Media participants the scenario has (the start line's count)."""


def start_line(
    messaging_users: int, media_participants: int, ramp_s: float, duration_s: float, processes: int
) -> str:
    """What the run is about to do, counting users as the progress lines do."""
    who = [
        f"{messaging_users} messaging users" if messaging_users else "",
        f"{media_participants} media participants" if media_participants else "",
    ]
    return (
        f"imbench: {' and '.join(w for w in who if w) or 'no users'} over {ramp_s:g} s, "
        f"then {duration_s:g} s steady, {processes} generator process(es)"
    )


def progress_line(p: Progress) -> str:
    line = f"[{p.elapsed_s:5.0f} s {p.phase:<5}]"
    if p.users_target:
        if p.received_per_s > 0:
            latency = f"p50 {p.latency_ms_p50:6.2f} p95 {p.latency_ms_p95:6.2f}"
        else:  # nothing delivered in the last interval: no latency to show
            latency = f"p50 {DASH:>6} p95 {DASH:>6}"
        line += (
            f" users {p.users:>5}/{p.users_target:<5} "
            f"msg/s sent {p.sent_per_s:7.0f} recv {p.received_per_s:7.0f}  "
            f"latency {latency} ms "
        )
    line += (
        f" backend CPU {p.backend_cpu_pct:5.1f}%  generator CPU {p.generator_cpu_pct:5.1f}%  "
        f"wire {p.wire_mbps:6.2f} Mbps"
    )
    if p.media_streams is not None:
        if p.media_participants:
            line += f"  media {p.media_participants} participants,"
        else:
            line += "  media"
        line += f" {p.media_streams} streams {p.media_recv_mbps:.2f} Mbps recv"
    return line


def format_metric(figure: Figure) -> str:
    """One summary row's figure (harness.report.figure_text.one_line)."""
    return one_line(figure)


def summary_table(summary: Summary) -> str:
    """The closing table: the run, its status and reasons, then the registry's summary rows the
    run produced, in the registry's order and with its labels (n/a with the reason for a row
    the backend cannot produce)."""
    lines = [
        f"run      {summary.run_id}",
        f"status   {summary.status}" + ("  (partial)" if summary.partial else ""),
    ]
    lines += [f"reason   {r}" for r in summary.reasons]
    lines += [f"note     {n}" for n in summary.notes]
    network = f"network  {summary.net_method}"
    if approximate(summary):
        network += f" (approximate: {APPROXIMATE_MEANING})"
    lines.append(f"{network}   load window {summary.load_window_s:g} s")
    width = max(len(label) for _, label in SUMMARY_ROWS)
    for name, label in SUMMARY_ROWS:
        figure = summary.metrics.get(name)
        if figure is not None:
            lines.append(f"  {label:<{width}}  {format_metric(figure)}")
        elif name in summary.unavailable:
            lines.append(f"  {label:<{width}}  {not_available(summary.unavailable[name])}")
    for low in summary.media_under_target:
        lines.append(
            f"  UNDER TARGET  {low.peer} ← {low.stream}: {low.achieved_mbps:.3f} of "
            f"{low.target_mbps:g} Mbps"
        )
    return "\n".join(lines)
