"""Each claim judged on a run's evidence (and a baseline's): pass, fail or inconclusive, with a
sentence saying what was claimed, what was observed and on how many samples. Pure: the evidence
is data (harness.claims.evidence gathers it from the run folders).

- An invalid run passes nothing, and a run that did not complete is not judged: every claim on it
  is inconclusive (harness.claims.outcome gives the exit code).
- A registered metric the run did not produce, or a statistic it has no samples for, is
  inconclusive — never a pass.
- A number bound compares the figure directly. A cost whose bill is only a lower bound (some
  quantity missing) decides a claim only when the bound already settles it: it fails `< X` when
  the bound is already >= X, passes `> X` when it is already > X; otherwise inconclusive.
- A baseline bound compares per-interval metrics block by block (harness.claims.regression):
  within the bound passes; beyond it and significant (p < ALPHA) fails; beyond it but not
  significant is inconclusive. Whole-run figures are compared directly. A CPU or time claim
  against a baseline from another host, or any against one measured another way (net_method),
  is inconclusive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from harness.claims.blocks import BLOCK_S, HOST_ADJUSTABLE, MIN_BLOCKS, Values, per_interval
from harness.claims.claimsfile import Claim
from harness.claims.grammar import BaselineBound, Limit
from harness.claims.outcome import Outcome, exit_code
from harness.claims.regression import ALPHA, NotComparable, Shift, compare
from harness.claims.validate import CostRef, MetricRef
from harness.kernel.metrics import VALUE_STAT, MetricSpec
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary

HOST_FACTS = ("hostname", "cpu_count", "memory_bytes", "kernel")
"""Manifest host facts that must match for CPU and time figures to be compared."""


@dataclass(frozen=True)
class CostFigures:
    """One price sheet's bill for a run under one usage profile, as claims need it."""

    sheet: str
    profile: str
    coverage: str
    """complete | partial (the total is a lower bound) | none (nothing it bills was measured)."""
    eligible: bool
    figures: Mapping[str, Decimal | None]
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What one run (the judged one, or the baseline) offers the claims."""

    label: str
    """How sentences name it: `run <id>` or `baseline <name> (run <id>)`."""
    summary: Summary
    host: Mapping[str, object]
    blocks: Mapping[str, Values] = field(default_factory=dict)
    """Per-block values by metric reference, for the regression claims that need them."""
    adjusted: Mapping[str, Values] = field(default_factory=dict)
    """The CPU and time ones of `blocks` over the generator's CPU per message in each block."""
    control: Values | None = None
    """The generator's CPU per 1,000 messages per block: the host's speed as the run saw it."""
    generator_code: Mapping[str, object] = field(default_factory=dict)
    """What the generator ran (git commit, packages): the control holds only for the same code."""
    costs: Mapping[tuple[str, Path | None], CostFigures] = field(default_factory=dict)
    """Bills by (sheet, profile path), for the cost claims."""


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    outcome: Outcome
    sentence: str
    observed: float | None = None
    """The run's figure (or cost) the claim is about, when it has one."""
    n: int | None = None
    baseline: float | None = None
    """The baseline's figure, for a regression claim."""
    shift: Shift | None = None
    """The block-by-block comparison, for a regression claim on a per-interval metric."""
    host_change: float | None = None
    """When `shift` compares blocks over the generator's CPU per message (the host's speed): how
    much more CPU per message the generator used than in the baseline (0.2 is +20 %)."""


@dataclass(frozen=True)
class Judgement:
    verdicts: tuple[Verdict, ...]
    status: RunStatus
    exit_code: int

    def count(self, outcome: Outcome) -> int:
        return sum(1 for v in self.verdicts if v.outcome is outcome)


def judge(claims: Sequence[Claim], run: Evidence, baseline: Evidence | None) -> Judgement:
    verdicts = tuple(evaluate(claim, run, baseline) for claim in claims)
    status = run.summary.status
    return Judgement(verdicts, status, exit_code(status, (v.outcome for v in verdicts)))


