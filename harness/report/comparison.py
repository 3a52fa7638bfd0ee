"""Several runs side by side: the same figures in one table, each run's column headed by its id
and marks, each later run's change against the first with the registry's direction. Pure.

The figures compared are chosen in one place, `comparison_figures`, from the runs' summaries;
the table takes any list of runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.kernel.metrics import SPECS, VALUE_STAT, Better, Shape
from harness.kernel.summary import Summary
from harness.report.document import Row, Table
from harness.report.figure_tables import BETTER_WORDS, label_of
from harness.report.figure_text import DASH, amount, has_data
from harness.report.marks import marked

COMPARED_PERCENTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class Compared:
    """One compared figure: a metric and one of its statistics."""

    name: str
    stat: str

    @property
    def ref(self) -> str:
        return self.name if self.stat == VALUE_STAT else f"{self.name}.{self.stat}"


def comparison_figures(summaries: Sequence[Summary]) -> list[Compared]:
    """What the comparison shows: every registered metric any of the runs has, in the
    registry's order — a value as itself, a distribution by its p50, p95 and p99."""
    present = {name for s in summaries for name in s.metrics}
    out = []
    for spec in SPECS:
        if spec.name not in present:
            continue
        stats = COMPARED_PERCENTILES if spec.shape is Shape.DISTRIBUTION else (VALUE_STAT,)
        out += [Compared(spec.name, stat) for stat in stats]
    return out


def observed(summary: Summary, item: Compared) -> float | None:
    figure = summary.metrics.get(item.name)
    if figure is None or not has_data(figure):
        return None
    return figure.statistic(item.stat)


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


def comparison_table(summaries: Sequence[Summary]) -> Table:
    """Figures × runs; the first run is the base every change is against."""
    rows = []
    base = summaries[0]
    for item in comparison_figures(summaries):
        spec = next(s for s in SPECS if s.name == item.name)
        first = observed(base, item)
        cells = [item.ref, label_of(spec), BETTER_WORDS[spec.better], amount(first, spec.unit)]
        flagged = False
        for other in summaries[1:]:
            value = observed(other, item)
            delta, worse = change(first, value, spec.better)
            text = amount(value, spec.unit)
            cells.append(f"{text} ({delta})" if delta and text != DASH else text)
            flagged = flagged or worse
        rows.append(Row(tuple(cells), key=item.ref, flagged=flagged))
    head = ("figure", "what", "better", *(marked(s) for s in summaries))
    caption = (
        f"{len(summaries)} runs side by side; changes are against the first, "
        "flagged where they go the worse way"
    )
    return Table(caption, head, tuple(rows), in_summary=True, numeric=tuple(range(3, len(head))))
