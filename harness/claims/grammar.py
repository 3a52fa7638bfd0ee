"""The claims grammar: one expression per claim, parsed into a typed `Expression`. Pure.

    claim       →  subject op bound
    subject     →  metric_ref | cost_ref
    metric_ref  →  area "." figure [ "." statistic ]        a registered metric (docs/results.md)
    cost_ref    →  "cost." sheet_id "." cost_figure          a price sheet's cost under a profile
    op          →  "<" | "<=" | ">" | ">="
    bound       →  number | "baseline" [ sign number [ "%" ] ]
    sign        →  "+" | "-"
    number      →  [sign] digits [ "." digits ] [ ("e" | "E") [sign] digits ]   ("_" between digits)

Whitespace between tokens is free. `==`, `!=` and `=` are refused: measured figures are floats,
and a claim says which side is acceptable. `baseline + 10%` is relative to the baseline's figure,
`baseline + 2` absolute in the metric's unit, a bare `baseline` means no change is allowed. This
module only says whether an expression is well-formed; whether its names exist, whether the
scenario can produce them and whether a baseline is given is `harness.claims.validate`'s.
Examples: docs/claims.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

COST_AREA = "cost"
BASELINE = "baseline"
EXAMPLE = "chat.e2e_latency_ms.p99 < 250"


class Op(StrEnum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    @property
    def ceiling(self) -> bool:
        """True for < and <=: the claim bounds the figure from above."""
        return self in (Op.LT, Op.LE)

    def holds(self, left: float | Decimal, right: float | Decimal) -> bool:
        """Whether `left <op> right`."""
        if self is Op.LT:
            return left < right
        if self is Op.LE:
            return left <= right
        if self is Op.GT:
            return left > right
        return left >= right


@dataclass(frozen=True)
class MetricSubject:
    reference: str
    """`<name>` or `<name>.<stat>`, as written."""


@dataclass(frozen=True)
class CostSubject:
    sheet: str
    figure: str


@dataclass(frozen=True)
class Limit:
    """A number the figure is compared with."""

    value: Decimal


@dataclass(frozen=True)
class BaselineBound:
    """`baseline ± delta` (absolute, in the metric's unit) or `baseline ± delta%` (relative)."""

    delta: Decimal
    percent: bool

    def applied(self, base: float) -> float:
        """The bound this makes of a baseline figure."""
        if self.percent:
            return base * (1 + float(self.delta) / 100)
        return base + float(self.delta)

    def __str__(self) -> str:
        if self.delta == 0 and not self.percent:
            return BASELINE
        sign = "-" if self.delta < 0 else "+"
        return f"{BASELINE} {sign} {abs(self.delta)}{'%' if self.percent else ''}"


Subject = MetricSubject | CostSubject
Bound = Limit | BaselineBound


@dataclass(frozen=True)
class Expression:
    subject: Subject
    op: Op
    bound: Bound
    text: str
    """As written (stripped)."""

    @property
    def regression(self) -> bool:
        return isinstance(self.bound, BaselineBound)


class GrammarError(ValueError):
    """A malformed expression; the message says what is accepted there."""


_SUBJECT = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_OPERATOR = re.compile(r"<=|>=|==|!=|=<|=>|<|>|=")
_DIGITS = r"[0-9](?:_?[0-9])*"
_UNSIGNED = rf"(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
_NUMBER = re.compile(rf"[+-]?{_UNSIGNED}")
_BASELINE = re.compile(rf"{BASELINE}(?:\s*([+-])\s*({_UNSIGNED})\s*(%)?)?")
_ACCEPTED_OPS = "<, <=, > or >="


def parse_expression(text: str) -> Expression:
    """The expression in `text`; GrammarError saying what is wrong and what is accepted."""
    stripped = text.strip()
    if not stripped:
        raise GrammarError(f"an expression: <metric>[.<statistic>] <op> <bound>, e.g. {EXAMPLE}")
    head = _SUBJECT.match(stripped)
    if head is None:
        raise GrammarError(f"must start with a metric (or cost.<sheet>.<figure>), e.g. {EXAMPLE}")
    subject = _subject(head.group())
    rest = stripped[head.end() :].lstrip()
    op_match = _OPERATOR.match(rest)
    if op_match is None:
        found = f" (found {rest[:12]!r})" if rest else ""
        raise GrammarError(f"a comparison after {head.group()!r}: {_ACCEPTED_OPS}{found}")
    try:
        op = Op(op_match.group())
    except ValueError:
        raise GrammarError(
            f"{op_match.group()!r} is not accepted: a claim says which side is acceptable "
            f"({_ACCEPTED_OPS}); measured figures are floats"
        ) from None
    bound = _bound(rest[op_match.end() :].strip(), op)
    if isinstance(subject, CostSubject) and isinstance(bound, BaselineBound):
        raise GrammarError("a cost claim compares with a number (cost.<sheet>.<figure> < 0.40)")
    return Expression(subject, op, bound, stripped)


def _subject(word: str) -> Subject:
    if word == COST_AREA or word.startswith(COST_AREA + "."):
        parts = word.split(".")
        if len(parts) != 3 or not all(parts):
            raise GrammarError(
                "a cost is cost.<sheet-id>.<figure>, e.g. cost.agora-rtc.usd_per_ccu_month"
            )
        return CostSubject(parts[1], parts[2])
    if word.endswith(".") or ".." in word:
        raise GrammarError(f"{word!r} has an empty name part; e.g. {EXAMPLE}")
    return MetricSubject(word)


def _bound(text: str, op: Op) -> Bound:
    if not text:
        raise GrammarError(f"a number or `baseline + N%` after {op.value!r}")
    baseline = _BASELINE.fullmatch(text)
    if baseline is not None:
        sign, number, percent = baseline.groups()
        if number is None:
            return BaselineBound(Decimal(0), percent=False)
        delta = _decimal(number)
        return BaselineBound(-delta if sign == "-" else delta, percent=percent is not None)
    if text.startswith(BASELINE):
        raise GrammarError(
            f"after 'baseline': nothing, or + / - a number, optionally with % (found {text!r})"
        )
    number = _NUMBER.fullmatch(text)
    if number is not None:
        return Limit(_decimal(text))
    if _NUMBER.fullmatch(text.rstrip("%").rstrip()) is not None:
        raise GrammarError(f"a percentage needs a baseline: `{op.value} baseline + {text}`")
    leading = _NUMBER.match(text)
    if leading is not None and text[leading.end() :].strip()[:1].isalpha():
        raise GrammarError(
            f"the number alone (found {text!r}): the unit is the metric's own (docs/results.md)"
        )
    raise GrammarError(f"a number (e.g. 250, 0.999, 1.5e3) or `baseline + N%` (found {text!r})")


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace("_", ""))
    except InvalidOperation:  # the pattern admits only numbers; kept for safety
        raise GrammarError(f"a number (found {text!r})") from None
