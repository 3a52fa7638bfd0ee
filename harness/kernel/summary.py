"""A run's `summary.json` as a typed document, and the one reader for it (contract: docs/results.md).

The harness writes it when a run ends (`Summary.to_json`); `imbench show`, cost mapping and the
claims gate read it back with `read_summary`/`parse_summary`, which turn a malformed file into one
`BadInput` naming the file and every bad field (a missing `status`, metrics that are not an object,
a metric the registry lacks — with a suggestion —, a unit that is not the registered one, ...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from harness.kernel.errors import BadInput, Problem
from harness.kernel.figures import Figure, json_number, parse_figure
from harness.kernel.metrics import UnknownMetric, lookup
from harness.kernel.status import RunStatus

SCHEMA = "imbench.summary/1"
FINAL_STATUSES = tuple(s for s in RunStatus if s is not RunStatus.RUNNING)


@dataclass(frozen=True)
class UnderTarget:
    """A receive video stream that achieved less than 90 % of its target, by name."""

    peer: str
    """`media-<generator>/<peer>`: which simulated participant received it."""
    stream: str
    achieved_mbps: float
    target_mbps: float


@dataclass(frozen=True)
class Summary:
    """What `summary.json` holds: the run, its status, and every figure it produced."""

    run_id: str
    status: RunStatus
    partial: bool
    """The run did not complete: its figures cover only what happened before it stopped."""
    reasons: tuple[str, ...]
    scenario: str
    backend: str
    media_backend: str
    """The SFU media went through, or "none"."""
    net_method: str
    load_window_s: float
    metrics: Mapping[str, Figure]
    media_under_target: tuple[UnderTarget, ...] = ()
    notes: tuple[str, ...] = ()
    """What the figures left out without changing the status: raw record lines dropped (torn
    by a writer killed mid-line, or malformed), per file; never read with an altered value."""
    unavailable: Mapping[str, str] = field(default_factory=dict)
    """Registered metrics this run's backend cannot produce, each with the reason (shown n/a):
    e.g. storage per stored message on a backend that keeps no history (`no_history`)."""

    def __post_init__(self) -> None:
        for name, figure in self.metrics.items():
            if name != figure.name:
                raise ValueError(f"metrics[{name!r}] holds the figure of {figure.name!r}")
        for name in self.unavailable:
            lookup(name)
            if name in self.metrics:
                raise ValueError(f"{name!r} is both a figure and unavailable")
        object.__setattr__(self, "metrics", MappingProxyType(dict(sorted(self.metrics.items()))))
        object.__setattr__(
            self, "unavailable", MappingProxyType(dict(sorted(self.unavailable.items())))
        )

    def figure(self, name: str) -> Figure | None:
        """The run's figure of a registered metric, None when the run did not produce it; a
        name the registry lacks raises UnknownMetric (a claim on it is bad input, not missing)."""
        lookup(name)
        return self.metrics.get(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "run_id": self.run_id,
            "status": str(self.status),
            "partial": self.partial,
            "reasons": list(self.reasons),
            "scenario": self.scenario,
            "backend": self.backend,
            "media_backend": self.media_backend,
            "net_method": self.net_method,
            "load_window_s": self.load_window_s,
            "metrics": {name: figure.to_json() for name, figure in self.metrics.items()},
            "unavailable": dict(self.unavailable),
            "media_under_target": [
                {
                    "peer": u.peer,
                    "stream": u.stream,
                    "achieved_mbps": u.achieved_mbps,
                    "target_mbps": u.target_mbps,
                }
                for u in self.media_under_target
            ],
            "notes": list(self.notes),
        }


def read_summary(run_dir: Path) -> Summary:
    """`run_dir/summary.json`; a missing, unreadable or malformed file is a `BadInput`."""
    path = run_dir / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        accepted = "a run folder holding summary.json (a finished or partial run)"
        raise BadInput(str(path), "", str(run_dir), accepted) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(str(path), "", str(exc), "valid JSON as docs/results.md describes") from None
    return parse_summary(data, str(path))


def parse_summary(data: object, source: str) -> Summary:
    """A `summary.json` document already read as JSON (numbers may be float, int or Decimal)."""
    if not isinstance(data, Mapping):
        raise BadInput(source, "", type(data).__name__, "a JSON object (docs/results.md)")
    fields = _Fields(source, data)
    if data.get("schema") != SCHEMA:
        fields.problem("schema", data.get("schema"), repr(SCHEMA))
    run_id = fields.text("run_id", "the run's id (a non-empty string)", required=True)
    status_text = data.get("status")
    status = next((s for s in FINAL_STATUSES if s.value == status_text), None)
    if status is None:
        fields.problem("status", status_text, "one of " + ", ".join(FINAL_STATUSES))
    partial = data.get("partial")
    if not isinstance(partial, bool):
        fields.problem("partial", partial, "true or false")
    reasons = data.get("reasons")
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        fields.problem("reasons", reasons, "a list of strings (why the run ended as it did)")
        reasons = []
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        fields.problem("notes", notes, "a list of strings (what the figures left out)")
        notes = []
    scenario = fields.text("scenario", "the scenario's name")
    backend = fields.text("backend", "the messaging backend's name")
    media_backend = data.get("media_backend", "none")
    if not isinstance(media_backend, str):
        fields.problem("media_backend", media_backend, 'the SFU\'s name, or "none"')
    net_method = fields.text("net_method", "how the run's network was made (netns-veth, ...)")
    load_window_s = fields.number("load_window_s", "seconds (a number)")
    metrics = _metrics(fields, data.get("metrics"))
    under = _under_target(fields, data.get("media_under_target", []))
    unavailable = _unavailable(fields, data.get("unavailable", {}), metrics)
    if fields.problems or status is None:
        raise BadInput.of(fields.problems)
    return Summary(
        run_id=run_id,
        status=status,
        partial=bool(partial),
        reasons=tuple(reasons),
        scenario=scenario,
        backend=backend,
        media_backend=str(media_backend),
        net_method=net_method,
        load_window_s=load_window_s,
        metrics=metrics,
        media_under_target=under,
        notes=tuple(notes),
        unavailable=unavailable,
    )


def _unavailable(fields: _Fields, raw: object, metrics: Mapping[str, Figure]) -> dict[str, str]:
    accepted = "an object of registered metric name -> the reason the run cannot produce it"
    if not isinstance(raw, Mapping):
        fields.problem("unavailable", raw, accepted)
        return {}
    out = {}
    for name, reason in raw.items():
        try:
            lookup(str(name))
        except UnknownMetric as exc:
            fields.problem(f"unavailable.{name}", reason, str(exc))
            continue
        if not isinstance(reason, str) or not reason or name in metrics:
            fields.problem(f"unavailable.{name}", reason, accepted + " (and not also a figure)")
            continue
        out[str(name)] = reason
    return out


class _Fields:
    """Reads top-level fields, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str, data: Mapping[str, Any]) -> None:
        self.source, self.data = source, data
        self.problems: list[Problem] = []

    def problem(self, field: str, value: object, accepted: str) -> None:
        self.problems.append(Problem(self.source, field, value, accepted))

    def text(self, field: str, accepted: str, required: bool = False) -> str:
        value = self.data.get(field)
        if not isinstance(value, str) or (required and not value):
            self.problem(field, value, accepted)
            return ""
        return value

    def number(self, field: str, accepted: str) -> float:
        value = json_number(self.data.get(field))
        if value is None:
            self.problem(field, self.data.get(field), accepted)
            return 0.0
        return value


def _metrics(fields: _Fields, raw: object) -> dict[str, Figure]:
    if not isinstance(raw, Mapping):
        fields.problem("metrics", raw, "an object of metric name -> {value, unit, n, ...}")
        return {}
    metrics: dict[str, Figure] = {}
    for name, entry in raw.items():
        figure, problems = parse_figure(fields.source, str(name), entry)
        fields.problems += problems
        if figure is not None:
            metrics[figure.name] = figure
    return metrics


def _under_target(fields: _Fields, raw: object) -> tuple[UnderTarget, ...]:
    accepted = "a list of {peer, stream, achieved_mbps, target_mbps}"
    if not isinstance(raw, list):
        fields.problem("media_under_target", raw, accepted)
        return ()
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            fields.problem(f"media_under_target[{i}]", item, accepted)
            continue
        peer, stream = item.get("peer"), item.get("stream")
        achieved = json_number(item.get("achieved_mbps"))
        target = json_number(item.get("target_mbps"))
        if (
            not isinstance(peer, str)
            or not isinstance(stream, str)
            or achieved is None
            or target is None
        ):
            fields.problem(f"media_under_target[{i}]", item, accepted)
            continue
        out.append(UnderTarget(peer, stream, achieved, target))
    return tuple(out)
