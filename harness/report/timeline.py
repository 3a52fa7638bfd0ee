"""The run over time: one chart of stacked panels and a table of what each line went through."""

from __future__ import annotations

import numpy as np

from harness.report import charts
from harness.report.document import Chart, Row, Table
from harness.report.figure_text import number
from harness.report.marks import marked
from harness.report.run_records import RunRecords
from harness.report.series import Panel, over_time, phases


def series_table(panels: tuple[Panel, ...]) -> Table:
    """Each drawn line's points, min, median, mean and max: the chart's numbers as text."""
    rows = []
    for panel in panels:
        for line in panel.lines:
            values = np.asarray(line.values)
            stats = (values.min(), float(np.median(values)), values.mean(), values.max())
            rows.append(
                Row(
                    (
                        panel.title,
                        line.label,
                        panel.unit,
                        f"{len(values):,}",
                        *(number(float(x), panel.unit) for x in stats),
                    ),
                    key=f"{panel.title}/{line.label}",
                )
            )
    head = ("chart", "line", "unit", "points", "min", "median", "mean", "max")
    return Table(
        "What the lines over time went through", head, tuple(rows), numeric=tuple(range(3, 8))
    )


def timeline_blocks(run: RunRecords, key: str) -> list[Chart | Table]:
    panels = over_time(run.data, run.window)
    if not panels:
        return []
    title = f"Over time\n{marked(run.summary)}"
    svg = charts.time_chart(panels, phases(run.window, run.ramp_s), title, key)
    caption = (
        "Rates from cumulative counters differenced per sampling interval (about 1 s); "
        "dotted lines: ramp end, sends stop, end."
    )
    return [Chart(svg, caption), series_table(panels)]
