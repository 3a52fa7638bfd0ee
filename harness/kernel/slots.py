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
