"""Is a run beyond a bound set by its baseline? A rank test on per-block values. Pure.

As benchstat and Google Benchmark's compare.py do, run and baseline are compared with the
Mann–Whitney U test (scipy), which assumes nothing about the shape of the noise; unlike them, the
null hypothesis is not "no change" but "within the bound": the baseline's blocks are first moved to
the bound (`baseline + 10%` scales them by 1.10, `baseline + 2` adds 2) and the one-sided test asks
whether the run's blocks lie beyond them (above for a `<`/`<=` claim, below for `>`/`>=`). A small
p is evidence that the change exceeds the bound, not merely that something changed.

The change is the Hodges–Lehmann estimate — the median of every run/baseline pair's ratio (or
difference, for an absolute bound) — with its distribution-free 95 % interval from the order
statistics of those pairs (Moses), which is the interval consistent with the same U test.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np

from harness.claims.blocks import Values
from harness.claims.grammar import BaselineBound, Op

ALPHA = 0.05
"""Significance level of the one-sided test (benchstat's and compare.py's default)."""
CONFIDENCE = 0.95
EXACT_PAIRS_MAX = 2500
"""Up to this many run × baseline pairs the interval uses U's exact null distribution."""


@dataclass(frozen=True)
class Shift:
    """Where the run's blocks sit against the baseline's."""

    change: float
    """Relative bound: run ÷ baseline − 1 (0.1 is +10 %); absolute: run − baseline, in the unit."""
    low: float
    high: float
    """The 95 % interval of `change` (±inf when too few blocks bound it)."""
    p_beyond: float
    """One-sided p that the run lies beyond the bound (small: it does)."""
    n_run: int
    n_base: int

    def within(self, bound: BaselineBound, op: Op) -> bool:
        """Whether the estimated change satisfies the claim."""
        limit = float(bound.delta) / 100 if bound.percent else float(bound.delta)
        return op.holds(self.change, limit)


class NotComparable(ValueError):
    """The blocks cannot be compared this way (a relative bound over non-positive values)."""


def compare(run: Values, base: Values, bound: BaselineBound, op: Op) -> Shift:
    """The change of `run` against `base`, and how likely it is to lie beyond `bound`."""
    if bound.percent and ((run <= 0).any() or (base <= 0).any()):
        raise NotComparable("a relative bound needs positive values in every block")
    from scipy.stats import mannwhitneyu  # scipy.stats takes a second to import: only when used

    moved = [bound.applied(float(b)) for b in base]
    side: Literal["greater", "less"] = "greater" if op.ceiling else "less"
    p = float(mannwhitneyu(run.tolist(), moved, alternative=side, method="auto").pvalue)
    if bound.percent:
        pairs = np.sort(run[:, None] / base[None, :] - 1, axis=None)
    else:
        pairs = np.sort(run[:, None] - base[None, :], axis=None)
    low, high = _interval(pairs, len(run), len(base))
    return Shift(float(np.median(pairs)), low, high, p, len(run), len(base))


def _interval(pairs: Values, n: int, m: int) -> tuple[float, float]:
    """Moses' interval: the k-th smallest and k-th largest pair, k from U's null distribution."""
    k = _rank_for(n, m, (1 - CONFIDENCE) / 2)
    if k < 1:
        return -math.inf, math.inf
    return float(pairs[k - 1]), float(pairs[len(pairs) - k])


def _rank_for(n: int, m: int, tail: float) -> int:
    """The largest k with P(U <= k − 1) <= tail under the null (0: no such k)."""
    if n * m > EXACT_PAIRS_MAX:
        z = _normal_quantile(1 - tail)
        return max(0, math.floor(n * m / 2 - z * math.sqrt(n * m * (n + m + 1) / 12)))
    total = math.comb(n + m, n)
    cdf = [count / total for count in itertools.accumulate(_u_counts(n, m))]
    return bisect.bisect_right(cdf, tail)


@cache
def _u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many of the C(n+m, n) orderings of n run and m baseline values give U = 0, 1, ..., nm
    (the recurrence: the largest value is a run value, adding m to U, or a baseline value)."""
    if n == 0 or m == 0:
        return (1,)
    with_run = (0,) * m + _u_counts(n - 1, m)
    with_base = _u_counts(n, m - 1) + (0,) * n
    return tuple(a + b for a, b in zip(with_run, with_base, strict=True))


def _normal_quantile(q: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(q))
