"""The run's `summary.json` as cost mapping needs it: an exact-decimal view of the kernel's document.

Reading and checking the file is the kernel's (`harness.kernel.summary`: one reader for every
command, a malformed file is a `BadInput` naming file and field). Pricing uses run id, status,
whether partial, and the metrics' value, unit and sample count, with values as `Decimal`: the
harness writes each figure as the shortest text that reads back as its float, so `Decimal(repr(x))`
is exactly the number in the file. A value that is not finite (NaN) is no figure at all.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness.kernel import summary as document
from harness.kernel.figures import Figure

SCHEMA = document.SCHEMA


RESOLUTION_PX = {"480p": (640, 480), "720p": (1280, 720)}
"""The scenario's resolution names in pixels (as `workloads.media.clips.RESOLUTIONS_PX`; a test
pins the two together, since cost_mapping may not import workloads)."""


@dataclass(frozen=True)
class Metric:
    """One summary figure: `value` for values (None for distributions), its unit and count."""

    name: str
    unit: str
    value: Decimal | None
    n: int
    mean: Decimal | None = None
    """A distribution's mean (None for values and for distributions without samples)."""


@dataclass(frozen=True)
class Resolution:
    """The video resolution the run's streams were sent at, and where that was read."""

    width_px: int
    height_px: int
    source: str


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str
    partial: bool
    scenario: str
    backend: str
    metrics: Mapping[str, Metric]
    resolution: Resolution | None = None
    """The video resolution of the run's calls (from its manifest); None when not known."""

    def value(self, name: str) -> Decimal | None:
        metric = self.metrics.get(name)
        return None if metric is None else metric.value

    def mean(self, name: str) -> Decimal | None:
        """A distribution's mean; None when the run lacks it."""
        metric = self.metrics.get(name)
        return None if metric is None else metric.mean

    def with_value(self, name: str, value: Decimal) -> RunSummary:
        """This run with one figure changed (a what-if, for the sensitivity table)."""
        metric = self.metrics[name]
        changed = (
            replace(metric, value=value)
            if metric.value is not None
            else replace(metric, mean=value)
        )
        return replace(self, metrics={**self.metrics, name: changed})

    def covers(self, area: str) -> bool:
        """True when the run has any figure of `area` (`messaging`, `video`, ...)."""
        return any(name.startswith(f"{area}.") for name in self.metrics)


def read_summary(run_dir: Path) -> RunSummary:
    """Read `run_dir/summary.json` (a missing or malformed file is a `BadInput`), and the video
    resolution its calls were sent at from `run_dir/manifest.json` when that file names one."""
    summary = exact(document.read_summary(run_dir))
    return replace(summary, resolution=manifest_resolution(run_dir / "manifest.json"))


def manifest_resolution(path: Path) -> Resolution | None:
    """The largest resolution of the video workloads in the manifest's resolved scenario.

    The manifest is the harness's record of what ran; a missing or unreadable one, or one with
    no video call workload, only means the resolution is not known (the profile's is used and
    the bill says so)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    scenario = data.get("scenario") if isinstance(data, dict) else None
    media = scenario.get("media") if isinstance(scenario, dict) else None
    found = [px for w in media if (px := _video_px(w))] if isinstance(media, list) else []
    if not found:
        return None
    names = sorted({name for name, _ in found}, key=lambda n: RESOLUTION_PX[n][0])
    width, height = RESOLUTION_PX[names[-1]]
    text = f"manifest scenario: video workloads at {', '.join(names)}"
    return Resolution(
        width, height, text + ("" if len(names) == 1 else f" (the largest, {names[-1]}, is priced)")
    )


def _video_px(workload: Any) -> tuple[str, tuple[int, int]] | None:
    if not isinstance(workload, dict) or workload.get("kind") != "video":
        return None
    name = workload.get("resolution")
    if name not in RESOLUTION_PX:
        return None
    return name, RESOLUTION_PX[name]


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
    mean = None if figure.stats is None else _decimal(figure.stats.mean)
    return Metric(figure.name, figure.unit, _decimal(figure.value), figure.n, mean)


def _decimal(value: float | None) -> Decimal | None:
    if value is None or not math.isfinite(value):
        return None
    if value.is_integer():
        return Decimal(int(value))
    return Decimal(repr(value))
