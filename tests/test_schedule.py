"""Open-loop Poisson schedules, checked over simulated time (no clock)."""

from __future__ import annotations

import itertools
import random

import pytest

from workloads.schedule import PoissonSchedule


def test_due_times_increase_and_average_the_configured_rate() -> None:
    schedule = PoissonSchedule(rate_hz=50.0, start_ns=1_000, rng=random.Random(3))
    times = [schedule.advance() for _ in range(20_000)]
    assert all(b >= a for a, b in itertools.pairwise(times))
    span_s = (times[-1] - 1_000) / 1e9
    assert len(times) / span_s == pytest.approx(50.0, rel=0.03)


def test_the_schedule_does_not_depend_on_when_sends_happen() -> None:
    a = PoissonSchedule(5.0, 0, random.Random(9))
    b = PoissonSchedule(5.0, 0, random.Random(9))
    assert [a.advance() for _ in range(100)] == [b.advance() for _ in range(100)]


def test_gaps_are_exponential_their_spread_equals_their_mean() -> None:
    schedule = PoissonSchedule(10.0, 0, random.Random(1))
    times = [schedule.advance() for _ in range(20_000)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    mean = sum(gaps) / len(gaps)
    sd = (sum((g - mean) ** 2 for g in gaps) / len(gaps)) ** 0.5
    assert sd / mean == pytest.approx(1.0, rel=0.05)


def test_a_non_positive_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_hz"):
        PoissonSchedule(0.0, 0, random.Random(1))
