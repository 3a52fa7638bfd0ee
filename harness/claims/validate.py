"""A parsed expression checked against what exists, before any load: the metric registry, the
scenario the claim is about, the price sheets, and whether a baseline was given. Pure.

A name the registry lacks, a statistic the metric does not carry, a metric the scenario cannot
produce (a video claim on a chat-only scenario), a regression claim without a baseline and an
unknown sheet or cost figure are each `Unsupported`, which the claims file turns into bad input
naming the claim, with a suggestion where one is close.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cost_mapping.table import PER_MESSAGE, PER_MINUTE
from harness.claims.grammar import CostSubject, Expression
from harness.kernel.metrics import (
    REGISTRY,
    VALUE_STAT,
    MetricSpec,
    Shape,
    UnknownMetric,
    did_you_mean,
    resolve,
    suggest,
)

COST_FIGURES: Mapping[str, tuple[str, ...] | None] = {
    "monthly_usd": None,
    "usd_per_ccu_month": None,
    "usd_per_mau": None,
    "usd_per_1k_msgs": PER_MESSAGE,
    "usd_per_participant_min": PER_MINUTE,
}
"""What a cost claim may address (a sheet's row in `imbench cost`), and the sheet categories it
applies to (None: every category)."""


class Unsupported(ValueError):
    """A well-formed claim about something that does not exist here; the message says why."""


@dataclass(frozen=True)
class Target:
    """What claims are checked against before a run starts (or before a stored run is judged)."""

    scenario: str
    """How messages name the scenario (its name)."""
    kinds: tuple[str, ...]
    """Its workload kinds (a video workload with an audio track counts as voice too)."""
    producible: frozenset[str] | None
    """The registered metrics it can produce; None when the scenario is not known (registry only)."""
    sheets: Mapping[str, str]
    """Shipped price sheets: id → category."""
    baseline: bool
    """Whether a baseline was given (regression claims need one)."""


@dataclass(frozen=True)
class MetricRef:
    """A claim's metric and statistic, resolved in the registry."""

    spec: MetricSpec
    stat: str

    @property
    def reference(self) -> str:
        return self.spec.name if self.stat == VALUE_STAT else f"{self.spec.name}.{self.stat}"


@dataclass(frozen=True)
class CostRef:
    """A claim's price sheet and cost figure."""

    sheet: str
    category: str
    figure: str

    @property
    def reference(self) -> str:
        return f"cost.{self.sheet}.{self.figure}"


Ref = MetricRef | CostRef


def validate(expression: Expression, target: Target) -> Ref:
    """The claim's subject resolved against `target`; Unsupported saying what is wrong."""
    subject = expression.subject
    if isinstance(subject, CostSubject):
        return _cost(subject, target)
    ref = metric_ref(subject.reference)
    if target.producible is not None and ref.spec.name not in target.producible:
        raise Unsupported(_not_producible(ref.spec, target))
    if expression.regression and not target.baseline:
        raise Unsupported(
            "a regression claim needs a baseline: pass --baseline RUN|NAME "
            "(`imbench baseline save RUN NAME` stores one)"
        )
    return ref


def metric_ref(reference: str) -> MetricRef:
    """`<name>` or `<name>.<stat>` resolved; Unsupported naming what the metric does carry."""
    try:
        spec, stat = resolve(reference)
    except UnknownMetric as exc:
        raise Unsupported(_unknown(reference, exc)) from None
    return MetricRef(spec, stat)


def _unknown(reference: str, exc: UnknownMetric) -> str:
    whole = REGISTRY.get(reference)
    if whole is not None:  # a distribution named without a statistic
        stats = ", ".join(whole.statistics)
        return (
            f"{reference} is a distribution: name one of its statistics, "
            f"e.g. {reference}.p99 ({stats})"
        )
    head, _, stat = reference.rpartition(".")
    spec = REGISTRY.get(head)
    if spec is None:
        return f"unknown metric {reference!r}{did_you_mean(exc.suggestions)} (docs/results.md lists every metric)"
    if stat == VALUE_STAT:
        return f"write {head} for its value"
    if spec.shape is Shape.VALUE:
        forms = [head, *(f"{head}.{s}" for s in spec.statistics if s != VALUE_STAT)]
        return f"{head} is a single value with no statistic {stat!r}: claim " + " or ".join(forms)
    return f"{head} carries no statistic {stat!r}: its statistics are {', '.join(spec.statistics)}"


def _not_producible(spec: MetricSpec, target: Target) -> str:
    kinds = frozenset(target.kinds)
    scenario = f"scenario {target.scenario!r} ({', '.join(target.kinds) or 'no workloads'})"
    if spec.produced_by & kinds and spec.needs_turn:
        why = "it needs [media] turn = true"
    elif spec.produced_by & kinds and spec.unless & kinds:
        why = "a run with video reports the media path under video.*"
    else:
        why = f"it comes from {' or '.join(sorted(spec.produced_by))} workloads"
    return f"{scenario} cannot produce {spec.name}: {why}"


def _cost(subject: CostSubject, target: Target) -> CostRef:
    category = target.sheets.get(subject.sheet)
    if category is None:
        close = suggest(subject.sheet, target.sheets)
        raise Unsupported(
            f"unknown price sheet {subject.sheet!r}{did_you_mean(close)} "
            f"(shipped: {', '.join(sorted(target.sheets))})"
        )
    if subject.figure not in COST_FIGURES:
        close = suggest(subject.figure, COST_FIGURES)
        raise Unsupported(
            f"unknown cost figure {subject.figure!r}{did_you_mean(close)} "
            f"(one of {', '.join(COST_FIGURES)})"
        )
    applies = COST_FIGURES[subject.figure]
    if applies is not None and category not in applies:
        raise Unsupported(
            f"{subject.sheet} is a {category} sheet: {subject.figure} is given only for "
            f"{', '.join(applies)} sheets"
        )
    return CostRef(subject.sheet, category, subject.figure)
