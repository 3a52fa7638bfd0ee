"""The claims grammar (harness.claims.grammar): a table of expressions and what they parse to, and a
table of malformed ones and what the error says is accepted (k6's thresholds_parser_test style)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from harness.claims.grammar import (
    BaselineBound,
    CostSubject,
    Expression,
    GrammarError,
    Limit,
    MetricSubject,
    Op,
    parse_expression,
)


def _m(ref: str, op: Op, bound: Limit | BaselineBound, text: str) -> Expression:
    return Expression(MetricSubject(ref), op, bound, text)


@pytest.mark.parametrize(
    ("case", "text", "parsed"),
    [
        (
            "a percentile of a distribution under a ceiling",
            "chat.e2e_latency_ms.p99 < 250",
            _m(
                "chat.e2e_latency_ms.p99",
                Op.LT,
                Limit(Decimal(250)),
                "chat.e2e_latency_ms.p99 < 250",
            ),
        ),
        (
            "a value over a floor, the number kept exactly",
            "messaging.delivery_ratio >= 0.999",
            _m(
                "messaging.delivery_ratio",
                Op.GE,
                Limit(Decimal("0.999")),
                "messaging.delivery_ratio >= 0.999",
            ),
        ),
        (
            "whitespace is free, and none is needed",
            "  video.recv_mbps_per_stream.min>=1.4 ",
            _m(
                "video.recv_mbps_per_stream.min",
                Op.GE,
                Limit(Decimal("1.4")),
                "video.recv_mbps_per_stream.min>=1.4",
            ),
        ),
        (
            "underscores between digits and an exponent",
            "wire.bytes_total <= 1_500e3",
            _m("wire.bytes_total", Op.LE, Limit(Decimal("1500e3")), "wire.bytes_total <= 1_500e3"),
        ),
        (
            "a relative regression bound",
            "backend.cpu_core_s_per_1k_delivered_msgs <= baseline + 10%",
            _m(
                "backend.cpu_core_s_per_1k_delivered_msgs",
                Op.LE,
                BaselineBound(Decimal(10), percent=True),
                "backend.cpu_core_s_per_1k_delivered_msgs <= baseline + 10%",
            ),
        ),
        (
            "a relative bound below the baseline, for a figure better higher",
            "messaging.delivery_ratio >= baseline - 0.5%",
            _m(
                "messaging.delivery_ratio",
                Op.GE,
                BaselineBound(Decimal("-0.5"), percent=True),
                "messaging.delivery_ratio >= baseline - 0.5%",
            ),
        ),
        (
            "an absolute regression bound in the metric's unit",
            "chat.e2e_latency_ms.p95 < baseline+2",
            _m(
                "chat.e2e_latency_ms.p95",
                Op.LT,
                BaselineBound(Decimal(2), percent=False),
                "chat.e2e_latency_ms.p95 < baseline+2",
            ),
        ),
        (
            "a bare baseline allows no change",
            "wire.bytes_per_sent_msg <= baseline",
            _m(
                "wire.bytes_per_sent_msg",
                Op.LE,
                BaselineBound(Decimal(0), percent=False),
                "wire.bytes_per_sent_msg <= baseline",
            ),
        ),
        (
            "a cost names its sheet (with hyphens) and its figure",
            "cost.agora-rtc.usd_per_ccu_month < 0.40",
            Expression(
                CostSubject("agora-rtc", "usd_per_ccu_month"),
                Op.LT,
                Limit(Decimal("0.40")),
                "cost.agora-rtc.usd_per_ccu_month < 0.40",
            ),
        ),
    ],
)
def test_a_well_formed_expression_parses_to_its_parts(
    case: str, text: str, parsed: Expression
) -> None:
    assert parse_expression(text) == parsed


@pytest.mark.parametrize(
    ("case", "text", "says"),
    [
        (
            "an empty expression shows the form",
            "  ",
            "an expression: <metric>[.<statistic>] <op> <bound>",
        ),
        (
            "a missing operator is named",
            "chat.e2e_latency_ms.p99 250",
            "a comparison after 'chat.e2e_latency_ms.p99': <, <=, > or >= (found '250')",
        ),
        ("equality is refused for measured floats", "messaging.lost == 0", "'==' is not accepted"),
        ("a single = is refused too", "messaging.lost = 0", "'=' is not accepted"),
        ("a missing bound is named", "messaging.lost <=", "a number or `baseline + N%` after '<='"),
        (
            "a percentage without a baseline says where it belongs",
            "wire.bytes_total < 10%",
            "a percentage needs a baseline: `< baseline + 10%`",
        ),
        (
            "a unit after the number is refused: it is the metric's",
            "chat.e2e_latency_ms.p99 < 250 ms",
            "the number alone (found '250 ms')",
        ),
        (
            "arithmetic on the baseline other than ± is refused",
            "wire.bytes_total < baseline * 2",
            "after 'baseline': nothing, or + / - a number",
        ),
        (
            "a word where the number goes",
            "wire.bytes_total < lots",
            "a number (e.g. 250, 0.999, 1.5e3) or `baseline + N%` (found 'lots')",
        ),
        ("an expression must start with a name", "< 250", "must start with a metric"),
        (
            "a cost needs a sheet and a figure",
            "cost.agora-rtc < 1",
            "a cost is cost.<sheet-id>.<figure>",
        ),
        (
            "a cost compares with a number, not a baseline",
            "cost.agora-rtc.monthly_usd < baseline + 5%",
            "a cost claim compares with a number",
        ),
        ("an empty name part is refused", "chat..p99 < 1", "has an empty name part"),
    ],
)
def test_a_malformed_expression_says_what_is_accepted(case: str, text: str, says: str) -> None:
    with pytest.raises(GrammarError) as err:
        parse_expression(text)
    assert says in str(err.value)


@pytest.mark.parametrize(
    ("op", "left", "right", "holds"),
    [
        (Op.LT, 1.0, 2.0, True),
        (Op.LT, 2.0, 2.0, False),
        (Op.LE, 2.0, 2.0, True),
        (Op.GT, 2.0, 2.0, False),
        (Op.GE, 2.0, 2.0, True),
        (Op.GT, Decimal("0.41"), Decimal("0.40"), True),
    ],
)
def test_an_operator_holds_exactly_as_written(
    op: Op, left: float, right: float, holds: bool
) -> None:
    assert op.holds(left, right) is holds


@pytest.mark.parametrize(
    ("bound", "base", "applied"),
    [
        (BaselineBound(Decimal(10), percent=True), 200.0, 220.0),
        (BaselineBound(Decimal(-5), percent=True), 1.0, 0.95),
        (BaselineBound(Decimal(2), percent=False), 3.5, 5.5),
        (BaselineBound(Decimal(0), percent=False), 7.0, 7.0),
    ],
)
def test_a_baseline_bound_moves_the_baseline_figure(
    bound: BaselineBound, base: float, applied: float
) -> None:
    assert bound.applied(base) == pytest.approx(applied, rel=1e-12)
