"""Who is who in a scenario: global user indices, chat pairs, group rooms, and which generator runs whom."""

from __future__ import annotations

from harness import records
from harness.scenario import Scenario
from workloads.messaging import Slot


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
