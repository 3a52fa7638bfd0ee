"""The Matrix client-server API (v3) as a messaging client, for Locust's gevent world.

Two keep-alive HTTP/1.1 connections per user (geventhttpclient, which Locust's FastHttpUser uses:
blocking sockets gevent makes cooperative): one sends, one long-polls.
- send: `PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}` with `{"msgtype":
  "m.text", "body": <envelope>}`; the transaction id is the message's sequence id (unique per
  access token, so a retried PUT is applied once). A 1:1 message goes to the pair's direct room,
  a group message to the room. The bytes reported are the request line, headers and body as
  handed to the socket (geventhttpclient keeps the request head it sent; a retry after a reset
  connection would send it again uncounted).
- receive: `GET /_matrix/client/v3/sync?since=...&timeout=30000` with a filter (made at connect)
  that keeps only `m.room.message` timeline events (their sender and body) and drops room state
  (the sender is in each event: no member list is needed), presence, account data and
  ephemeral events. Events whose sender is this user (the
  echo of its own group and 1:1 messages) are dropped before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import orjson
from geventhttpclient import HTTPClient

from harness.kernel import records
from harness.kernel.directory import Directory, group_room_key, pair_room_key
from harness.kernel.slots import Slot
from workloads.clients.base import ClientError, Delivery
from workloads.clients.envelope import pack, unpack

SYNC_TIMEOUT_MS = 30_000
NETWORK_TIMEOUT_S = SYNC_TIMEOUT_MS / 1000 + 30
CONNECT_TIMEOUT_S = 10.0
TIMELINE_LIMIT = 1000
"""Events per room per /sync: more than this between two polls would be a `limited` (gappy)
timeline, which the client reports as an error rather than lose messages silently."""
SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"types": ["m.room.message"], "limit": TIMELINE_LIMIT},
        "state": {"types": []},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
    "event_fields": ["type", "sender", "content.body"],
}


def room_key(slot: Slot) -> str:
    if slot.kind == records.KIND_GROUP:
        return group_room_key(slot.target)
    return pair_room_key(slot.user, slot.target)


class Client:
    def __init__(self, directory: Directory, slot: Slot) -> None:
        self.directory, self.slot = directory, slot
        account = directory.account(slot.user)
        self.user_id = account.get("login", "")
        self._headers = {
            "Authorization": f"Bearer {account.get('token', '')}",
            "Content-Type": "application/json",
        }
        self.room_id = directory.room(room_key(slot))
        self._send_path = f"/_matrix/client/v3/rooms/{quote(self.room_id)}/send/m.room.message/"
        self._kind = slot.kind
        self._target = slot.target if slot.kind == records.KIND_GROUP else -1
        self._sender: HTTPClient | None = None
        self._syncer: HTTPClient | None = None
        self._since = ""
        self._filter_id = ""

    def _http(self) -> HTTPClient:
        return HTTPClient(
            self.directory.host,
            self.directory.port,
            concurrency=1,
            connection_timeout=CONNECT_TIMEOUT_S,
            network_timeout=NETWORK_TIMEOUT_S,
            headers=self._headers,
        )

    def _call(self, http: HTTPClient, method: str, path: str, body: bytes = b"") -> Any:
        response = http.request(method, path, body=body)
        try:
            data = response.read()
        finally:
            response.release()
        if response.status_code != 200:
            raise ClientError(
                f"{method} {path.split('?')[0]}: HTTP {response.status_code}: {data[:200]!r}"
            )
        return orjson.loads(data)

    def connect(self) -> None:
        """Make the sync filter, take the current sync position (timeout 0): from then on every
        message in the user's room arrives through the long poll."""
        try:
            self._sender, self._syncer = self._http(), self._http()
            path = f"/_matrix/client/v3/user/{quote(self.user_id)}/filter"
            self._filter_id = self._call(self._sender, "POST", path, orjson.dumps(SYNC_FILTER))[
                "filter_id"
            ]
            first = self._call(self._syncer, "GET", self._sync_path(timeout_ms=0))
            self._since = first["next_batch"]
        except (OSError, ValueError, KeyError) as exc:
            raise ClientError(f"connect: {exc!r}") from exc

    def _sync_path(self, timeout_ms: int = SYNC_TIMEOUT_MS) -> str:
        path = f"/_matrix/client/v3/sync?filter={self._filter_id}&timeout={timeout_ms}"
        return f"{path}&since={quote(self._since)}" if self._since else path

    def send(self, seq: int, send_ns: int, body: str) -> int:
        assert self._sender is not None
        payload = orjson.dumps(
            {"msgtype": "m.text", "body": pack(self.slot.user, seq, send_ns, body)}
        )
        try:
            response = self._sender.request("PUT", f"{self._send_path}{seq}", body=payload)
            try:
                answer = response.read()
            finally:
                response.release()
        except (OSError, ValueError) as exc:
            raise ClientError(f"send: {exc!r}") from exc
        if response.status_code != 200:
            raise ClientError(f"send: HTTP {response.status_code}: {answer[:200]!r}")
        head = response._sent_request or ""
        return len(head) + len(payload)

    def deliveries(self) -> Iterator[list[Delivery]]:
        assert self._syncer is not None
        me, kind, target = self.user_id, self._kind, self._target
        while True:
            try:
                answer = self._call(self._syncer, "GET", self._sync_path())
            except (OSError, ValueError) as exc:
                raise ClientError(f"receive: {exc!r}") from exc
            self._since = answer["next_batch"]
            out: list[Delivery] = []
            for room in answer.get("rooms", {}).get("join", {}).values():
                timeline = room.get("timeline", {})
                if timeline.get("limited") and self._since:
                    raise ClientError("receive: /sync skipped events (a limited timeline)")
                for event in timeline.get("events", ()):
                    if event.get("sender") == me or event.get("type") != "m.room.message":
                        continue
                    try:
                        sender, seq, send_ns, size = unpack(event["content"]["body"])
                    except (KeyError, TypeError, ValueError):
                        continue
                    out.append((sender, kind, target, seq, send_ns, size))
            yield out

    def close(self) -> None:
        for http in (self._sender, self._syncer):
            if http is not None:
                http.close()
