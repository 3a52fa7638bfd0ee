"""What simulated messaging users do: 1:1 chat pairs and group rooms, as Locust users.

Each user opens one WebSocket to the backend, says hello, joins its room (group), then sends on an
open-loop Poisson schedule until the send window closes, and keeps receiving until the run ends.
Every message carries the sender's sequence id and a send timestamp (`time.monotonic_ns()`), so
the receiver records end-to-end latency; loss, duplicates and reordering are counted afterwards.

Users reach measurement only through the `Tally` (record rows and counters) and Locust's
`request` event, which keeps Locust's own stats and web UI meaningful.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

import gevent
import orjson
from locust import User, task

from harness.kernel import records
from harness.kernel.records import RecordFile
from harness.kernel.slots import Slot
from workloads.delivery import delivery_row
from workloads.payload import PayloadMaker
from workloads.schedule import PoissonSchedule
from workloads.wsclient import WebSocket, WebSocketClosed

KIND, SEND_NS, PAYLOAD_BYTES = (
    records.RECV_COLUMNS.index(c) for c in ("kind", "send_ns", "payload_bytes")
)


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

    def event(self, slot: Slot, name: str, detail: str = "") -> None:
        clean = detail.replace(",", ";").replace("\n", " ")[:200]
        self.events.rows.append(
            (time.monotonic_ns(), slot.user, slot.kind, slot.target, name, clean)
        )


@dataclass
class Plan:
    """Everything the users of one generator process need; built by the driver."""

    host: str
    port: int
    send_stop_ns: int
    end_ns: int
    seed: int
    tally: Tally
    slots: dict[int, deque[Slot]]


class MessagingUser(User):
    """Base for chat and group users; subclasses set `kind` and the driver binds `plan`."""

    abstract = True
    kind: ClassVar[int] = records.KIND_CHAT
    plan: ClassVar[Plan]

    def on_start(self) -> None:
        plan = self.plan
        self.slot = plan.slots[self.kind].popleft()
        self.closed = False
        self.rng = random.Random(plan.seed * 1_000_003 + self.slot.user)
        self.payload = PayloadMaker(self.slot.payload, self.rng)
        plan.tally.event(self.slot, records.EVENT_CONNECT)
        try:
            self.ws = WebSocket.connect(plan.host, plan.port, "/")
            self._handshake()
        except (OSError, WebSocketClosed, ValueError) as exc:
            self.closed = True
            plan.tally.event(self.slot, records.EVENT_ERROR, f"connect: {exc}")
            return
        plan.tally.connected += 1
        plan.tally.event(self.slot, records.EVENT_READY)
        self.receiver = gevent.spawn(self._receive)

    def _handshake(self) -> None:
        self.ws.send_text(orjson.dumps({"op": "hello", "user": f"u{self.slot.user}"}))
        self._await_op(b"ready")
        if self.kind == records.KIND_GROUP:
            self.ws.send_text(orjson.dumps({"op": "join", "room": f"r{self.slot.target}"}))
            self._await_op(b"joined")

    def _await_op(self, op: bytes) -> None:
        for batch in self.ws.messages():
            for payload in batch:
                msg = orjson.loads(payload)
                if msg.get("op") == op.decode():
                    return
                raise ValueError(f"expected {op.decode()!r}, got {payload[:120]!r}")

    def _envelope_prefix(self) -> str:
        if self.kind == records.KIND_GROUP:
            return f'{{"op":"send","room":"r{self.slot.target}","seq":'
        return f'{{"op":"send","to":"u{self.slot.target}","seq":'

    @task
    def converse(self) -> None:
        """Send on schedule until the send window closes, then idle until the run ends."""
        plan, slot, tally = self.plan, self.slot, self.plan.tally
        if not self.closed:
            schedule = PoissonSchedule(slot.rate_hz, time.monotonic_ns(), self.rng)
            prefix = self._envelope_prefix()
            seq = 0
            fire = self.environment.events.request.fire
            name = f"{records.KIND_NAMES[self.kind]}.send"
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
                text = f'{prefix}{seq},"ts":{now},"body":"{body}"}}'
                try:
                    frame_bytes = self.ws.send_text(text.encode())
                except WebSocketClosed as exc:
                    self._lost_connection(f"send: {exc}")
                    break
                lag = now - due
                if lag > tally.send_lag_max_ns:
                    tally.send_lag_max_ns = lag
                tally.sent.rows.append(
                    (now, due, slot.user, self.kind, slot.target, seq, len(body), frame_bytes)
                )
                tally.sent_count += 1
                fire(
                    request_type="WS",
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
        try:
            for batch in self.ws.messages():
                now = time.monotonic_ns()
                for payload in batch:
                    row = delivery_row(now, user, payload)
                    if row is None:
                        continue
                    tally.recv.rows.append(row)
                    latency_us = (now - row[SEND_NS]) // 1000
                    tally.latencies_us.append(latency_us)
                    tally.recv_count += 1
                    fire(
                        request_type="WS",
                        name=names[row[KIND]],
                        response_time=latency_us / 1000,
                        response_length=row[PAYLOAD_BYTES],
                        exception=None,
                        context=None,
                    )
        except WebSocketClosed as exc:
            if not self.closed:
                self._lost_connection(f"receive: {exc}")

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
        if hasattr(self, "ws"):
            self.ws.close()
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
