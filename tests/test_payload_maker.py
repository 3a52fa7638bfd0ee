"""PayloadMaker's bodies against the scenario's distribution (workloads/payload.py): exact sizes
for `fixed`, every size of the range equally often for `uniform`, the stated median and spread
for `lognormal` with its clamps, and bodies that are JSON-safe text of exactly the drawn size."""

from __future__ import annotations

import json
import math
import random
import statistics
import string
from collections import Counter

import pytest

from harness.kernel.payload import Payload
from workloads.payload import PayloadMaker

DRAWS = 20_000
ALPHABET = set(string.ascii_letters + string.digits)


def _sizes(spec: Payload, seed: int = 1, n: int = DRAWS) -> list[int]:
    maker = PayloadMaker(spec, random.Random(seed))
    return [maker.size_bytes() for _ in range(n)]


def test_fixed_bodies_all_have_the_stated_size() -> None:
    maker = PayloadMaker(Payload("fixed", bytes=512), random.Random(4))
    bodies = [maker.body() for _ in range(200)]
    assert {len(b) for b in bodies} == {512}
    # Each body starts at one of 64 random offsets into one text: 200 bodies take most of them.
    assert 50 <= len(set(bodies)) <= 64
    assert all(set(b) <= ALPHABET for b in bodies)
    assert json.loads(json.dumps(bodies[0])) == bodies[0]


def test_uniform_sizes_cover_the_range_inclusive_each_equally_often() -> None:
    sizes = _sizes(Payload("uniform", min_bytes=10, max_bytes=19))
    counts = Counter(sizes)
    assert sorted(counts) == list(range(10, 20))  # both ends included, nothing outside
    for size in range(10, 20):
        # 2,000 expected per size; binomial sd is about 42, so 6 sd is 250.
        assert abs(counts[size] - DRAWS / 10) < 250, (size, counts[size])


def test_uniform_mean_is_the_middle_of_the_range() -> None:
    sizes = _sizes(Payload("uniform", min_bytes=50, max_bytes=250))
    # sd of one draw is about 58; of the mean of 20,000 draws about 0.41.
    assert statistics.fmean(sizes) == pytest.approx(150.0, abs=2.0)


def test_lognormal_sizes_have_the_stated_median_and_log_spread() -> None:
    sizes = _sizes(Payload("lognormal", median_bytes=300, sigma=0.5, max_bytes=1_000_000))
    assert statistics.median(sizes) == pytest.approx(300, rel=0.03)
    logs = [math.log(s) for s in sizes]
    assert statistics.fmean(logs) == pytest.approx(math.log(300), abs=0.02)
    assert statistics.pstdev(logs) == pytest.approx(0.5, rel=0.03)


def test_lognormal_sizes_above_the_maximum_are_clamped_to_it() -> None:
    spec = Payload("lognormal", median_bytes=300, sigma=0.5, max_bytes=400)
    sizes = _sizes(spec)
    assert max(sizes) == 400
    # P(X > 400) = P(Z > ln(400/300) / 0.5) = P(Z > 0.575) = 0.2826; sd of the share is 0.0032.
    share_at_max = sizes.count(400) / DRAWS
    tail = 0.5 * math.erfc(math.log(400 / 300) / 0.5 / math.sqrt(2))
    assert share_at_max == pytest.approx(tail, abs=0.015)


def test_lognormal_sizes_round_to_whole_bytes_and_never_reach_zero() -> None:
    sizes = _sizes(Payload("lognormal", median_bytes=1, sigma=2.0, max_bytes=1000))
    assert min(sizes) == 1
    # Half the draws are below 1 byte (the median); all of them, and those that round to 1, are 1.
    # P(X < 1.5) = P(Z < ln(1.5) / 2) = 0.5803.
    assert sizes.count(1) / DRAWS == pytest.approx(0.5803, abs=0.015)
    # round(), not int(): P(1.5 <= X < 2.5) = P(0.2027 <= Z < 0.4581) = 0.0963.
    assert sizes.count(2) / DRAWS == pytest.approx(0.0963, abs=0.01)


@pytest.mark.parametrize(
    "spec",
    [
        Payload("fixed", bytes=4096),
        Payload("uniform", min_bytes=1, max_bytes=4096),
        Payload("lognormal", median_bytes=2048, sigma=3.0, max_bytes=4096),
    ],
    ids=["fixed", "uniform", "lognormal"],
)
def test_every_body_has_exactly_its_drawn_size_up_to_the_largest(spec: Payload) -> None:
    """The text bodies are cut from is long enough for the largest size at any offset."""
    rng = random.Random(8)
    maker = PayloadMaker(spec, rng)
    for _ in range(2_000):
        state = rng.getstate()
        expected = maker.size_bytes()
        rng.setstate(state)
        body = maker.body()
        assert len(body) == expected
        assert set(body) <= ALPHABET


def test_the_same_seed_makes_the_same_bodies() -> None:
    spec = Payload("uniform", min_bytes=5, max_bytes=500)
    a = PayloadMaker(spec, random.Random(21))
    b = PayloadMaker(spec, random.Random(21))
    assert [a.body() for _ in range(100)] == [b.body() for _ in range(100)]
