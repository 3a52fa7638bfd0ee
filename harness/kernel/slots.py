"""Simulated messaging users as data: who each is and whom it talks to (no Locust, no gevent here).

The orchestrator plans slots and hands them to Locust driver processes as JSON; keeping this module
free of Locust keeps gevent's monkey-patching out of every process but the drivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harness.kernel.payload import Payload


@dataclass(frozen=True)
class Slot:
    """One simulated user: its global index, kind, and peer (chat) or room (group)."""

    user: int
    kind: int
    target: int
    rate_hz: float
    payload: Payload

    def to_list(self) -> list[Any]:
        return [self.user, self.kind, self.target, self.rate_hz, self.payload.__dict__]

    @classmethod
    def from_list(cls, item: list[Any]) -> Slot:
        return cls(item[0], item[1], item[2], item[3], Payload(**item[4]))


@dataclass(frozen=True)
class Arrivals:
    """When each simulated user connects: one after another, evenly over the ramp, in the order of
    their global index (so the users of several generator processes interleave). A ramp of 0 s
    connects everyone at once.

    Locust's own spawning starts `spawn_rate` users in one batch each second, so every second of a
    ramp began with a burst of handshakes that stalled the generator's event loop (measured: 22
    users in one batch, 30–80 ms of loop lag on this machine kind, flagging short runs invalid)."""

    start_ns: int
    step_ns: float

    @classmethod
    def over(cls, start_ns: int, ramp_s: float, users_total: int) -> Arrivals:
        return cls(start_ns, ramp_s * 1e9 / users_total if users_total else 0.0)

    def at_ns(self, slot: Slot) -> int:
        return self.start_ns + int(slot.user * self.step_ns)


class MediaRole(StrEnum):
    """What a media peer does: publish and subscribe (a call), publish only, subscribe only."""

    PARTICIPANT = "participant"
    PUBLISHER = "publisher"
    VIEWER = "viewer"

    @property
    def publishes(self) -> bool:
        return self in (MediaRole.PARTICIPANT, MediaRole.PUBLISHER)

    @property
    def subscribes(self) -> bool:
        return self in (MediaRole.PARTICIPANT, MediaRole.VIEWER)
