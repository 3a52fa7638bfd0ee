"""Who is who in a scenario: global user indices, chat pairs, group rooms, and which generator runs whom."""

from __future__ import annotations

from dataclasses import dataclass

from harness.kernel import records
from harness.kernel.slots import MediaRole, Slot
from harness.scenario import Scenario


def layout_slots(scenario: Scenario) -> list[Slot]:
    """Every simulated user of the scenario. Chat users pair up as (2k, 2k+1); rooms fill in order."""
    slots: list[Slot] = []
    room = 0
    for workload in scenario.workloads:
        base = len(slots)
        for i in range(workload.users):
            user = base + i
            if workload.kind == "chat":
                slots.append(
                    Slot(
                        user,
                        records.KIND_CHAT,
                        base + (i ^ 1),
                        workload.send_rate_per_user_hz,
                        workload.payload,
                    )
                )
            else:
                target = room + i // workload.room_size
                slots.append(
                    Slot(
                        user,
                        records.KIND_GROUP,
                        target,
                        workload.send_rate_per_user_hz,
                        workload.payload,
                    )
                )
        if workload.kind == "group":
            room += workload.users // workload.room_size
    return slots


def split_slots(slots: list[Slot], processes: int) -> list[list[Slot]]:
    """Deal users round-robin to generator processes so each gets a similar mix and rate."""
    return [slots[g::processes] for g in range(processes)]


def split_count(total: int, parts: int) -> list[tuple[int, int]]:
    """(first, count) of `parts` contiguous shares of `total`, as even as possible, none empty."""
    parts = max(1, min(parts, total))
    base, extra = divmod(total, parts)
    shares, first = [], 0
    for i in range(parts):
        count = base + (1 if i < extra else 0)
        shares.append((first, count))
        first += count
    return shares


@dataclass(frozen=True)
class MediaShare:
    """What one media driver process simulates: a share of one media workload's peers."""

    workload: int
    """Index into the scenario's media workloads."""
    role: MediaRole
    first_peer: int
    peers: int
    room_size: int


def media_shares(scenario: Scenario) -> list[MediaShare]:
    """Media driver processes to start, in order (the g-th share is driver `media-<g>`).

    A call splits its participants over the workload's processes in whole rooms where it can; a
    broadcast runs its publishers (one per room) in one process and splits the viewers.
    """
    shares: list[MediaShare] = []
    for index, media in enumerate(scenario.media):
        if media.mode == "call":
            rooms = media.users // media.room_size
            for first, count in split_count(rooms, media.processes):
                shares.append(
                    MediaShare(
                        index,
                        MediaRole.PARTICIPANT,
                        first * media.room_size,
                        count * media.room_size,
                        media.room_size,
                    )
                )
        else:
            shares.append(MediaShare(index, MediaRole.PUBLISHER, 0, media.publishers, 1))
            for first, count in split_count(media.users, media.processes):
                shares.append(MediaShare(index, MediaRole.VIEWER, first, count, media.room_size))
    return shares


def media_targets_mbps(scenario: Scenario) -> dict[int, float]:
    """Target Mbps per published video stream, by media driver index."""
    return {
        g: scenario.media[share.workload].bitrate_mbps
        for g, share in enumerate(media_shares(scenario))
    }


@dataclass(frozen=True)
class Population:
    """The messaging users a backend must provision: every user, the chat pairs, the rooms."""

    users: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]
    """Chat partners (low, high), each pair once."""
    rooms: dict[int, tuple[int, ...]]
    """Group room index -> its members."""


def population(scenario: Scenario) -> Population:
    slots = layout_slots(scenario)
    pairs = sorted(
        {tuple(sorted((s.user, s.target))) for s in slots if s.kind == records.KIND_CHAT}
    )
    rooms: dict[int, list[int]] = {}
    for s in slots:
        if s.kind == records.KIND_GROUP:
            rooms.setdefault(s.target, []).append(s.user)
    return Population(
        users=tuple(s.user for s in slots),
        pairs=tuple((a, b) for a, b in pairs),
        rooms={room: tuple(members) for room, members in rooms.items()},
    )