def evaluate(claim: Claim, run: Evidence, baseline: Evidence | None) -> Verdict:
    unjudged = _unjudged(run.summary)
    if unjudged:
        return Verdict(claim, Outcome.INCONCLUSIVE, unjudged)
    if isinstance(claim.ref, CostRef):
        return _cost(claim, claim.ref, run)
    bound = claim.expression.bound
    if isinstance(bound, Limit):
        return _absolute(claim, claim.ref, bound, run)
    return _regression(claim, claim.ref, bound, run, baseline)


def _unjudged(summary: Summary) -> str:
    reasons = "; ".join(summary.reasons) or "no reason recorded"
    if summary.status is RunStatus.INVALID:
        return f"The run is invalid ({reasons}): an invalid run passes nothing."
    if summary.status is not RunStatus.OK:
        return f"The run did not complete (status {summary.status}: {reasons}): nothing is judged."
    return ""


# --- figures ------------------------------------------------------------------------------------


def _observed(ref: MetricRef, summary: Summary) -> tuple[float | None, int, str]:
    """(the statistic, its sample count, why it is missing)."""
    figure = summary.figure(ref.spec.name)
    if figure is None:
        return None, 0, f"the run produced no {ref.spec.name}"
    value = figure.statistic(ref.stat)
    if value is None:
        why = "no samples (n = 0)" if figure.n == 0 else f"no {ref.stat} (too few intervals)"
        return None, figure.n, f"the run's {ref.spec.name} has {why}"
    return value, figure.n, ""


def _absolute(claim: Claim, ref: MetricRef, limit: Limit, run: Evidence) -> Verdict:
    op = claim.expression.op
    value, n, missing = _observed(ref, run.summary)
    claimed = f"claimed {op} {_amount(float(limit.value), ref.spec)}"
    if value is None:
        return Verdict(claim, Outcome.INCONCLUSIVE, f"No figure: {missing}; {claimed}.", n=n)
    outcome = Outcome.PASS if op.holds(value, float(limit.value)) else Outcome.FAIL
    what = "" if ref.stat == VALUE_STAT else f"{ref.stat}, "
    sentence = f"Observed {_amount(value, ref.spec)} ({what}n = {n:,}); {claimed}."
    return Verdict(claim, outcome, sentence, value, n)


# --- regressions --------------------------------------------------------------------------------


def _regression(
    claim: Claim, ref: MetricRef, bound: BaselineBound, run: Evidence, baseline: Evidence | None
) -> Verdict:
    op = claim.expression.op
    claimed = f"claimed {op} {bound}"
    if baseline is None:
        return Verdict(claim, Outcome.INCONCLUSIVE, f"No baseline was given; {claimed}.")
    refused = _not_comparable(ref.spec, run, baseline)
    if refused:
        return Verdict(claim, Outcome.INCONCLUSIVE, f"{refused}; {claimed}.")
    value, n, missing = _observed(ref, run.summary)
    base, _, base_missing = _observed(ref, baseline.summary)
    if value is None or base is None:
        why = missing or base_missing.replace("the run", f"the {baseline.label}", 1)
        return Verdict(claim, Outcome.INCONCLUSIVE, f"No figure: {why}; {claimed}.", value, n, base)
    said = f"Observed {value:,.6g} vs {_amount(base, ref.spec)} in the {baseline.label}"
    if not per_interval(ref.spec.name):
        return _whole_run(claim, ref, bound, (value, base, n), said)
    return _blocks(claim, ref, bound, (run, baseline), (value, base, n), said)


def _not_comparable(spec: MetricSpec, run: Evidence, baseline: Evidence) -> str:
    status = baseline.summary.status
    if status is not RunStatus.OK:
        return f"The {baseline.label} is {status}, not a baseline"
    if run.summary.net_method != baseline.summary.net_method:
        return (
            f"The {baseline.label} was measured over {baseline.summary.net_method}, "
            f"this run over {run.summary.net_method}"
        )
    if not _host_bound(spec):
        return ""
    differ = [
        f"{key} {baseline.host.get(key)!r} ≠ {run.host.get(key)!r}"
        for key in HOST_FACTS
        if baseline.host.get(key) != run.host.get(key)
    ]
    if differ:
        return (
            f"The {baseline.label} ran on another host ({', '.join(differ)}): "
            "CPU and time figures are not comparable across hosts"
        )
    return ""


