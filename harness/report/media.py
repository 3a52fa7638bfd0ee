"""Media: each receive stream against its target (under-target streams named), then loss,
jitter, join and first-frame times from the summary, with their CDFs from the records."""

from __future__ import annotations

from harness.kernel.metric_names import VIDEO, VOICE, StreamNames
from harness.report import charts
from harness.report.document import Chart, Row, Table, Text
from harness.report.figure_tables import figure_tables
from harness.report.figure_text import amount, number
from harness.report.marks import marked
from harness.report.run_records import RunRecords
from harness.report.series import StreamRow, jitter_samples, media_timing_samples, receive_streams


def quality_names(names: StreamNames) -> tuple[str, ...]:
    return (
        names.recv_streams,
        names.recv_mbps_per_stream,
        names.packets_lost,
        names.loss_ratio,
        names.jitter_ms,
        names.rtt_ms,
        names.join_ms,
        names.first_frame_ms,
        names.fps_per_stream,
    )


def stream_table(rows: tuple[StreamRow, ...]) -> Table:
    cells = []
    for r in rows:
        share = number(100 * r.achieved_mbps / r.target_mbps, "pct") if r.target_mbps else "—"
        cells.append(
            Row(
                (
                    r.receiver,
                    r.stream,
                    r.kind,
                    number(r.achieved_mbps, "Mbps"),
                    number(r.target_mbps, "Mbps") if r.target_mbps else "—",
                    share,
                    number(r.fps, "fps"),
                    f"{r.packets:,}",
                    f"{r.packets_lost:,}",
                    "UNDER TARGET" if r.under_target else "",
                ),
                key=f"{r.receiver} ← {r.stream}",
                flagged=r.under_target,
            )
        )
    head = (
        "receiver",
        "stream",
        "kind",
        "Mbps",
        "target Mbps",
        "% of target",
        "fps",
        "packets",
        "lost",
        "",
    )
    return Table(
        "Receive streams over the steady window", head, tuple(cells), numeric=tuple(range(3, 9))
    )


def under_target_text(run: RunRecords) -> Text:
    low = run.summary.media_under_target
    if not low:
        return Text("No receive video stream was under 90 % of its target.", in_summary=True)
    named = "; ".join(
        f"{u.peer} ← {u.stream}: {amount(u.achieved_mbps, 'Mbps')} of {amount(u.target_mbps, 'Mbps')}"
        for u in low
    )
    return Text(f"Under 90 % of target: {named}.", in_summary=True, warning=True)


def media_blocks(run: RunRecords, key: str) -> list[Chart | Table | Text]:
    targets = {int(g): t for g, t in run.manifest.media_targets_mbps.items()}
    rows = receive_streams(run.data.media_streams, run.window, run.ramp_s, targets)
    if not rows:
        return []
    label = marked(run.summary)
    blocks: list[Chart | Table | Text] = [under_target_text(run)]
    blocks.append(
        Chart(
            charts.stream_chart(rows, f"Received bitrate per stream\n{label}", f"{key}-streams"),
            "Achieved payload bitrate per receive stream; red bars are under 90 % of target.",
        )
    )
    blocks.append(stream_table(rows))
    names = [n for family in (VIDEO, VOICE) for n in quality_names(family)]
    blocks += figure_tables(run.summary, names)
    timing = media_timing_samples(run.data.media_joins)
    if timing:
        svg = charts.cdf_chart(timing, f"Join and first frame\n{label}", "ms", f"{key}-timing")
        blocks.append(Chart(svg, "Signalling start → connected, and → first complete frame."))
    jitter = jitter_samples(run.data.media_streams)
    if jitter:
        svg = charts.cdf_chart(jitter, f"Jitter\n{label}", "ms", f"{key}-jitter")
        blocks.append(Chart(svg, "Interarrival jitter per receive stream per second."))
    return blocks
