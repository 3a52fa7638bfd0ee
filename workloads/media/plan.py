"""Who a media driver process simulates: peer names, rooms, and what each peer publishes and
subscribes to. Pure: the orchestrator and the tests can compute the same plan without a network.

Roles:
- `participant`: publishes and subscribes to every other publisher in its room (1:1, group of k);
- `publisher`:  publishes only (the broadcaster of a live room);
- `viewer`:     subscribes only, to every publisher of its room (broadcast audience).

The `k`-th peer of a role (counting from `first_peer`) is named `<role-prefix><k>` and joins room
`<room_prefix><k // room_size>`, so several driver processes split one population by giving each
its own `first_peer` range.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.kernel.errors import BadInput
from harness.kernel.slots import MediaRole

ROLES = tuple(MediaRole)
_PREFIX = {MediaRole.PARTICIPANT: "p", MediaRole.PUBLISHER: "pub", MediaRole.VIEWER: "v"}


@dataclass(frozen=True)
class PlannedPeer:
    peer: str
    room: str
    publishes: bool
    subscribes: bool


def plan_peers(
    role: str, peers: int, room_size: int, first_peer: int = 0, room_prefix: str = "room"
) -> list[PlannedPeer]:
    """The peers of one driver process, in join order."""
    if role not in ROLES:
        raise BadInput("media driver", "role", role, f"one of {', '.join(ROLES)}")
    kind = MediaRole(role)
    if peers < 1 or room_size < 1 or first_peer < 0:
        raise BadInput(
            "media driver",
            "peers/room_size/first_peer",
            (peers, room_size, first_peer),
            "peers ≥ 1, room_size ≥ 1, first_peer ≥ 0",
        )
    return [
        PlannedPeer(
            peer=f"{_PREFIX[kind]}{k}",
            room=f"{room_prefix}{k // room_size}",
            publishes=kind.publishes,
            subscribes=kind.subscribes,
        )
        for k in range(first_peer, first_peer + peers)
    ]


def expected_publishers(role: str, room_size: int, publishers_per_room: int | None) -> int:
    """How many publishers a subscribing peer waits for in its room (itself included)."""
    if publishers_per_room is not None:
        return publishers_per_room
    return room_size if role == MediaRole.PARTICIPANT else 1


def expected_egress_mbps(
    publishers: int, subscribers_per_publisher: int, bitrate_bps: float
) -> float:
    """SFU egress a room should produce: per-track bitrate × published tracks × subscribers."""
    return publishers * subscribers_per_publisher * bitrate_bps / 1e6
