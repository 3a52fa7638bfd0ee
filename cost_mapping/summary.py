"""The run's `summary.json` as cost mapping needs it (contract: docs/results.md).

Only what pricing uses is read: run id, status, whether partial, and the metrics (value, unit,
sample count). Numbers are read as exact decimals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness.kernel.config import as_decimal
from harness.kernel.errors import BadInput

SCHEMA = "imbench.summary/1"


@dataclass(frozen=True)
class Metric:
    """One summary figure: `value` for scalars (None for distributions), its unit and count."""

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
    path = run_dir / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        raise BadInput(
            str(path),
            "",
            str(run_dir),
            "a run folder holding summary.json (a finished or partial run)",
        ) from None
    except json.JSONDecodeError as exc:
        raise BadInput(
            str(path), "", str(exc), "valid JSON as described in docs/results.md"
        ) from None
    return parse_summary(data, str(path))


def parse_summary(data: Any, source: str) -> RunSummary:
    if not isinstance(data, Mapping):
        raise BadInput(source, "", type(data).__name__, "a JSON object")
    if data.get("schema") != SCHEMA:
        raise BadInput(source, "schema", data.get("schema"), f"{SCHEMA!r}")
    raw = data.get("metrics")
    if not isinstance(raw, Mapping):
        raise BadInput(source, "metrics", raw, "an object of metric name -> {value, unit, n, ...}")
    run_id = data.get("run_id")
    if not isinstance(run_id, str) or not run_id:
        raise BadInput(source, "run_id", run_id, "the run's id (a non-empty string)")
    metrics = {name: _metric(source, name, m) for name, m in raw.items() if name != "..."}
    return RunSummary(
        run_id=run_id,
        status=str(data.get("status", "")),
        partial=bool(data.get("partial", False)),
        scenario=str(data.get("scenario", "")),
        backend=str(data.get("backend", "")),
        metrics=metrics,
    )


def _metric(source: str, name: str, raw: Any) -> Metric:
    if not isinstance(raw, Mapping):
        raise BadInput(
            source, f"metrics.{name}", raw, "an object with unit, n and value (or percentiles)"
        )
    value = None
    raw_value = raw.get("value")
    if isinstance(raw_value, float) and not math.isfinite(raw_value):
        raw_value = None  # NaN or infinity: no figure; lines that need it say so
    if raw_value is not None:
        value = as_decimal(raw_value)
        if value is None:
            raise BadInput(source, f"metrics.{name}.value", raw_value, "a number")
    n = raw.get("n", 0)
    return Metric(name, str(raw.get("unit", "")), value, n if isinstance(n, int) else 0)
