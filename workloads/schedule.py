"""Open-loop Poisson send schedules: when each message is due, independent of how the last one went."""

from __future__ import annotations

import random


class PoissonSchedule:
    """Send times of a Poisson process of `rate_hz`, starting after `start_ns`.

    Open loop: the schedule never waits for a response; a sender that falls behind sends
    late (and the lateness is recorded) but keeps the schedule.
    """

    def __init__(self, rate_hz: float, start_ns: int, rng: random.Random) -> None:
        if rate_hz <= 0:
            raise ValueError(f"rate_hz must be > 0, got {rate_hz}")
        self._rate_per_ns = rate_hz / 1e9
        self._rng = rng
        self.next_ns = start_ns + self._gap_ns()

    def _gap_ns(self) -> int:
        return int(self._rng.expovariate(self._rate_per_ns))

    def advance(self) -> int:
        """Return the current due time and move to the next one."""
        due = self.next_ns
        self.next_ns = due + self._gap_ns()
        return due
