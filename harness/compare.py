"""Runs side by side: the comparison `imbench compare` prints (as text, CSV and JSON) and the
report of several runs renders. Pure: it takes runs already read (summary, manifest, costs).

A column per run — its backend and version, status, scenario and its sha256, host — and a row
per compared figure: by default the POC's headline figures (`HEADLINE`: e2e latency p50/p95/p99,
delivery ratio, backend CPU per 1,000 delivered messages, RSS per connected user, wire bytes per
delivered message, storage per stored message) and the self-hosted cost per concurrent user per
month of every self-hosting sheet, as `imbench cost` prices it under the profile.

Each cell is what the run measured, as harness.report.figure_text writes it; `n/a (reason)` when
the run says why it has no such figure (a `Summary.unavailable` entry: Mosquitto keeps no
history, so storage per stored message is n/a), `n/a` when it did not produce it, a dash when it
produced it from nothing (no samples).

A column is marked (`Column.marks`, a legend line each) when its figures may not compare with the
first run's: a status other than ok, a partial or loopback-approximate run (harness.report.marks),
a different scenario (its sha256 differs from the first run's) or a different host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cost_mapping.bill import NONE
from cost_mapping.display import num
from harness.kernel.metric_names import BACKEND, MESSAGING, WIRE
from harness.kernel.metrics import REGISTRY, SPECS, VALUE_STAT, Better, Shape
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary
from harness.manifest import Manifest
from harness.report.costs import RunCosts, coverage_text, lower_bound, money
from harness.report.figure_tables import label_of
from harness.report.figure_text import DASH, amount, has_data
from harness.report.marks import Mark, run_marks

NOT_PRODUCED = "n/a"
SELFHOST = "selfhost"
COST_UNIT = "USD/ccu_month"
SHA_SHOWN = 12
"""Hex digits of a scenario's sha256 shown in a column head (all of them in CSV and JSON)."""
COMPARED_PERCENTILES = ("p50", "p95", "p99")
OTHER_SCENARIO, OTHER_HOST = "OTHER-SCENARIO", "OTHER-HOST"
NOTHING_BILLED = "nothing it bills was measured"


@dataclass(frozen=True)
class Compared:
    """One compared figure: a metric and one of its statistics."""

    name: str
    stat: str

    @property
    def ref(self) -> str:
        return self.name if self.stat == VALUE_STAT else f"{self.name}.{self.stat}"


HEADLINE = (
    *(Compared(MESSAGING.e2e_latency_ms, p) for p in COMPARED_PERCENTILES),
    Compared(MESSAGING.delivery_ratio, VALUE_STAT),
    Compared(BACKEND.cpu_core_s_per_1k_delivered_msgs, VALUE_STAT),
    Compared(BACKEND.rss_bytes_per_user, VALUE_STAT),
    Compared(WIRE.bytes_per_delivered_msg, VALUE_STAT),
    Compared(BACKEND.storage_bytes_per_stored_msg, VALUE_STAT),
)
"""What `imbench compare` shows of every run, in this order (then the self-hosting costs)."""


def every_figure(summaries: Sequence[Summary]) -> list[Compared]:
    """Every registered metric any of the runs has, in the registry's order — a value as
    itself, a distribution by its p50, p95 and p99."""
    present = {name for s in summaries for name in s.metrics}
    out = []
    for spec in SPECS:
        if spec.name not in present:
            continue
        stats = COMPARED_PERCENTILES if spec.shape is Shape.DISTRIBUTION else (VALUE_STAT,)
        out += [Compared(spec.name, stat) for stat in stats]
    return out


@dataclass(frozen=True)
class ComparedRun:
    """A run as read for the comparison: where it is, its summary, its manifest, and its
    costs under the profile (None: not priced)."""

    path: str
    summary: Summary
    manifest: Manifest
    costs: RunCosts | None = None


@dataclass(frozen=True)
class Cell:
    value: float | None
    """The number in the row's unit; None when the run has none."""
    text: str
    """As people read it: `0.76 ms`, `18.13 KiB/user`, `$0.0123`, `n/a (no_history)`."""
    note: str | None = None
    """Why the run has no number (its summary's `unavailable` reason, a cost with no option
    that fits), or what qualifies it (a cost that is a lower bound)."""


@dataclass(frozen=True)
class CompareRow:
    key: str
    """`<metric>` or `<metric>.<stat>`; `cost.<sheet>.usd_per_ccu_month` for a cost."""
    label: str
    unit: str
    better: Better
    cells: tuple[Cell, ...]
    """One per column, in column order."""


@dataclass(frozen=True)
class Column:
    run_id: str
    path: str
    backend: str
    backend_version: str
    status: RunStatus
    partial: bool
    reasons: tuple[str, ...]
    scenario: str
    scenario_sha256: str
    host: str
    marks: tuple[Mark, ...]

    @property
    def backend_text(self) -> str:
        return f"{self.backend} {self.backend_version}"

    @property
    def status_text(self) -> str:
        return f"{self.status}, partial" if self.partial else str(self.status)

    @property
    def scenario_text(self) -> str:
        return f"{self.scenario} {self.scenario_sha256[:SHA_SHOWN] or '(no sha256)'}"

    def heading(self, label: str) -> str:
        """`label` followed by the column's marks: `#2 [INVALID, OTHER-HOST]`."""
        words = [m.word for m in self.marks]
        return f"{label} [{', '.join(words)}]" if words else label


