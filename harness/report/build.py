"""The report of one or more runs, assembled from their records into a document. Pure.

Per run: its facts and provenance, its headline figures, the run over time, latency per
workload, media streams and quality, cost per concurrent user per vendor with every line item,
and every figure of its summary.json. With several runs, a side-by-side comparison first.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.report.comparison import comparison_sections
from harness.report.costs import RunCosts, cost_blocks
from harness.report.document import Block, Report, Section
from harness.report.facts import facts_blocks
from harness.report.figure_tables import figure_tables, headline_blocks
from harness.report.latency import latency_blocks
from harness.report.marks import marked, run_marks
from harness.report.media import media_blocks
from harness.report.run_records import RunRecords
from harness.report.timeline import timeline_blocks


def run_sections(run: RunRecords, costs: RunCosts | None, index: int) -> list[Section]:
    key = f"r{index}"
    label = marked(run.summary)
    marks = run_marks(run.summary)
    parts: list[tuple[str, str, Sequence[Block]]] = [
        ("facts", "Run facts", [*facts_blocks(run), *headline_blocks(run.summary)]),
        ("time", "Over time", timeline_blocks(run, f"{key}-time")),
        ("latency", "Latency per workload", latency_blocks(run, f"{key}-latency")),
        (
            "media",
            "Media streams: bitrate, loss, jitter, join and first frame",
            media_blocks(run, f"{key}-media"),
        ),
        (
            "cost",
            "Cost per concurrent user per vendor",
            cost_blocks(costs, label, key) if costs is not None else [],
        ),
        ("figures", "Every figure of summary.json", figure_tables(run.summary)),
    ]
    sections = [Section(f"{key}", f"Run {label}", (), marks)]
    sections += [
        Section(f"{key}-{sid}", f"{title} — {label}", tuple(blocks), marks, level=3)
        for sid, title, blocks in parts
        if blocks
    ]
    return sections


def build_report(
    runs: Sequence[RunRecords], costs: Sequence[RunCosts | None], colophon: str = ""
) -> Report:
    if len(runs) == 1:
        title = f"imbench report — {marked(runs[0].summary)}"
    else:
        title = f"imbench report — {len(runs)} runs compared"
    sections: list[Section] = []
    if len(runs) > 1:
        sections += comparison_sections(runs, costs)
    for i, (run, cost) in enumerate(zip(runs, costs, strict=True)):
        sections += run_sections(run, cost, i)
    marks = tuple((r.run_id, run_marks(r.summary)) for r in runs)
    return Report(title, marks, tuple(sections), colophon)
