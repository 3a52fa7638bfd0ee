"""Publish and subscribe aiortc peers through Janus' videoroom plugin over its HTTP (REST) API.

The same `PeerLink`s as `workloads.media.peers` makes for the embedded SFU, so one media driver
can use either. `JanusVideoRoom` mirrors that module's functions as methods (publish, subscribe,
publishers, wait_for_publishers, leave) plus `ensure_room`, `open_rooms` and `close`: it is the
`janus` kind of `workloads.media.signalling.MediaSignalling`.

Janus API flow (https://janus.conf.meetecho.com/docs/rest.html), one Janus session per peer:

    POST /janus              {"janus": "create"}                      → session id
    POST /janus/<s>          {"janus": "attach", "plugin": …}         → handle id (one per link)
    POST /janus/<s>/<h>      {"janus": "message", "body", "jsep"?}    → "success" (sync) or
                                                                        "ack" + an event later
    GET  /janus/<s>?maxev=N  long poll: events, matched to requests by "transaction"
    POST /janus/<s>          {"janus": "keepalive"} every KEEPALIVE_S (sessions expire after 60 s)

Publisher: join (ptype publisher, our peer name as its string id) → "joined"; publish with the
JSEP offer → event with Janus' answer. Subscriber: join (ptype subscriber, streams=[{feed}]) →
"attached" with Janus' offer; start with our answer → "started". Leave: "leave" on every handle,
then destroy the session. aiortc gathers every candidate before the SDP is ready, so JSEPs carry
`"trickle": false`.

Every request goes through one `workloads.media.http_client.JsonClient` per `JanusVideoRoom`
(`janus_client`), shared by all its Janus sessions: HTTP/1.1 with kept-alive connections (Janus'
libmicrohttpd answers chunked, which aiohttp reads). A long poll may be held LONG_POLL_TIMEOUT_S.

Rooms need `string_ids = true` in the plugin config (harness.backends.janus writes it): room and
publisher ids are our names. A publisher's `display` carries its codecs ("video=vp8,audio=opus")
because `listparticipants` does not report them.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiortc import RTCConfiguration, RTCSessionDescription

from workloads.media.http_client import JsonClient, JsonObject, SignallingError
from workloads.media.packets import ClipPackets
from workloads.media.peers import PeerLink, direct_configuration, receiving_link, sending_link
from workloads.media.receiver import RttSource

VIDEOROOM = "janus.plugin.videoroom"
KEEPALIVE_S = 25.0
"""Janus' default session_timeout is 60 s; one keepalive every 25 s leaves room for one loss."""
LONG_POLL_MAX_EVENTS = 10
LONG_POLL_TIMEOUT_S = 45.0
"""Janus answers a long poll with a keepalive event after 30 s without events."""
REQUEST_TIMEOUT_S = 20.0
SESSION_NOT_FOUND = 458
"""JANUS_ERROR_SESSION_NOT_FOUND: the session timed out or was destroyed."""
ROOM_EXISTS = 427
"""JANUS_VIDEOROOM_ERROR_ROOM_EXISTS: another driver process created the room first."""
ROOM_SETTINGS: dict[str, object] = {"bitrate": 0, "bitrate_cap": False, "fir_freq": 0}
"""Every room imbench creates. `bitrate = 0` (and no `bitrate_cap`): the plugin never sends REMB
to publishers and puts no b=AS line in its answers (Debian's sample room caps senders at 128 kbps
by REMB). `fir_freq = 0`: no periodic keyframe requests; clips carry a keyframe every second."""


class JanusError(SignallingError):
    """Janus or its videoroom plugin refused a request (the message has Janus' code and reason).

    A failed HTTP request itself (no answer, a non-2xx status, no JSON) is a `RequestError`."""


@dataclass(frozen=True)
class JanusAddress:
    host: str
    port: int
    base_path: str = "/janus"


def janus_client(address: JanusAddress) -> JsonClient:
    """The HTTP client for Janus' API at `address` (paths relative to its base path)."""
    return JsonClient(address.host, address.port, address.base_path)


def plugin_data(reply: JsonObject) -> JsonObject:
    """The videoroom's answer inside a Janus reply or event; plugin errors raise JanusError."""
    if reply.get("janus") == "error":
        error = reply.get("error", {})
        raise JanusError(f"Janus error {error.get('code')}: {error.get('reason')}")
    data: JsonObject = reply.get("plugindata", {}).get("data", {})
    if "error_code" in data:
        raise JanusError(f"videoroom error {data['error_code']}: {data.get('error')}")
    return data


def encode_codecs(codecs: dict[str, str]) -> str:
    """kind → codec as a publisher display name: {"video": "vp8"} → "video=vp8"."""
    return ",".join(f"{kind}={codec}" for kind, codec in sorted(codecs.items()))


def decode_codecs(display: str) -> dict[str, str]:
    """The inverse of encode_codecs; anything unparsable gives {}."""
    pairs = (item.partition("=") for item in display.split(",") if item)
    return {kind: codec for kind, sep, codec in pairs if sep and kind and codec}