@dataclass(frozen=True)
class Comparison:
    columns: tuple[Column, ...]
    rows: tuple[CompareRow, ...]
    profile_note: str
    """Which usage profile the costs are under (empty when nothing was priced)."""

    def legend(self, labels: Sequence[str] | None = None) -> list[str]:
        """One line per mark of each column: `#2 INVALID: <what it means>`."""
        names = labels or [c.run_id for c in self.columns]
        return [
            f"{name} {m.word}: {m.meaning}"
            for name, column in zip(names, self.columns, strict=True)
            for m in column.marks
        ]


def build_comparison(
    runs: Sequence[ComparedRun], figures: Sequence[Compared] = HEADLINE, costs: bool = True
) -> Comparison:
    """The runs side by side; the first run is the one scenario and host are compared with."""
    if not runs:
        raise ValueError("a comparison needs at least one run")
    columns = tuple(_column(run, runs[0]) for run in runs)
    rows = [_figure_row(item, [r.summary for r in runs]) for item in figures]
    if costs:
        rows += _cost_rows(runs)
    return Comparison(columns, tuple(rows), _profile_note(runs) if costs else "")


def _figure_row(item: Compared, summaries: Sequence[Summary]) -> CompareRow:
    spec = REGISTRY[item.name]
    label = label_of(spec) + ("" if item.stat == VALUE_STAT else f" {item.stat}")
    cells = tuple(_figure_cell(s, item, spec.unit) for s in summaries)
    return CompareRow(item.ref, label, spec.unit, spec.better, cells)


def _figure_cell(summary: Summary, item: Compared, unit: str) -> Cell:
    figure = summary.metrics.get(item.name)
    reason = summary.unavailable.get(item.name)
    if figure is None or (reason is not None and not has_data(figure)):
        return _missing(reason)
    value = figure.statistic(item.stat) if has_data(figure) else None
    return Cell(value, amount(value, unit) if value is not None else DASH)


def _cost_rows(runs: Sequence[ComparedRun]) -> list[CompareRow]:
    sheets = {
        r.bill.sheet.id
        for run in runs
        for r in (run.costs.rows if run.costs else ())
        if r.bill.sheet.category == SELFHOST
    }
    return [
        CompareRow(
            f"cost.{sheet}.usd_per_ccu_month",
            f"self-hosted per CCU-month, {sheet}",
            COST_UNIT,
            Better.LOWER,
            tuple(_cost_cell(run.costs, sheet) for run in runs),
        )
        for sheet in sorted(sheets)
    ]


def _cost_cell(costs: RunCosts | None, sheet: str) -> Cell:
    row = None if costs is None else next((r for r in costs.rows if r.bill.sheet.id == sheet), None)
    if row is None:
        return _missing("not priced")
    if row.bill.eligible and row.bill.coverage == NONE:
        return _missing(NOTHING_BILLED)
    if row.usd_per_ccu_month is None or not row.bill.eligible:
        return _missing(coverage_text(row.bill))
    text = money(row, row.usd_per_ccu_month)
    qualified = "partial: lower bound" if lower_bound(row.bill) else None
    return Cell(float(row.usd_per_ccu_month), text, qualified)


def _missing(reason: str | None) -> Cell:
    """No number: `n/a (reason)`, or `n/a` when there is no reason to give."""
    if reason is None:
        return Cell(None, NOT_PRODUCED)
    return Cell(None, f"{NOT_PRODUCED} ({reason})", reason)


def _profile_note(runs: Sequence[ComparedRun]) -> str:
    priced = next((r.costs for r in runs if r.costs is not None), None)
    if priced is None:
        return ""
    p = priced.profile
    return (
        f"self-hosted costs under usage profile {p.name} ({p.source}): {num(p.peak_ccu)} peak "
        f"concurrent users, {num(p.mau)} MAU, per month; ≥ marks a lower bound"
    )


def host_of(manifest: Manifest) -> str:
    """The machine a run measured on, as compared: its name, CPUs and memory."""
    h = manifest.host
    name = str(h.get("hostname") or "unknown host")
    cpus = h.get("cpu_count")
    memory = h.get("memory_bytes")
    parts = [name]
    if isinstance(cpus, int):
        parts.append(f"{cpus} CPUs")
    if isinstance(memory, int | float) and memory > 0:
        parts.append(amount(float(memory), "bytes"))
    return ", ".join(parts)


def _column(run: ComparedRun, first: ComparedRun) -> Column:
    s, m = run.summary, run.manifest
    marks = list(_status_marks(s))
    sha, first_sha = m.scenario_sha256, first.manifest.scenario_sha256
    if sha != first_sha:
        marks.append(
            Mark(
                OTHER_SCENARIO,
                f"scenario {s.scenario} sha256 {sha[:SHA_SHOWN] or '(none)'} differs from the "
                f"first run's {first.summary.scenario} {first_sha[:SHA_SHOWN] or '(none)'}: "
                "another workload, its figures do not compare",
            )
        )
    host, first_host = host_of(m), host_of(first.manifest)
    if host != first_host:
        marks.append(
            Mark(
                OTHER_HOST,
                f"measured on {host}, the first run on {first_host}: another machine's resources",
            )
        )
    return Column(
        run_id=s.run_id,
        path=run.path,
        backend=s.backend,
        backend_version=str(m.backend.get("version") or "version unknown"),
        status=s.status,
        partial=s.partial,
        reasons=s.reasons,
        scenario=s.scenario,
        scenario_sha256=sha,
        host=host,
        marks=tuple(marks),
    )


def _status_marks(summary: Summary) -> tuple[Mark, ...]:
    """The report's marks of the run, the status mark with the run's own reasons."""
    reasons = "; ".join(summary.reasons)
    out = []
    for mark in run_marks(summary):
        if mark.word == summary.status.value.upper() and reasons:
            mark = Mark(mark.word, f"{mark.meaning} ({reasons})")
        out.append(mark)
    return tuple(out)
