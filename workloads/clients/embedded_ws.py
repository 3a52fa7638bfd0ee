"""The embedded reference backend's protocol: one WebSocket, JSON messages.

hello → ready, join → joined (group), then `send` frames out and `msg` frames in. The server
routes on the JSON's `to`/`room` and never echoes a sender's own room message back. A user is
`u<index>` (the protocol routes on those names); the hello carries the account's `password` when
the directory has one (an external server that asks for it). `Directory.tls` speaks wss,
verifying the server against `ca_file` and `server_name`; `options["path"]` is the URL path.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import orjson

from harness.kernel import records
from harness.kernel.directory import Directory
from harness.kernel.slots import Slot
from workloads.clients.base import ClientError, Delivery
from workloads.wsclient import WebSocket, WebSocketClosed


class Client:
    def __init__(self, directory: Directory, slot: Slot) -> None:
        self.directory, self.slot = directory, slot
        self.ws: WebSocket | None = None
        if slot.kind == records.KIND_GROUP:
            self.prefix = f'{{"op":"send","room":"r{slot.target}","seq":'
        else:
            self.prefix = f'{{"op":"send","to":"u{slot.target}","seq":'

    def connect(self) -> None:
        d = self.directory
        hello = {"op": "hello", "user": f"u{self.slot.user}"}
        password = d.account(self.slot.user).get("password")
        if password is not None:
            hello["password"] = password
        try:
            self.ws = WebSocket.connect(
                d.host,
                d.port,
                str(d.options.get("path", "/")),
                tls=d.tls,
                ca_file=d.ca_file,
                server_name=d.server_name,
            )
            self.ws.send_text(orjson.dumps(hello))
            self._await_op("ready")
            if self.slot.kind == records.KIND_GROUP:
                self.ws.send_text(orjson.dumps({"op": "join", "room": f"r{self.slot.target}"}))
                self._await_op("joined")
        except (OSError, WebSocketClosed, ValueError) as exc:
            raise ClientError(f"connect: {exc}") from exc

    def _await_op(self, op: str) -> None:
        assert self.ws is not None
        for batch in self.ws.messages():
            for payload in batch:
                if orjson.loads(payload).get("op") == op:
                    return
                raise ValueError(f"expected {op!r}, got {payload[:120]!r}")
        raise ValueError(f"closed while waiting for {op!r}")

    def send(self, seq: int, send_ns: int, body: str) -> int:
        assert self.ws is not None
        text = f'{self.prefix}{seq},"ts":{send_ns},"body":"{body}"}}'
        try:
            return self.ws.send_text(text.encode())
        except WebSocketClosed as exc:
            raise ClientError(f"send: {exc}") from exc

    def deliveries(self) -> Iterator[list[Delivery]]:
        assert self.ws is not None
        me = self.slot.user
        try:
            for batch in self.ws.messages():
                out = [d for d in map(delivery_of, batch) if d is not None and d[0] != me]
                yield out
        except WebSocketClosed as exc:
            raise ClientError(f"receive: {exc}") from exc

    def sockets(self) -> list[socket.socket]:
        return [self.ws.sock] if self.ws is not None else []

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def delivery_of(payload: bytes) -> Delivery | None:
    """One server frame as a Delivery (sender, kind, target, seq, send_ns, payload bytes); None
    for a frame that is not a delivery (`op` other than `msg`). The generator's hot path on
    receive: one call per delivery. A group delivery names its room `r<n>`, a chat one has none
    (target −1); senders are `u<n>`."""
    msg: dict[str, Any] = orjson.loads(payload)
    if msg.get("op") != "msg":
        return None
    room = msg.get("room")
    if room is not None:
        kind, target = records.KIND_GROUP, int(room[1:])
    else:
        kind, target = records.KIND_CHAT, -1
    return (int(msg["from"][1:]), kind, target, msg["seq"], int(msg["ts"]), len(msg["body"]))
