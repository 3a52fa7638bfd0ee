"""Tables of a run's `summary.json` figures, labelled, united and directed by the registry. Pure.

`figure_tables` shows every figure the run has — values and distributions apart, each row keyed
by its metric name, each statistic in its own cell as harness.report.figure_text writes it — so
that every figure of `summary.json` is text on the page. `headline_blocks` is the terminal
summary's rows (the registry's `SUMMARY_ROWS`), one line per figure.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.kernel.figures import Figure
from harness.kernel.metrics import (
    DISTRIBUTION_STATS,
    SPECS,
    SUMMARY_ROWS,
    Better,
    MetricSpec,
    Shape,
)
from harness.kernel.summary import Summary
from harness.report.document import Row, Table, Text
from harness.report.figure_text import DASH, not_available, one_line, show

BETTER_WORDS = {Better.LOWER: "lower ↓", Better.HIGHER: "higher ↑", Better.NEITHER: "neither"}


def label_of(spec: MetricSpec) -> str:
    """The registry's summary label, or the figure part of its name in words."""
    if spec.label:
        return spec.label.strip()
    return spec.name.split(".", 1)[1].replace("_", " ")


def _in_registry_order(summary: Summary, names: Iterable[str] | None = None) -> list[Figure]:
    wanted = None if names is None else set(names)
    return [
        summary.metrics[s.name]
        for s in SPECS
        if s.name in summary.metrics and (wanted is None or s.name in wanted)
    ]


def value_table(summary: Summary, caption: str, names: Iterable[str] | None = None) -> Table | None:
    figures = [f for f in _in_registry_order(summary, names) if f.spec.shape is Shape.VALUE]
    if not figures:
        return None
    rows = []
    for figure in figures:
        shown = show(figure)
        spread = f"{shown.stats['p25']}–{shown.stats['p75']}" if figure.spread is not None else DASH
        rows.append(
            Row(
                (
                    figure.name,
                    label_of(figure.spec),
                    shown.with_unit("value"),
                    spread,
                    shown.n,
                    BETTER_WORDS[figure.spec.better],
                ),
                key=figure.name,
            )
        )
    head = ("metric", "what", "value", "p25–p75", "n", "better")
    return Table(caption, head, tuple(rows), numeric=(2, 3, 4))


def distribution_table(
    summary: Summary, caption: str, names: Iterable[str] | None = None
) -> Table | None:
    figures = [f for f in _in_registry_order(summary, names) if f.spec.shape is Shape.DISTRIBUTION]
    if not figures:
        return None
    rows = []
    for figure in figures:
        shown = show(figure)
        stats = tuple(shown.stats[s] for s in DISTRIBUTION_STATS)
        rows.append(
            Row(
                (
                    figure.name,
                    label_of(figure.spec),
                    shown.unit or "ratio",
                    *stats,
                    shown.n,
                    BETTER_WORDS[figure.spec.better],
                ),
                key=figure.name,
            )
        )
    head = ("metric", "what", "unit", *DISTRIBUTION_STATS, "n", "better")
    return Table(caption, head, tuple(rows), numeric=tuple(range(3, 10)))


def figure_tables(summary: Summary, names: Iterable[str] | None = None) -> list[Table]:
    """Every figure the run has (or those of `names`): values, then distributions, then (for
    the whole run) the figures its backend cannot produce, n/a with the reason."""
    chosen = None if names is None else list(names)
    tables = [
        value_table(summary, "Values (p25–p75: the spread over sampling intervals)", chosen),
        distribution_table(summary, "Distributions", chosen),
        unavailable_table(summary) if chosen is None else None,
    ]
    return [t for t in tables if t is not None]


def _headline(summary: Summary, name: str) -> str:
    figure = summary.metrics.get(name)
    return one_line(figure) if figure is not None else not_available(summary.unavailable[name])


def unavailable_table(summary: Summary) -> Table | None:
    """The registered figures the run's backend cannot produce, each with the reason."""
    if not summary.unavailable:
        return None
    rows = tuple(
        Row((s.name, label_of(s), not_available(summary.unavailable[s.name])), key=s.name)
        for s in SPECS
        if s.name in summary.unavailable
    )
    return Table("Not available from this backend", ("metric", "what", "value"), rows)


def headline_blocks(summary: Summary) -> list[Table | Text]:
    """The terminal summary's rows, in its order and with its labels; or that there are none."""
    rows = tuple(
        Row((label.strip(), _headline(summary, name)), key=name)
        for name, label in SUMMARY_ROWS
        if name in summary.metrics or name in summary.unavailable
    )
    if not rows:
        return [Text("The run produced no figure (summary.json has no metrics).", True, True)]
    return [Table("Headline figures", ("figure", "measured"), rows, in_summary=True)]
