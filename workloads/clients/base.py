"""The one interface a messaging user drives, whatever the protocol (`MessagingClient`).

A client is made for one simulated user (`Slot`) from the run's `Directory`; it connects and logs
in, joins the user's room (group), sends messages carrying `(sender, seq, send_ns, body)`, and
yields what arrives as `Delivery` tuples. A client drops its user's own echo (a publisher
subscribed to its own room or topic) before anything is recorded.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
from collections.abc import Iterator
from typing import Protocol

from harness.kernel.directory import Directory
from harness.kernel.slots import Slot

Delivery = tuple[int, int, int, int, int, int]
"""(sender user, kind, target, seq, send_ns, body bytes): one message as its receiver saw it.
`target` is the room for group messages and -1 for 1:1 chat; a plain tuple, for speed."""

CLIENT_MODULES = {
    "embedded-ws": "workloads.clients.embedded_ws",
    "mqtt": "workloads.clients.mqtt",
    "matrix": "workloads.clients.matrix",
    "xmpp": "workloads.clients.xmpp",
}


class ClientError(Exception):
    """The connection failed or closed: the user records an error event and stops."""


class MessagingClient(Protocol):
    def connect(self) -> None:
        """Connect and log in (and join the room, for a group user); ClientError on failure."""
        ...

    def send(self, seq: int, send_ns: int, body: str) -> int:
        """Send one message to the slot's peer or room; the bytes handed to the socket."""
        ...

    def deliveries(self) -> Iterator[list[Delivery]]:
        """Blocks; yields what arrived, in batches, until the connection closes (ClientError)."""
        ...

    def close(self) -> None: ...

    # Optional: `sockets() -> list[socket.socket]`, the client's open connections. The generator
    # reads their kernel TCP counters as its own wire bytes (workloads.socket_meter: the wire
    # figures of an external run); a client without it leaves those figures unavailable.


def warm_up(directory: Directory) -> None:
    """Pay a generator's one-off costs before load starts, not in its first second: importing the
    backend's protocol client, and gevent's resolver (a thread pool started by the first
    `getaddrinfo`, about 10 ms here) — left to the first user, they stalled the event loop while
    the first users connected."""
    importlib.import_module(CLIENT_MODULES[directory.client])
    with contextlib.suppress(OSError):  # an unreachable backend: the first connect says so
        socket.getaddrinfo(directory.host, directory.port, type=socket.SOCK_STREAM)


def open_client(directory: Directory, slot: Slot) -> MessagingClient:
    """The protocol client for `slot`'s user on the backend `directory` describes."""
    module = importlib.import_module(CLIENT_MODULES[directory.client])
    client: MessagingClient = module.Client(directory, slot)
    return client
