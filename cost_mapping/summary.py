"""The run's `summary.json` as cost mapping needs it: an exact-decimal view of the kernel's document.

Reading and checking the file is the kernel's (`harness.kernel.summary`: one reader for every
command, a malformed file is a `BadInput` naming file and field). Pricing uses run id, status,
whether partial, and the metrics' value, unit and sample count, with values as `Decimal`: the
harness writes each figure as the shortest text that reads back as its float, so `Decimal(repr(x))`
is exactly the number in the file. A value that is not finite (NaN) is no figure at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from harness.kernel import summary as document
from harness.kernel.figures import Figure

SCHEMA = document.SCHEMA


@dataclass(frozen=True)
class Metric:
    """One summary figure: `value` for values (None for distributions), its unit and count."""

    name: str
    unit: str
    value: Decimal | None
    n: int


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str
    partial: bool
    scenario: str
    backend: str
    metrics: Mapping[str, Metric]

    def value(self, name: str) -> Decimal | None:
        metric = self.metrics.get(name)
        return None if metric is None else metric.value

    def covers(self, area: str) -> bool:
        """True when the run has any figure of `area` (`messaging`, `video`, ...)."""
        return any(name.startswith(f"{area}.") for name in self.metrics)


def read_summary(run_dir: Path) -> RunSummary:
    """Read `run_dir/summary.json`; a missing or malformed file is a `BadInput`."""
    return exact(document.read_summary(run_dir))


def parse_summary(data: object, source: str) -> RunSummary:
    """A `summary.json` document already read as JSON (numbers may be Decimal)."""
    return exact(document.parse_summary(data, source))


def exact(summary: document.Summary) -> RunSummary:
    return RunSummary(
        run_id=summary.run_id,
        status=summary.status.value,
        partial=summary.partial,
        scenario=summary.scenario,
        backend=summary.backend,
        metrics={name: _metric(figure) for name, figure in summary.metrics.items()},
    )


def _metric(figure: Figure) -> Metric:
    return Metric(figure.name, figure.unit, _decimal(figure.value), figure.n)


def _decimal(value: float | None) -> Decimal | None:
    if value is None or not math.isfinite(value):
        return None
    if value.is_integer():
        return Decimal(int(value))
    return Decimal(repr(value))
