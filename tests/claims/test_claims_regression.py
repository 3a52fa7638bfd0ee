"""The rank test behind regression claims (harness.claims.regression), checked against independent
truths: U's null distribution by brute-force enumeration, the published critical value of the
Mann–Whitney table, the exact p of a complete separation, and the interval's coverage by simulation."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal

import numpy as np
import pytest

from harness.claims.grammar import BaselineBound, Op
from harness.claims.regression import NotComparable, _rank_for, _u_counts, compare

PLUS_10_PCT = BaselineBound(Decimal(10), percent=True)


def _u_by_enumeration(n: int, m: int) -> list[int]:
    """How many orderings of n run and m baseline values give each U (U counts, for every run
    value, the baseline values below it)."""
    counts = [0] * (n * m + 1)
    for run_positions in itertools.combinations(range(n + m), n):
        chosen = set(run_positions)
        u = sum(sum(1 for j in range(i) if j not in chosen) for i in range(n + m) if i in chosen)
        counts[u] += 1
    return counts


@pytest.mark.parametrize(("n", "m"), [(1, 1), (2, 3), (4, 4), (5, 3), (6, 6)])
def test_the_null_distribution_of_u_is_the_count_of_orderings(n: int, m: int) -> None:
    assert list(_u_counts(n, m)) == _u_by_enumeration(n, m)
    assert sum(_u_counts(n, m)) == math.comb(n + m, n)


def test_the_interval_rank_matches_the_published_mann_whitney_table() -> None:
    # Two-tailed α = 0.05 critical values of U (any table): n1 = n2 = 10 → 23, 8 → 13, 5 → 2.
    # The interval uses the (critical value + 1)-th smallest and largest pairs.
    assert _rank_for(10, 10, 0.025) == 24
    assert _rank_for(8, 8, 0.025) == 14
    assert _rank_for(5, 5, 0.025) == 3
    assert _rank_for(3, 3, 0.025) == 0  # too few: no finite 95 % interval


def test_a_run_entirely_beyond_the_bound_has_the_smallest_exact_p() -> None:
    base = np.array([0.20, 0.21, 0.22, 0.19, 0.205])
    run = base * 2
    shift = compare(run, base, PLUS_10_PCT, Op.LE)
    assert shift.p_beyond == pytest.approx(1 / math.comb(10, 5))  # 1/252: every run block above
    assert shift.change == pytest.approx(1.0)  # twice the baseline: +100 %
    assert not shift.within(PLUS_10_PCT, Op.LE)


def test_a_rerun_from_the_same_distribution_is_within_the_bound_and_far_from_significant() -> None:
    rng = np.random.default_rng(7)
    base, run = rng.normal(0.21, 0.01, 9), rng.normal(0.21, 0.01, 9)
    shift = compare(run, base, PLUS_10_PCT, Op.LE)
    assert shift.within(PLUS_10_PCT, Op.LE)
    assert shift.p_beyond > 0.5
    assert shift.low < 0 < shift.high


def test_a_floor_claim_looks_below_the_bound() -> None:
    base = np.array([0.99, 0.995, 0.992, 0.998, 0.991])
    run = base * 0.9  # 10 % lower: beyond a `>= baseline - 5%` floor
    bound = BaselineBound(Decimal(-5), percent=True)
    shift = compare(run, base, bound, Op.GE)
    assert shift.p_beyond == pytest.approx(1 / 252)
    assert shift.change == pytest.approx(-0.1)
    assert not shift.within(bound, Op.GE)
    assert compare(base, base, bound, Op.GE).within(bound, Op.GE)


def test_an_absolute_bound_measures_the_change_in_the_unit() -> None:
    base = np.array([1.0, 1.2, 0.9, 1.1, 1.05])
    run = base + 3.0
    bound = BaselineBound(Decimal(2), percent=False)
    shift = compare(run, base, bound, Op.LT)
    assert shift.change == pytest.approx(3.0)
    assert shift.p_beyond == pytest.approx(1 / 252)


def test_the_95pct_interval_covers_the_true_change_at_least_95pct_of_the_time() -> None:
    rng = np.random.default_rng(2024)
    true_ratio = 1.3
    covered = 0
    trials = 400
    for _ in range(trials):
        base = rng.lognormal(np.log(0.2), 0.08, 8)
        run = rng.lognormal(np.log(0.2 * true_ratio), 0.08, 8)
        shift = compare(run, base, PLUS_10_PCT, Op.LE)
        covered += shift.low <= true_ratio - 1 <= shift.high
    # Exact coverage of Moses' interval for 8 vs 8 is 1 − 2 P(U <= 13) ≈ 0.96; allow sampling error.
    assert covered / trials >= 0.93


def test_a_relative_bound_refuses_values_that_are_not_positive() -> None:
    with pytest.raises(NotComparable):
        compare(np.array([1.0, 0.0, 1.0, 1.0]), np.ones(4), PLUS_10_PCT, Op.LE)


def test_the_interval_ends_are_the_kth_smallest_and_largest_pairs() -> None:
    """5 vs 5 blocks: k = 3 (the critical U of 2, plus one), so the 95 % interval runs from the
    3rd smallest to the 3rd largest of the 25 run − baseline differences."""
    base = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    run = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    differences = sorted(r - b for r in run for b in base)
    shift = compare(run, base, BaselineBound(Decimal(0), percent=False), Op.LE)
    assert (shift.low, shift.high) == (differences[2], differences[-3])
    assert shift.change == differences[12]  # the median of 25 pairs
    wide = compare(run[:3], base[:3], BaselineBound(Decimal(0), percent=False), Op.LE)
    assert (wide.low, wide.high) == (-math.inf, math.inf)  # 3 vs 3 bound no 95 % interval