def _host_bound(spec: MetricSpec) -> bool:
    """A CPU or time figure: it depends on the machine, not only on the backend."""
    return spec.unit.startswith("core_s") or spec.unit in ("ms", "pct")


def _whole_run(
    claim: Claim, ref: MetricRef, bound: BaselineBound, figures: tuple[float, float, int], said: str
) -> Verdict:
    value, base, n = figures
    limit = bound.applied(base)
    op = claim.expression.op
    outcome = Outcome.PASS if op.holds(value, limit) else Outcome.FAIL
    sentence = (
        f"{said}: {_change(value, base, bound)}, whole-run figures compared directly; "
        f"claimed {op} {bound} ({_amount(limit, ref.spec)})."
    )
    return Verdict(claim, outcome, sentence, value, n, base)


def _blocks(
    claim: Claim,
    ref: MetricRef,
    bound: BaselineBound,
    runs: tuple[Evidence, Evidence],
    figures: tuple[float, float, int],
    said: str,
) -> Verdict:
    value, base, n = figures
    op = claim.expression.op
    claimed = f"claimed {op} {bound}"
    host_change, host = _host_speed(ref, runs)
    source = "blocks" if host_change is None else "adjusted"
    mine, theirs = (getattr(evidence, source).get(ref.reference) for evidence in runs)
    n_run = 0 if mine is None else len(mine)
    n_base = 0 if theirs is None else len(theirs)
    if mine is None or theirs is None or n_run < MIN_BLOCKS or n_base < MIN_BLOCKS:
        sentence = (
            f"{said}: too few {BLOCK_S:g} s blocks to compare ({n_run} in the run, {n_base} in "
            f"the baseline; at least {MIN_BLOCKS} each: lengthen duration_s); {claimed}."
        )
        return Verdict(claim, Outcome.INCONCLUSIVE, sentence, value, n, base)
    try:
        shift = compare(mine, theirs, bound, op)
    except NotComparable as exc:
        return Verdict(claim, Outcome.INCONCLUSIVE, f"{said}: {exc}; {claimed}.", value, n, base)
    if shift.within(bound, op):
        outcome, tail = Outcome.PASS, "within the bound"
    elif shift.p_beyond < ALPHA:
        outcome, tail = Outcome.FAIL, "beyond the bound, significantly"
    else:
        outcome, tail = (
            Outcome.INCONCLUSIVE,
            f"beyond the bound but not significantly (p ≥ {ALPHA:g})",
        )
    unit = "" if bound.percent else f" {ref.spec.unit}"
    beyond = _signed(float(bound.delta) / 100 if bound.percent else float(bound.delta), bound)
    sentence = (
        f"{said}: per {BLOCK_S:g} s block {_signed(shift.change, bound)}{unit} "
        f"(95% CI {_interval(shift, bound)}{unit}), p(beyond {beyond}) = {shift.p_beyond:.2g}, "
        f"one-sided Mann–Whitney U on {shift.n_run} vs {shift.n_base} blocks{host} — {tail}; "
        f"{claimed}."
    )
    return Verdict(claim, outcome, sentence, value, n, base, shift, host_change)


