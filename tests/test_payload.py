"""Message bodies follow the scenario's size distribution: checked statistically, with fixed seeds.

20 000 draws each; every tolerance below is several standard errors wide yet far tighter than the
mistake it guards (a "uniform" that always returns the minimum, a lognormal centred elsewhere, a
clamp that lets bodies past `max_bytes`).
"""

from __future__ import annotations

import json
import math
import random
import statistics

from harness.kernel.payload import Payload
from workloads.payload import PayloadMaker

DRAWS = 20_000


def sizes(spec: Payload, seed: int = 7) -> list[int]:
    maker = PayloadMaker(spec, random.Random(seed))
    return [maker.size_bytes() for _ in range(DRAWS)]


def test_a_fixed_size_is_exact_for_every_body() -> None:
    maker = PayloadMaker(Payload("fixed", bytes=150), random.Random(1))
    bodies = [maker.body() for _ in range(1_000)]
    assert {len(b) for b in bodies} == {150}
    assert len(set(bodies)) > 1, "bodies start at random offsets, so they differ"


def test_a_uniform_size_covers_its_whole_range_evenly() -> None:
    drawn = sizes(Payload("uniform", min_bytes=50, max_bytes=250))
    assert min(drawn) == 50 and max(drawn) == 250  # both ends reached, nothing outside
    # mean of U{50..250} is 150; its sd is sqrt((201² − 1) / 12) = 58.0, the mean's sd 0.41
    assert abs(statistics.fmean(drawn) - 150) < 2.0
    assert abs(statistics.pstdev(drawn) - 58.02) < 1.5
    # 201 values in four bins of 50 sizes (plus 250 in the last): each about a quarter
    bins = [sum(lo <= s < lo + 50 for s in drawn) for lo in (50, 100, 150, 200)]
    bins[-1] += drawn.count(250)
    for count in bins:  # binomial sd of one bin: sqrt(20 000 × 0.25 × 0.75) = 61
        assert abs(count - DRAWS * 50 / 201) < 300, bins


def test_a_lognormal_size_has_the_scenarios_median_and_spread() -> None:
    drawn = sizes(Payload("lognormal", median_bytes=200, sigma=0.5, max_bytes=100_000))
    # sample median's sd ≈ 1.2533 × 0.5 × 200 / sqrt(20 000) = 0.9 bytes
    assert abs(statistics.median(drawn) - 200) <= 5
    logs = [math.log(s) for s in drawn]
    assert abs(statistics.pstdev(logs) - 0.5) < 0.02  # sd of ln(size) is sigma
    # mean of a lognormal is median × exp(sigma² / 2) = 200 × 1.1331 = 226.6
    assert abs(statistics.fmean(drawn) - 226.6) < 3


def test_a_lognormal_size_is_clamped_at_max_bytes_and_never_below_one() -> None:
    drawn = sizes(Payload("lognormal", median_bytes=200, sigma=2.0, max_bytes=300))
    assert max(drawn) == 300 and min(drawn) >= 1
    # P(size > 300) = 1 − Φ(ln(300 / 200) / 2) = 1 − Φ(0.2027) = 0.4197: clamped, not redrawn
    assert abs(drawn.count(300) / DRAWS - 0.4197) < 0.015


def test_bodies_have_the_distributions_sizes_and_are_json_safe() -> None:
    maker = PayloadMaker(Payload("uniform", min_bytes=1, max_bytes=4_000), random.Random(3))
    bodies = [maker.body() for _ in range(5_000)]
    lengths = [len(b) for b in bodies]
    # U{1..4000}: mean 2000.5, the mean's sd 1155 / sqrt(5000) = 16
    assert min(lengths) >= 1 and max(lengths) <= 4_000
    assert abs(statistics.fmean(lengths) - 2000.5) < 70
    assert all(json.loads(json.dumps({"body": b}))["body"] == b and '"' not in b for b in bodies)
