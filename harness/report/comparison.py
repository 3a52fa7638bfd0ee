"""Several runs side by side in the report: the comparison `imbench compare` prints
(harness.compare — one model, so the page and the terminal say the same), then every figure any
run has. Each run's column is headed by its id and marks, and a legend says why each mark is
there; each later run's cell carries its change against the first, flagged where the registry
calls it worse. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from harness.compare import ComparedRun, Comparison, build_comparison, every_figure
from harness.kernel.metrics import Better
from harness.report.costs import RunCosts
from harness.report.document import Block, Row, Section, Table, Text
from harness.report.figure_tables import BETTER_WORDS
from harness.report.figure_text import DASH
from harness.report.run_records import RunRecords

FACT_ROWS = (
    ("backend", "backend and version", "backend_text"),
    ("status", "status", "status_text"),
    ("scenario", "scenario and its sha256", "scenario_text"),
    ("host", "host", "host"),
)


def change(base: float | None, other: float | None, better: Better) -> tuple[str, bool]:
    """`+12.3 %` (`-0.004 %` when small) of `other` against `base`, and whether it goes the
    worse way by the registry's direction (any change: the report shows, claims judge noise)."""
    if base is None or other is None:
        return "", False
    if base == 0:
        return ("±0 %" if other == 0 else "new"), False
    pct = 100 * (other - base) / abs(base)
    if pct == 0:
        return "±0 %", False
    worse = (better is Better.LOWER and pct > 0) or (better is Better.HIGHER and pct < 0)
    text = f"{pct:+.1f}" if abs(pct) >= 0.1 else f"{pct:+.2g}"  # a tiny change still shows
    return f"{text} %", worse


def comparison_table(comparison: Comparison, caption: str, facts: bool = True) -> Table:
    """Figures × runs (the columns' facts first when `facts`); the first run is the base every
    change is against."""
    columns = comparison.columns
    rows = []
    if facts:
        rows += [
            Row((key, what, "", *(str(getattr(c, attr)) for c in columns)), key=key)
            for key, what, attr in FACT_ROWS
        ]
    for row in comparison.rows:
        first = row.cells[0]
        cells = [row.key, row.label, BETTER_WORDS[row.better], first.text]
        flagged = False
        for cell in row.cells[1:]:
            delta, worse = change(first.value, cell.value, row.better)
            cells.append(f"{cell.text} ({delta})" if delta and cell.text != DASH else cell.text)
            flagged = flagged or worse
        rows.append(Row(tuple(cells), key=row.key, flagged=flagged))
    head = ("figure", "what", "better", *(c.heading(c.run_id) for c in columns))
    return Table(caption, head, tuple(rows), in_summary=True, numeric=tuple(range(3, len(head))))


def comparison_sections(
    runs: Sequence[RunRecords], costs: Sequence[RunCosts | None]
) -> list[Section]:
    """`compare`: the comparison `imbench compare` prints, its legend and the costs' profile;
    `compare-every`: every figure any of the runs has."""
    compared = [
        ComparedRun(str(r.path), r.summary, r.manifest, c) for r, c in zip(runs, costs, strict=True)
    ]
    headline = build_comparison(compared)
    n = len(compared)
    blocks: list[Block] = [
        comparison_table(
            headline,
            f"{n} runs side by side, as `imbench compare` prints them; changes are against the "
            "first, flagged where they go the worse way",
        )
    ]
    blocks += [Text(line, in_summary=True, warning=True) for line in headline.legend()]
    note = headline.profile_note
    if note:
        blocks.append(Text(note[:1].upper() + note[1:] + ".", in_summary=True))
    every = build_comparison(compared, every_figure([r.summary for r in runs]), costs=False)
    caption = f"Every figure of the {n} runs, against the first"
    return [
        Section("compare", "Runs side by side", tuple(blocks)),
        Section(
            "compare-every",
            "Every figure side by side",
            (comparison_table(every, caption, facts=False),),
        ),
    ]
