"""Message body size distributions, as a scenario states them (`[[workload]] payload = {...}`)."""

from __future__ import annotations

from dataclasses import dataclass

PAYLOAD_DISTRIBUTIONS = ("fixed", "uniform", "lognormal")
MAX_PAYLOAD_BYTES = 1_000_000


@dataclass(frozen=True)
class Payload:
    """Message body size distribution, in bytes."""

    distribution: str
    bytes: int = 0
    min_bytes: int = 0
    max_bytes: int = 0
    median_bytes: int = 0
    sigma: float = 0.0
