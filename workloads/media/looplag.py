"""Event-loop lag of a media driver: the self-check that tells a saturated generator apart.

A probe sleeps `period_s` over and over and keeps how late each wake-up came. One asyncio loop
carries every RTP/SRTP packet of the process, so a lagging loop means paced senders fall behind
and receive buffers overflow — the run then describes the generator, not the backend.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

PROBE_PERIOD_S = 0.05


@dataclass(frozen=True)
class LoopLag:
    """Event-loop lag over one sampling interval (written as `media.loop`)."""

    t_s: float
    wall_utc_s: float
    probes: int
    lag_ms_max: float
    lag_ms_mean: float
    track_restarts: int
    """Packet-loop tracks that fell more than 0.5 s behind and restarted their schedule (cumulative)."""


def summarize_lag(
    lags_s: list[float], t_s: float, wall_utc_s: float, track_restarts: int
) -> LoopLag:
    """Pure: the interval's record from the probe's lateness values (seconds)."""
    n = len(lags_s)
    return LoopLag(
        t_s=t_s,
        wall_utc_s=wall_utc_s,
        probes=n,
        lag_ms_max=1000.0 * max(lags_s, default=0.0),
        lag_ms_mean=1000.0 * sum(lags_s) / n if n else 0.0,
        track_restarts=track_restarts,
    )


class LagProbe:
    """Collects wake-up lateness until `take()` hands the values over."""

    def __init__(self, period_s: float = PROBE_PERIOD_S) -> None:
        self.period_s = period_s
        self._lags_s: list[float] = []

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            due_s = loop.time() + self.period_s
            await asyncio.sleep(self.period_s)
            self._lags_s.append(max(0.0, loop.time() - due_s))

    def take(self) -> list[float]:
        lags, self._lags_s = self._lags_s, []
        return lags