def jsep(description: RTCSessionDescription) -> JsonObject:
    return {"type": description.type, "sdp": description.sdp, "trickle": False}


class JanusSession:
    """One Janus API session: requests, a long-poll task routing events, periodic keepalives.
    `api` is the room's `janus_client`; the session does not close it."""

    def __init__(self, api: JsonClient, session_id: int, keepalive_s: float = KEEPALIVE_S) -> None:
        self.api = api
        self.session_id = session_id
        self.keepalive_s = keepalive_s
        self.hangups: list[JsonObject] = []
        """'hangup' events (a PeerConnection Janus closed), for diagnostics."""
        self.over = False
        """Janus ended the session (timeout); every further request fails with 458."""
        self._waiting: dict[str, asyncio.Future[JsonObject]] = {}
        self._tasks = [
            asyncio.create_task(self._poll_events()),
            asyncio.create_task(self._keep_alive()),
        ]

    @classmethod
    async def create(cls, api: JsonClient, keepalive_s: float = KEEPALIVE_S) -> JanusSession:
        reply = await api.request_object("POST", "", {"janus": "create", "transaction": _tx()})
        plugin_data(reply)
        return cls(api, int(reply["data"]["id"]), keepalive_s)

    async def attach(self, plugin: str = VIDEOROOM) -> int:
        reply = await self._post("", {"janus": "attach", "plugin": plugin})
        plugin_data(reply)
        return int(reply["data"]["id"])

    async def message(
        self, handle: int, body: JsonObject, offer_or_answer: JsonObject | None = None
    ) -> JsonObject:
        """Send a plugin request; returns the synchronous reply or, after an ack, its event."""
        request: JsonObject = {"janus": "message", "body": body, "transaction": _tx()}
        if offer_or_answer is not None:
            request["jsep"] = offer_or_answer
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[request["transaction"]] = waiter
        try:
            reply = await self._post(f"/{handle}", request)
            if reply.get("janus") == "ack":
                async with asyncio.timeout(REQUEST_TIMEOUT_S):
                    reply = await waiter
        finally:
            self._waiting.pop(request["transaction"], None)
        plugin_data(reply)
        return reply

    async def destroy(self) -> None:
        """Stop polling and end the session on Janus (which hangs up every handle in it)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(SignallingError):
            await self._post("", {"janus": "destroy"})

    async def _post(self, path: str, request: JsonObject) -> JsonObject:
        request.setdefault("transaction", _tx())
        return await self.api.request_object("POST", f"/{self.session_id}{path}", request)

    async def _poll_events(self) -> None:
        path = f"/{self.session_id}?maxev={LONG_POLL_MAX_EVENTS}"
        while True:
            try:
                events = await self.api.request("GET", path, timeout_s=LONG_POLL_TIMEOUT_S)
            except SignallingError:
                await asyncio.sleep(0.5)  # Janus restarting or gone: the next request will say
                continue
            for event in events if isinstance(events, list) else [events]:
                if not isinstance(event, dict):
                    continue  # not a Janus event
                if session_over(event):
                    self.over = True
                    return  # polling a session that is gone would answer at once, forever
                self._route(event)

    def _route(self, event: JsonObject) -> None:
        waiter = self._waiting.get(str(event.get("transaction")))
        if waiter is not None and not waiter.done() and event.get("janus") != "ack":
            waiter.set_result(event)
        elif event.get("janus") == "hangup":
            self.hangups.append(event)

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive_s)
            with contextlib.suppress(SignallingError):
                await self._post("", {"janus": "keepalive"})


def session_over(event: JsonObject) -> bool:
    """A long-poll answer saying the session no longer exists."""
    code = event.get("error", {}).get("code") if event.get("janus") == "error" else None
    return event.get("janus") == "timeout" or code == SESSION_NOT_FOUND


def _tx() -> str:
    return secrets.token_hex(8)


@dataclass
class _Peer:
    session: JanusSession
    handles: list[int] = field(default_factory=list)


class JanusVideoRoom:
    """Media peers through one Janus server's videoroom: the media driver's signalling client.

    `configuration` is every peer connection's ICE configuration: direct (host candidates on the
    addresses `workloads.media.netaddr` allows) or relay-only through our own TURN server
    (`workloads.media.turn.relay_configuration`).
    """

    def __init__(
        self,
        address: JanusAddress,
        configuration: RTCConfiguration | None = None,
        keepalive_s: float = KEEPALIVE_S,
    ) -> None:
        self.address = address
        self.api = janus_client(address)
        self.configuration = configuration or direct_configuration()
        self.keepalive_s = keepalive_s
        self._peers: dict[tuple[str, str], _Peer] = {}
        self._control: _Peer | None = None

    async def ensure_room(
        self, room: str, publishers: int, video_codec: str, audio_codec: str = "opus"
    ) -> None:
        """Create `room` (ROOM_SETTINGS) for up to `publishers` senders, unless it exists."""
        control = await self._control_peer()
        body = {
            "request": "create",
            "room": room,
            "publishers": publishers,
            **ROOM_SETTINGS,
            "videocodec": video_codec,
            "audiocodec": audio_codec,
            "permanent": False,
        }
        try:
            await control.session.message(control.handles[0], body)
        except JanusError as exc:
            if f"error {ROOM_EXISTS}:" not in str(exc):
                raise

    async def open_rooms(self, rooms: Iterable[str], publishers: int, video_codec: str) -> None:
        """ensure_room for each of `rooms` (the media driver's `MediaSignalling.open_rooms`)."""
        for room in rooms:
            await self.ensure_room(room, publishers, video_codec)

    async def publish(
        self, room: str, peer: str, sources: list[ClipPackets], start_index: int = 0
    ) -> PeerLink:
        """Publish one packet-loop track per source as publisher `peer` of `room`."""
        link = sending_link(peer, sources, start_index, configuration=self.configuration)
        codecs = {p.kind: p.codec for p in sources}
        join = {"request": "join", "ptype": "publisher", "room": room, "id": peer}
        try:
            session, handle = await self._new_handle(room, peer)
            await session.message(handle, {**join, "display": encode_codecs(codecs)})
            await link.pc.setLocalDescription(await link.pc.createOffer())
            offer = jsep(link.pc.localDescription)
            reply = await session.message(handle, {"request": "publish"}, offer)
            await link.pc.setRemoteDescription(_description(reply, "answer"))
        except BaseException:
            await link.close()  # a failed join leaves no peer connection behind
            raise
        return link

    async def subscribe(
        self,
        room: str,
        peer: str,
        publisher: str,
        codecs: dict[str, str],
        rtt_source: RttSource | None = None,
    ) -> PeerLink:
        """Receive `publisher`'s tracks (kind → codec) through Janus, counting without decoding."""
        link = receiving_link(
            peer, publisher, codecs, rtt_source, offerer=False, configuration=self.configuration
        )
        join = {"request": "join", "ptype": "subscriber", "room": room}
        try:
            session, handle = await self._new_handle(room, peer)
            reply = await session.message(handle, {**join, "streams": [{"feed": publisher}]})
            await link.pc.setRemoteDescription(_description(reply, "offer"))
            await link.pc.setLocalDescription(await link.pc.createAnswer())
            await session.message(handle, {"request": "start"}, jsep(link.pc.localDescription))
        except BaseException:
            await link.close()
            raise
        return link

    async def publishers(self, room: str) -> dict[str, dict[str, str]]:
        """The room's publishers that are sending: peer → {kind: codec}."""
        control = await self._control_peer()
        body = {"request": "listparticipants", "room": room}
        data = plugin_data(await control.session.message(control.handles[0], body))
        return {
            str(p["id"]): decode_codecs(str(p.get("display", "")))
            for p in data.get("participants", [])
            if p.get("publisher")
        }

    async def wait_for_publishers(
        self, room: str, count: int, timeout_s: float, poll_s: float = 0.1
    ) -> dict[str, dict[str, str]]:
        """Poll until `room` has at least `count` publishers; raises TimeoutError otherwise."""
        async with asyncio.timeout(timeout_s):
            while len(found := await self.publishers(room)) < count:
                await asyncio.sleep(poll_s)
        return found

    async def leave(self, room: str, peer: str) -> None:
        """Leave on every handle of `peer` in `room`, then destroy its Janus session."""
        joined = self._peers.pop((room, peer), None)
        if joined is None:
            return
        for handle in joined.handles:
            with contextlib.suppress(SignallingError, TimeoutError):
                await joined.session.message(handle, {"request": "leave"})
        await joined.session.destroy()

    async def close(self) -> None:
        """Leave with every peer still joined, end the control session, close the HTTP client."""
        try:
            for room, peer in list(self._peers):
                await self.leave(room, peer)
            if self._control is not None:
                await self._control.session.destroy()
                self._control = None
        finally:
            await self.api.close()

    async def _new_handle(self, room: str, peer: str) -> tuple[JanusSession, int]:
        joined = self._peers.get((room, peer))
        if joined is None:
            joined = _Peer(await JanusSession.create(self.api, self.keepalive_s))
            self._peers[(room, peer)] = joined
        handle = await joined.session.attach()
        joined.handles.append(handle)
        return joined.session, handle

    async def _control_peer(self) -> _Peer:
        if self._control is None:
            session = await JanusSession.create(self.api, self.keepalive_s)
            self._control = _Peer(session, [await session.attach()])
        return self._control


def _description(reply: JsonObject, expected: str) -> RTCSessionDescription:
    offered = reply.get("jsep")
    if not offered or offered.get("type") != expected:
        raise JanusError(f"expected a JSEP {expected} from Janus, got {str(reply)[:300]}")
    return RTCSessionDescription(sdp=offered["sdp"], type=expected)
