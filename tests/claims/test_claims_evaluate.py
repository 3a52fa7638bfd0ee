"""Judging claims (harness.claims.evaluate, harness.claims.outcome) on evidence built from the
kernel's own types — a Summary of Figures, host facts, per-block values, a bill's figures — so
that every rule is checked on its own: no data is never a pass, an invalid run passes nothing,
a lower-bound cost settles only what it can, a baseline from another host does not judge CPU."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from harness.claims.claimsfile import Claim
from harness.claims.evaluate import CostFigures, Evidence, evaluate, judge
from harness.claims.evidence import sheet_categories
from harness.claims.grammar import parse_expression
from harness.claims.outcome import Outcome, exit_code
from harness.claims.validate import Target, validate
from harness.kernel import exitcodes
from harness.kernel.figures import Figure, Stats
from harness.kernel.metric_names import BACKEND, CHAT, GROUP, MESSAGING, WIRE
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary

ANY = Target("any", (), None, sheet_categories(), baseline=True)
HOST = {"hostname": "vm", "cpu_count": 2, "memory_bytes": 25_000_000_000, "kernel": "6.18"}


def claim(text: str, index: int = 0) -> Claim:
    expression = parse_expression(text)
    return Claim(index, text, expression, validate(expression, ANY), "", None)


def figures() -> dict[str, Figure]:
    return {
        f.name: f
        for f in (
            Figure.of_value(MESSAGING.delivery_ratio, 0.99996, 24_000),
            Figure.of_value(MESSAGING.lost, 1, 24_000),
            Figure.of_distribution(
                CHAT.e2e_latency_ms, 8_000, Stats(0.2, 0.55, 0.9, 1.3, 9.0, 0.6)
            ),
            Figure.of_distribution(GROUP.e2e_latency_ms, 0, None),
            Figure.of_value(BACKEND.cpu_core_s_per_1k_delivered_msgs, 0.21, 25),
            Figure.of_value(WIRE.bytes_per_delivered_msg, 544.6, 6_000),
        )
    }


def run(
    metrics: dict[str, Figure] | None = None,
    status: RunStatus = RunStatus.OK,
    net: str = "netns-veth",
    host: dict[str, object] | None = None,
    blocks: dict[str, list[float]] | None = None,
    costs: dict[tuple[str, Path | None], CostFigures] | None = None,
    label: str = "run r1",
) -> Evidence:
    summary = Summary(
        run_id="r1",
        status=status,
        partial=status.partial,
        reasons=("load generator saturated: 97% of a core",) if status is RunStatus.INVALID else (),
        scenario="small",
        backend="embedded",
        media_backend="none",
        net_method=net,
        load_window_s=30.0,
        metrics=figures() if metrics is None else metrics,
    )
    block_arrays = {k: np.array(v) for k, v in (blocks or {}).items()}
    return Evidence(label, summary, HOST if host is None else host, block_arrays, costs=costs or {})


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "text", "outcome", "sentence"),
    [
        (
            "a percentile under its ceiling passes",
            "chat.e2e_latency_ms.p99 < 250",
            Outcome.PASS,
            "Observed 1.3 ms (p99, n = 8,000); claimed < 250 ms.",
        ),
        (
            "a ratio shows the digits that reveal a loss",
            "messaging.delivery_ratio >= 0.99999",
            Outcome.FAIL,
            "Observed 0.99996 (n = 24,000); claimed >= 0.99999.",
        ),
        (
            "a bound that the figure equals holds for <=",
            "messaging.lost <= 1",
            Outcome.PASS,
            "Observed 1 msgs (n = 24,000); claimed <= 1 msgs.",
        ),
        (
            "and fails for <",
            "messaging.lost < 1",
            Outcome.FAIL,
            "Observed 1 msgs (n = 24,000); claimed < 1 msgs.",
        ),
        (
            "a registered metric the run did not produce is inconclusive, never a pass",
            "messaging.duplicates <= 0",
            Outcome.INCONCLUSIVE,
            "No figure: the run produced no messaging.duplicates; claimed <= 0 msgs.",
        ),
        (
            "a distribution without samples is inconclusive",
            "group.e2e_latency_ms.p99 < 250",
            Outcome.INCONCLUSIVE,
            "No figure: the run's group.e2e_latency_ms has no samples (n = 0); claimed < 250 ms.",
        ),
        (
            "a spread the figure lacks is inconclusive",
            "backend.cpu_core_s_per_1k_delivered_msgs.p75 < 1",
            Outcome.INCONCLUSIVE,
            "has no p75 (too few intervals)",
        ),
    ],
)
def test_a_number_claim_compares_the_figure_and_says_so(
    case: str, text: str, outcome: Outcome, sentence: str
) -> None:
    verdict = evaluate(claim(text), run(), None)
    assert verdict.outcome is outcome
    assert sentence in verdict.sentence


@pytest.mark.parametrize(
    ("status", "code", "says"),
    [
        (RunStatus.INVALID, exitcodes.RUN_INVALID, "The run is invalid (load generator saturated"),
        (RunStatus.FAILED, exitcodes.RUN_FAILED, "The run did not complete (status failed"),
        (RunStatus.ABORTED, exitcodes.ABORTED, "The run did not complete (status aborted"),
        (RunStatus.ERROR, exitcodes.HARNESS_ERROR, "The run did not complete (status error"),
    ],
)
def test_a_run_that_is_not_ok_passes_nothing_and_its_own_status_wins(
    status: RunStatus, code: int, says: str
) -> None:
    claims = [claim("chat.e2e_latency_ms.p99 < 250"), claim("messaging.lost < 1", 1)]
    judgement = judge(claims, run(status=status), None)  # would pass and fail on an ok run
    assert [v.outcome for v in judgement.verdicts] == [Outcome.INCONCLUSIVE] * 2
    assert all(says in v.sentence for v in judgement.verdicts)
    assert judgement.exit_code == code


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ([Outcome.PASS, Outcome.PASS], exitcodes.OK),
        ([Outcome.PASS, Outcome.INCONCLUSIVE], exitcodes.CLAIMS_INCONCLUSIVE),
        ([Outcome.INCONCLUSIVE, Outcome.FAIL, Outcome.PASS], exitcodes.CLAIMS_FAILED),
        ([Outcome.FAIL], exitcodes.CLAIMS_FAILED),
    ],
)
def test_claims_that_disagree_end_with_the_documented_precedence(
    outcomes: list[Outcome], code: int
) -> None:
    assert exit_code(RunStatus.OK, outcomes) == code
    assert exit_code(RunStatus.INVALID, outcomes) == exitcodes.RUN_INVALID
    assert exit_code(RunStatus.FAILED, outcomes) == exitcodes.RUN_FAILED


# --- costs ---------------------------------------------------------------------------------------


def bill(coverage: str, value: str | None, eligible: bool = True) -> Evidence:
    figures = {"usd_per_ccu_month": None if value is None else Decimal(value)}
    costs = {
        ("agora-rtc", None): CostFigures(
            "agora-rtc", "default", coverage, eligible, figures, ("no video",)
        )
    }
    return run(costs=costs)


@pytest.mark.parametrize(
    ("case", "text", "evidence", "outcome", "says"),
    [
        (
            "a complete bill under the ceiling passes",
            "< 0.40",
            bill("complete", "0.3125"),
            Outcome.PASS,
            "$0.3125 (complete bill)",
        ),
        (
            "a complete bill over it fails",
            "< 0.40",
            bill("complete", "0.52"),
            Outcome.FAIL,
            "$0.5200 (complete bill)",
        ),
        (
            "a lower bound already over a ceiling fails",
            "< 0.40",
            bill("partial", "0.45"),
            Outcome.FAIL,
            "the lower bound already settles it",
        ),
        (
            "a lower bound exactly at a strict ceiling fails",
            "< 0.40",
            bill("partial", "0.40"),
            Outcome.FAIL,
            "at least $0.4000",
        ),
        (
            "a lower bound under a ceiling cannot settle it",
            "< 0.40",
            bill("partial", "0.31"),
            Outcome.INCONCLUSIVE,
            "a lower bound cannot settle it",
        ),
        (
            "a lower bound over a floor passes",
            "> 0.10",
            bill("partial", "0.31"),
            Outcome.PASS,
            "the lower bound already settles it",
        ),
        (
            "a lower bound under a floor cannot settle it",
            ">= 0.50",
            bill("partial", "0.31"),
            Outcome.INCONCLUSIVE,
            "gaps: no video",
        ),
        (
            "a sheet that bills nothing measured is inconclusive",
            "< 0.40",
            bill("none", None),
            Outcome.INCONCLUSIVE,
            "it bills nothing this run measured",
        ),
        (
            "a sheet no option of which serves the usage is inconclusive",
            "< 0.40",
            bill("complete", "1", eligible=False),
            Outcome.INCONCLUSIVE,
            "no option of the sheet serves this usage",
        ),
    ],
)
def test_a_cost_claim_is_decided_only_as_far_as_the_bill_goes(
    case: str, text: str, evidence: Evidence, outcome: Outcome, says: str
) -> None:
    verdict = evaluate(claim(f"cost.agora-rtc.usd_per_ccu_month {text}"), evidence, None)
    assert verdict.outcome is outcome, verdict.sentence
    assert says in verdict.sentence
    assert "agora-rtc under profile 'default'" in verdict.sentence


# --- regressions ---------------------------------------------------------------------------------

CPU = BACKEND.cpu_core_s_per_1k_delivered_msgs
BASE_BLOCKS = [0.20, 0.21, 0.22, 0.205, 0.215]


def with_cpu(value: float, blocks: list[float], **kw: object) -> Evidence:
    metrics = figures() | {CPU: Figure.of_value(CPU, value, 25)}
    return run(metrics=metrics, blocks={CPU: blocks}, **kw)  # type: ignore[arg-type]


BASELINE = with_cpu(0.21, BASE_BLOCKS, label="baseline base (run r0)")


@pytest.mark.parametrize(
    ("case", "blocks", "outcome", "says"),
    [
        (
            "a rerun within the bound passes",
            [0.21, 0.205, 0.22, 0.215, 0.2],
            Outcome.PASS,
            "within the bound",
        ),
        (
            "a run 50 % costlier fails with its p",
            [0.31, 0.32, 0.30, 0.33, 0.315],
            Outcome.FAIL,
            "p(beyond +10.0%) = 0.004",
        ),
        (
            "beyond the bound but too noisy to tell is inconclusive",
            [0.14, 0.35, 0.19, 0.30, 0.26],
            Outcome.INCONCLUSIVE,
            "beyond the bound but not significantly",
        ),
        (
            "too few blocks are inconclusive",
            [0.31, 0.32, 0.30],
            Outcome.INCONCLUSIVE,
            "too few 5 s blocks to compare (3 in the run, 5 in the baseline",
        ),
    ],
)
def test_a_per_interval_regression_is_judged_block_by_block(
    case: str, blocks: list[float], outcome: Outcome, says: str
) -> None:
    verdict = evaluate(claim(f"{CPU} <= baseline + 10%"), with_cpu(0.3, blocks), BASELINE)
    assert verdict.outcome is outcome, verdict.sentence
    assert says in verdict.sentence
    assert "Observed 0.3 vs 0.21 core_s/1k_msgs in the baseline base (run r0)" in verdict.sentence


def test_a_whole_run_figure_is_compared_directly_with_the_bound() -> None:
    wire = WIRE.bytes_per_delivered_msg
    base = run(label="baseline base (run r0)")
    at_bound = run(metrics=figures() | {wire: Figure.of_value(wire, 544.6 * 1.1, 6_000)})
    over = run(metrics=figures() | {wire: Figure.of_value(wire, 544.6 * 1.11, 6_000)})
    passed = evaluate(claim(f"{wire} <= baseline + 10%"), at_bound, base)
    assert passed.outcome is Outcome.PASS
    assert "+10.0%, whole-run figures compared directly" in passed.sentence
    assert evaluate(claim(f"{wire} <= baseline + 10%"), over, base).outcome is Outcome.FAIL


def test_cpu_and_time_against_a_baseline_from_another_host_are_inconclusive() -> None:
    elsewhere = {**HOST, "hostname": "ci-7", "cpu_count": 4}
    mine = with_cpu(0.5, [0.5] * 5, host=elsewhere)
    for text in (f"{CPU} <= baseline + 10%", "chat.e2e_latency_ms.p50 <= baseline + 10%"):
        verdict = evaluate(claim(text), mine, BASELINE)
        assert verdict.outcome is Outcome.INCONCLUSIVE
        assert "ran on another host (hostname 'vm' ≠ 'ci-7', cpu_count 2 ≠ 4)" in verdict.sentence
    wire = evaluate(claim(f"{WIRE.bytes_per_delivered_msg} <= baseline + 10%"), mine, BASELINE)
    assert wire.outcome is Outcome.PASS  # bytes do not depend on the host


def test_a_baseline_measured_another_way_is_not_compared() -> None:
    loopback = with_cpu(0.21, BASE_BLOCKS, net="loopback-shared")
    verdict = evaluate(
        claim(f"{WIRE.bytes_per_delivered_msg} <= baseline + 10%"), loopback, BASELINE
    )
    assert verdict.outcome is Outcome.INCONCLUSIVE
    assert "measured over netns-veth, this run over loopback-shared" in verdict.sentence


def test_a_baseline_that_is_not_ok_is_not_a_baseline() -> None:
    bad = with_cpu(0.21, BASE_BLOCKS, status=RunStatus.INVALID, label="baseline run r0")
    verdict = evaluate(claim(f"{CPU} <= baseline + 10%"), with_cpu(0.21, BASE_BLOCKS), bad)
    assert verdict.outcome is Outcome.INCONCLUSIVE
    assert "The baseline run r0 is invalid, not a baseline" in verdict.sentence


# --- the host's speed -----------------------------------------------------------------------------

GEN_BLOCKS = [0.10, 0.102, 0.098, 0.101, 0.099]
CODE = {"git": "f82ebb7", "packages": {"locust": "2.37.0"}}


def timed(blocks: list[float], control: list[float], **kw: object) -> Evidence:
    """A run whose CPU blocks are read against the generator's CPU per message in each block."""
    mine = with_cpu(float(np.median(blocks)), blocks, **kw)
    ratios = np.array(blocks) / np.array(control)
    return replace(mine, adjusted={CPU: ratios}, control=np.array(control), generator_code=CODE)


