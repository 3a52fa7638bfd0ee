"""What simulated messaging users do: 1:1 chat pairs and group rooms, as Locust users.

Each user opens one connection to the backend through the backend's protocol client
(workloads.clients: connect, log in, join its room), then sends on an open-loop Poisson schedule
until the send window closes, and keeps receiving until the run ends.
Every message carries the sender's sequence id and a send timestamp (`time.monotonic_ns()`), so
the receiver records end-to-end latency; loss, duplicates and reordering are counted afterwards.

Users reach measurement only through the `Tally` (record rows and counters) and Locust's
`request` event, which keeps Locust's own stats and web UI meaningful.
"""

from __future__ import annotations

import random
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

import gevent
from locust import User, task

from harness.kernel import records
from harness.kernel.directory import Directory
from harness.kernel.records import RecordFile
from harness.kernel.slots import Arrivals, Slot
from workloads.clients.base import ClientError, open_client
from workloads.payload import PayloadMaker
from workloads.schedule import PoissonSchedule
from workloads.socket_meter import SocketMeter


@dataclass
class Tally:
    """Where users put what they observe: record files plus live counters for progress."""

    sent: RecordFile
    recv: RecordFile
    events: RecordFile
    connected: int = 0
    sent_count: int = 0
    recv_count: int = 0
    latencies_us: list[int] = field(default_factory=list)
    send_lag_max_ns: int = 0
    sockets: SocketMeter = field(default_factory=SocketMeter)
    """TCP counters of every user's connection (the generator's own wire bytes)."""

    def event(self, slot: Slot, name: str, detail: str = "") -> None:
        clean = detail.replace(",", ";").replace("\n", " ")[:200]
        self.events.rows.append(
            (time.monotonic_ns(), slot.user, slot.kind, slot.target, name, clean)
        )


@dataclass
class Plan:
    """Everything the users of one generator process need; built by the driver."""

    directory: Directory
    send_stop_ns: int
    end_ns: int
    seed: int
    tally: Tally
    slots: dict[int, deque[Slot]]
    arrivals: Arrivals


class MessagingUser(User):
    """Base for chat and group users; subclasses set `kind` and the driver binds `plan`."""

    abstract = True
    kind: ClassVar[int] = records.KIND_CHAT
    plan: ClassVar[Plan]

    def on_start(self) -> None:
        plan = self.plan
        self.slot = plan.slots[self.kind].popleft()
        self.closed = False
        wait_s = (plan.arrivals.at_ns(self.slot) - time.monotonic_ns()) / 1e9
        if wait_s > 0:
            gevent.sleep(wait_s)
        self.rng = random.Random(plan.seed * 1_000_003 + self.slot.user)
        self.payload = PayloadMaker(self.slot.payload, self.rng)
        plan.tally.event(self.slot, records.EVENT_CONNECT)
        self.client = open_client(plan.directory, self.slot)
        try:
            self.client.connect()
        except ClientError as exc:
            self.closed = True
            plan.tally.event(self.slot, records.EVENT_ERROR, str(exc))
            return
        plan.tally.connected += 1
        for sock in self._sockets():
            plan.tally.sockets.track(sock)
        plan.tally.event(self.slot, records.EVENT_READY)
        self.receiver = gevent.spawn(self._receive)

    @task
    def converse(self) -> None:
        """Send on schedule until the send window closes, then idle until the run ends."""
        plan, slot, tally = self.plan, self.slot, self.plan.tally
        if not self.closed:
            schedule = PoissonSchedule(slot.rate_hz, time.monotonic_ns(), self.rng)
            send = self.client.send
            seq = 0
            fire = self.environment.events.request.fire
            name = f"{records.KIND_NAMES[self.kind]}.send"
            request_type = self.plan.directory.client
            while not self.closed:
                due = schedule.advance()
                if due >= plan.send_stop_ns:
                    break
                wait_ns = due - time.monotonic_ns()
                if wait_ns > 0:
                    gevent.sleep(wait_ns / 1e9)
                seq += 1
                body = self.payload.body()
                now = time.monotonic_ns()
                try:
                    frame_bytes = send(seq, now, body)
                except ClientError as exc:
                    self._lost_connection(str(exc))
                    break
                lag = now - due
                if lag > tally.send_lag_max_ns:
                    tally.send_lag_max_ns = lag
                tally.sent.rows.append(
                    (now, due, slot.user, self.kind, slot.target, seq, len(body), frame_bytes)
                )
                tally.sent_count += 1
                fire(
                    request_type=request_type,
                    name=name,
                    response_time=(time.monotonic_ns() - now) / 1e6,
                    response_length=frame_bytes,
                    exception=None,
                    context=None,
                )
        remaining_s = (plan.end_ns - time.monotonic_ns()) / 1e9
        gevent.sleep(max(0.0, remaining_s) + 3600)

    def _receive(self) -> None:
        tally, user = self.plan.tally, self.slot.user
        fire = self.environment.events.request.fire
        names = {records.KIND_CHAT: "chat.recv", records.KIND_GROUP: "group.recv"}
        request_type = self.plan.directory.client
        try:
            for batch in self.client.deliveries():
                now = time.monotonic_ns()
                for sender, kind, target, seq, send_ns, size in batch:
                    if sender == user:
                        continue  # the client drops echoes; never count one
                    tally.recv.rows.append((now, user, sender, kind, target, seq, send_ns, size))
                    latency_us = (now - send_ns) // 1000
                    tally.latencies_us.append(latency_us)
                    tally.recv_count += 1
                    fire(
                        request_type=request_type,
                        name=names[kind],
                        response_time=latency_us / 1000,
                        response_length=size,
                        exception=None,
                        context=None,
                    )
        except ClientError as exc:
            if not self.closed:
                self._lost_connection(str(exc))
            return
        if not self.closed:
            self._lost_connection("receive: the connection closed")

    def _sockets(self) -> list[socket.socket]:
        """The client's connections, for the generator's wire meter (optional: `sockets()`)."""
        sockets = getattr(self.client, "sockets", None)
        return list(sockets()) if sockets is not None else []

    def _lost_connection(self, why: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.plan.tally.connected -= 1
        self.plan.tally.event(self.slot, records.EVENT_ERROR, why)

    def on_stop(self) -> None:
        if not hasattr(self, "slot"):
            return
        was_open = not self.closed
        self.closed = True
        if hasattr(self, "receiver"):
            self.receiver.kill(block=False)
        if hasattr(self, "client"):
            for sock in self._sockets():
                self.plan.tally.sockets.untrack(sock)
            self.client.close()
        if was_open:
            self.plan.tally.connected -= 1
            self.plan.tally.event(self.slot, records.EVENT_STOP)


class ChatUser(MessagingUser):
    abstract = True
    kind = records.KIND_CHAT


class GroupUser(MessagingUser):
    abstract = True
    kind = records.KIND_GROUP


def bind_user_classes(plan: Plan) -> list[type[User]]:
    """Concrete Locust user classes for this process's slots, one per kind present."""
    classes: list[type[User]] = []
    for base in (ChatUser, GroupUser):
        count = len(plan.slots.get(base.kind, ()))
        if count:
            attrs = {"abstract": False, "plan": plan, "fixed_count": count, "weight": 1}
            classes.append(type(base.__name__, (base,), attrs))
    return classes
