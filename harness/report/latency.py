"""Latency per workload: the summary's percentiles and the CDF of every delivery."""

from __future__ import annotations

from harness.kernel.metric_names import CHAT, GROUP, MESSAGING
from harness.report import charts
from harness.report.document import Chart, Table
from harness.report.figure_tables import distribution_table
from harness.report.marks import marked
from harness.report.run_records import RunRecords
from harness.report.series import latency_samples

LATENCY_FIGURES = (
    MESSAGING.e2e_latency_ms,
    CHAT.e2e_latency_ms,
    GROUP.e2e_latency_ms,
    GROUP.fanout_completion_ms,
)


def latency_blocks(run: RunRecords, key: str) -> list[Chart | Table]:
    table = distribution_table(
        run.summary, "Latency percentiles per workload (summary.json)", LATENCY_FIGURES
    )
    if table is None:
        return []
    blocks: list[Chart | Table] = [table]
    samples = latency_samples(run.data)
    if samples:
        title = f"Latency CDF\n{marked(run.summary)}"
        svg = charts.cdf_chart(samples, title, "ms", key)
        caption = "Send → receive of every delivery per workload, and group fan-out completion."
        blocks.append(Chart(svg, caption))
    return blocks