TIMED_BASELINE = timed(BASE_BLOCKS, GEN_BLOCKS, label="baseline base (run r0)")


def test_a_host_25pct_slower_for_the_whole_run_does_not_read_as_a_heavier_backend() -> None:
    slower = timed([1.25 * b for b in BASE_BLOCKS[::-1]], [1.25 * g for g in GEN_BLOCKS])
    verdict = evaluate(claim(f"{CPU} <= baseline + 10%"), slower, TIMED_BASELINE)
    assert verdict.outcome is Outcome.PASS, verdict.sentence
    assert verdict.host_change == pytest.approx(0.25)
    assert (
        "each over the generator's CPU per message in the block (the host's speed: the generator "
        "used +25.0% CPU per message against the baseline's) — within the bound"
    ) in verdict.sentence
    raw = evaluate(claim(f"{CPU} <= baseline + 10%"), replace(slower, control=None), TIMED_BASELINE)
    assert raw.outcome is not Outcome.PASS  # as measured, the same blocks are +25 %
    assert raw.host_change is None
    assert "; not adjusted for the host's speed (no generator CPU per block)" in raw.sentence


def test_a_backend_50pct_heavier_on_an_unchanged_host_still_fails_significantly() -> None:
    heavier = timed([1.5 * b for b in BASE_BLOCKS], GEN_BLOCKS[::-1])
    verdict = evaluate(claim(f"{CPU} <= baseline + 10%"), heavier, TIMED_BASELINE)
    assert verdict.outcome is Outcome.FAIL, verdict.sentence
    assert verdict.shift is not None and verdict.shift.change == pytest.approx(0.5, abs=0.05)
    assert verdict.shift.p_beyond < 0.05
    assert "+0.0% CPU per message against the baseline's" in verdict.sentence


def test_the_host_adjustment_needs_the_same_generator_code_and_enough_controlled_blocks() -> None:
    slower = timed([1.25 * b for b in BASE_BLOCKS[::-1]], [1.25 * g for g in GEN_BLOCKS])
    other = replace(slower, generator_code={**CODE, "git": "0badc0d"})
    verdict = evaluate(claim(f"{CPU} <= baseline + 10%"), other, TIMED_BASELINE)
    assert verdict.host_change is None and verdict.outcome is not Outcome.PASS
    assert (
        "not adjusted for the host's speed (the baseline base (run r0)'s generator ran other "
        "code: git commit or packages differ)"
    ) in verdict.sentence
    few = replace(slower, adjusted={CPU: np.array([1.0, 1.0, 1.0])})
    short = evaluate(claim(f"{CPU} <= baseline + 10%"), few, TIMED_BASELINE)
    assert "not adjusted for the host's speed (too few blocks with generator CPU)" in short.sentence
    wire = f"{WIRE.bytes_per_delivered_msg} <= baseline + 10%"
    assert "host" not in evaluate(claim(wire), slower, TIMED_BASELINE).sentence
