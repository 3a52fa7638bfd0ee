"""Message bodies of a configured size distribution, cheap to produce (slices of one random text)."""

from __future__ import annotations

import math
import random
import string

from harness.kernel.payload import Payload

_ALPHABET = string.ascii_letters + string.digits


class PayloadMaker:
    """Draws body sizes from a `Payload` distribution and returns JSON-safe bodies of that size."""

    def __init__(self, spec: Payload, rng: random.Random) -> None:
        self.spec = spec
        self._rng = rng
        largest = max(spec.bytes, spec.max_bytes, spec.min_bytes, 1)
        self._text = "".join(rng.choice(_ALPHABET) for _ in range(largest + 64))

    def size_bytes(self) -> int:
        spec = self.spec
        if spec.distribution == "fixed":
            return spec.bytes
        if spec.distribution == "uniform":
            return self._rng.randint(spec.min_bytes, spec.max_bytes)
        drawn = self._rng.lognormvariate(math.log(spec.median_bytes), spec.sigma)
        return max(1, min(spec.max_bytes, round(drawn)))

    def body(self) -> str:
        """A body of a freshly drawn size, starting at a random offset so bodies differ."""
        n = self.size_bytes()
        start = self._rng.randrange(64)
        return self._text[start : start + n]