def _host_speed(ref: MetricRef, runs: tuple[Evidence, Evidence]) -> tuple[float | None, str]:
    """How much faster or slower the host ran than for the baseline, when a CPU or time claim's
    blocks are read in units of its speed (None: compared as measured), and the clause saying so
    (empty for metrics the host's speed does not set).

    The control is the generator: the same code sending the same load, its CPU per message moves
    only with the host (measured here: back to back, the embedded backend's CPU per 1,000
    messages varied ±6 % run to run, its ratio to the generator's ±2 %). Each block's figure is
    divided by the generator's CPU per message in that block, in the run and in the baseline, so a
    host that ran 20 % slower for a whole run does not read as a backend 20 % heavier, while a
    backend that really costs more per message still does. Without the same generator code, or
    without generator samples, the figures are compared as measured, and the sentence says so."""
    if ref.spec.name not in HOST_ADJUSTABLE:
        return None, ""
    run, baseline = runs
    if run.control is None or baseline.control is None:
        return None, "; not adjusted for the host's speed (no generator CPU per block)"
    if run.generator_code != baseline.generator_code:
        return None, (
            f"; not adjusted for the host's speed (the {baseline.label}'s generator ran other "
            "code: git commit or packages differ)"
        )
    mine, theirs = (evidence.adjusted.get(ref.reference, np.array([])) for evidence in runs)
    if min(len(run.control), len(baseline.control), len(mine), len(theirs)) < MIN_BLOCKS:
        return None, "; not adjusted for the host's speed (too few blocks with generator CPU)"
    host = float(np.median(run.control) / np.median(baseline.control) - 1)
    return host, (
        f", each over the generator's CPU per message in the block (the host's speed: the "
        f"generator used {100 * host:+.1f}% CPU per message against the baseline's)"
    )


# --- costs --------------------------------------------------------------------------------------


def _cost(claim: Claim, ref: CostRef, run: Evidence) -> Verdict:
    op = claim.expression.op
    limit = claim.expression.bound
    assert isinstance(limit, Limit)  # the grammar gives cost claims a number
    claimed = f"claimed {op} {limit.value}"
    bill = run.costs.get((ref.sheet, claim.profile))
    if bill is None:
        return Verdict(claim, Outcome.INCONCLUSIVE, f"{ref.sheet} was not priced; {claimed}.")
    head = f"{ref.sheet} under profile {bill.profile!r}"
    gaps = f" (gaps: {'; '.join(bill.gaps)})" if bill.gaps else ""
    value = bill.figures.get(ref.figure)
    if not bill.eligible or bill.coverage == "none" or value is None:
        why = _unpriced(bill, ref.figure)
        return Verdict(claim, Outcome.INCONCLUSIVE, f"{head}: {why}{gaps}; {claimed}.")
    observed = float(value)
    if bill.coverage == "complete":
        outcome = Outcome.PASS if op.holds(value, limit.value) else Outcome.FAIL
        sentence = f"{head}: {ref.figure} {_usd(value)} (complete bill); {claimed}."
        return Verdict(claim, outcome, sentence, observed)
    settles = op.holds(value, limit.value) != op.ceiling
    if settles:
        outcome = Outcome.FAIL if op.ceiling else Outcome.PASS
        decided = "the lower bound already settles it"
    else:
        outcome, decided = Outcome.INCONCLUSIVE, "a lower bound cannot settle it"
    sentence = (
        f"{head}: {ref.figure} at least {_usd(value)} (partial bill: a lower bound{gaps}); "
        f"{claimed}: {decided}."
    )
    return Verdict(claim, outcome, sentence, observed)


def _unpriced(bill: CostFigures, figure: str) -> str:
    if not bill.eligible:
        return "no option of the sheet serves this usage"
    if bill.coverage == "none":
        return "it bills nothing this run measured"
    return f"no {figure} (its denominator is not known for this profile)"


# --- wording ------------------------------------------------------------------------------------


def _amount(x: float, spec: MetricSpec) -> str:
    unit = {"ratio": "", "pct": "%"}.get(spec.unit, f" {spec.unit}")
    return f"{x:,.6g}{unit}"


def _usd(x: Decimal) -> str:
    return f"${x:,.4f}" if abs(x) < 1 else f"${x:,.2f}"


def _signed(x: float, bound: BaselineBound) -> str:
    return f"{100 * x:+.1f}%" if bound.percent else f"{x:+.4g}"


def _interval(shift: Shift, bound: BaselineBound) -> str:
    return f"{_signed(shift.low, bound)} to {_signed(shift.high, bound)}"


def _change(value: float, base: float, bound: BaselineBound) -> str:
    if not bound.percent:
        return f"{value - base:+.4g}"
    if base == 0:
        return "the baseline is 0: no relative change"
    return f"{100 * (value / base - 1):+.1f}%"
