"""PayloadMaker (workloads/payload.py) beyond its distributions (tests/test_payload.py): sizes
rounded, not truncated, and never zero; every body exactly its drawn size up to the largest the
spec allows, at any offset; the same seed, the same bodies."""

from __future__ import annotations

import random
import string

import pytest

from harness.kernel.payload import Payload
from workloads.payload import PayloadMaker

DRAWS = 20_000
ALPHABET = set(string.ascii_letters + string.digits)


def _sizes(spec: Payload, seed: int = 1, n: int = DRAWS) -> list[int]:
    maker = PayloadMaker(spec, random.Random(seed))
    return [maker.size_bytes() for _ in range(n)]


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
