"""The embedded SFU: rooms over aiortc, forwarding encoded frames without re-encoding.

Run as its own process so it is measured like any real server:

    python -m harness.backends.embedded_sfu --host 127.0.0.1 --port 0 --ice-address 127.0.0.1

When listening it prints one JSON line to stdout, `{"event": "listening", "host", "port", "pid"}`
(an interface: harness.backends.embedded_media waits for that exact prefix), and it runs until SIGTERM or SIGINT, closing every peer connection on the way out.

Each participant publishes on one peer connection and subscribes to each other publisher on one
more (no renegotiation, like Janus's one-handle-per-feed). 1:1 and group calls are participants
that both publish and subscribe; a broadcast is one publisher and N subscribe-only viewers. Every
received frame is reassembled once, wrapped once, and re-packetized per subscriber: no decoder
and no encoder ever run (`harness.backends.sfu_forward`).

HTTP API (JSON bodies, aiohttp.web; every error reply is {"error": ...}, see
`harness.backends.json_server`: 400 for a malformed body or offer, 404 for no such route, 405 for
a route asked with another method, 413 for a body over 1 MB):

    POST /rooms/<room>/publish    {"peer", "sdp", "type": "offer", "codecs": {"video": "vp8"}}
                                  → {"sdp", "type": "answer"}
    POST /rooms/<room>/subscribe  {"peer", "publisher", "sdp", "type": "offer"} → answer
                                  (404 until the publisher has published)
    GET  /rooms/<room>            → {"publishers": [{"peer", "codecs": {kind: codec}}]}
    POST /rooms/<room>/leave      {"peer"} → {}
    GET  /stats                   → {"rooms", "publications", "subscriptions",
                                     "ingress_payload_bytes", "egress_payload_bytes",
                                     "egress_packets"}  (cumulative since start; payload only)
    GET  /health                  → {"ok": true}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack

from harness.backends.json_server import JsonObject, JsonServer, bad_request, json_app, read_object
from harness.backends.sfu_forward import FanOut, ForwardTrack
from workloads.media.encoded import mark_encoded
from workloads.media.netaddr import restrict_host_addresses


@dataclass
class Publication:
    peer: str
    pc: RTCPeerConnection
    codecs: dict[str, str]
    fanouts: dict[str, FanOut] = field(default_factory=dict)


@dataclass
class Subscription:
    peer: str
    publisher: str
    pc: RTCPeerConnection
    tracks: list[tuple[FanOut, ForwardTrack]]


@dataclass
class Room:
    publications: dict[str, Publication] = field(default_factory=dict)
    subscriptions: list[Subscription] = field(default_factory=list)


def _new_pc() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def _offer(body: JsonObject) -> RTCSessionDescription:
    if body.get("type") != "offer" or not isinstance(body.get("sdp"), str):
        raise bad_request("expected {'type': 'offer', 'sdp': '...'}")
    return RTCSessionDescription(sdp=body["sdp"], type="offer")


def _answer(pc: RTCPeerConnection) -> JsonObject:
    return {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type}


class Sfu:
    """All rooms of one SFU process (`sfu_app` serves them)."""

    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self._closed_ingress_bytes = 0
        self._closed_egress_bytes = 0
        self._closed_egress_packets = 0
        """Sent by subscriptions already closed, so /stats stays cumulative."""

    async def publish(self, room: Room, peer: str, body: JsonObject) -> JsonObject:
        offer = _offer(body)
        codecs = {str(k): str(v) for k, v in dict(body.get("codecs") or {}).items()}
        publication = Publication(peer, _new_pc(), codecs)

        @publication.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            mark_encoded(track)
            publication.fanouts[track.kind] = FanOut(track)

        await publication.pc.setRemoteDescription(offer)
        await publication.pc.setLocalDescription(await publication.pc.createAnswer())
        old = room.publications.get(peer)
        if old is not None:
            await self._drop_publication(room, old)
        room.publications[peer] = publication

        @publication.pc.on("connectionstatechange")
        async def on_state() -> None:  # a publisher that vanished without leaving
            if publication.pc.connectionState == "failed":
                await self._drop_publication(room, publication)

        return _answer(publication.pc)

    async def subscribe(
        self, room: Room, peer: str, publication: Publication, body: JsonObject
    ) -> JsonObject:
        pc = _new_pc()
        await pc.setRemoteDescription(_offer(body))
        tracks: list[tuple[FanOut, ForwardTrack]] = []
        for transceiver in pc.getTransceivers():
            fanout = publication.fanouts.get(transceiver.kind)
            if fanout is not None:
                forward = fanout.subscribe()
                pc.addTrack(forward)
                tracks.append((fanout, forward))
        await pc.setLocalDescription(await pc.createAnswer())
        subscription = Subscription(peer, publication.peer, pc, tracks)
        room.subscriptions.append(subscription)

        @pc.on("connectionstatechange")
        async def on_state() -> None:  # a subscriber that vanished without leaving
            if pc.connectionState == "failed" and subscription in room.subscriptions:
                room.subscriptions.remove(subscription)
                await self._close_counted(subscription)

        return _answer(pc)

    async def leave(self, room: Room, peer: str) -> None:
        publication = room.publications.get(peer)
        if publication is not None:
            await self._drop_publication(room, publication)
        gone = [s for s in room.subscriptions if s.peer == peer]
        room.subscriptions = [s for s in room.subscriptions if s not in gone]
        for subscription in gone:
            await self._close_counted(subscription)

    async def _drop_publication(self, room: Room, publication: Publication) -> None:
        """Close a publication and every subscription to it, keeping the counters cumulative."""
        if room.publications.get(publication.peer) is not publication:
            return  # already dropped
        del room.publications[publication.peer]
        self._closed_ingress_bytes += sum(f.payload_bytes for f in publication.fanouts.values())
        await _close_publication(publication)
        gone = [s for s in room.subscriptions if s.publisher == publication.peer]
        room.subscriptions = [s for s in room.subscriptions if s not in gone]
        for subscription in gone:
            await self._close_counted(subscription)

    async def _close_counted(self, subscription: Subscription) -> None:
        sent_bytes, sent_packets = await _sent(subscription.pc)
        self._closed_egress_bytes += sent_bytes
        self._closed_egress_packets += sent_packets
        await _close_subscription(subscription)

    async def stats(self) -> JsonObject:
        publications = [p for r in self.rooms.values() for p in r.publications.values()]
        subscriptions = [s for r in self.rooms.values() for s in r.subscriptions]
        egress_bytes, egress_packets = self._closed_egress_bytes, self._closed_egress_packets
        for subscription in subscriptions:
            sent_bytes, sent_packets = await _sent(subscription.pc)
            egress_bytes += sent_bytes
            egress_packets += sent_packets
        ingress = self._closed_ingress_bytes
        ingress += sum(f.payload_bytes for p in publications for f in p.fanouts.values())
        return {
            "rooms": len(self.rooms),
            "publications": len(publications),
            "subscriptions": len(subscriptions),
            "ingress_payload_bytes": ingress,
            "egress_payload_bytes": egress_bytes,
            "egress_packets": egress_packets,
        }

    async def close(self) -> None:
        for room in self.rooms.values():
            for peer in list(room.publications) + [s.peer for s in room.subscriptions]:
                await self.leave(room, peer)
        self.rooms.clear()


async def _sent(pc: RTCPeerConnection) -> tuple[int, int]:
    """RTP payload bytes and packets this peer connection has sent so far."""
    sent_bytes = sent_packets = 0
    for sender in pc.getSenders():
        for stats in (await sender.getStats()).values():
            if stats.type == "outbound-rtp":
                sent_bytes += stats.bytesSent
                sent_packets += stats.packetsSent
    return sent_bytes, sent_packets


async def _close_publication(publication: Publication) -> None:
    for fanout in publication.fanouts.values():
        fanout.stop()
    await publication.pc.close()


async def _close_subscription(subscription: Subscription) -> None:
    for fanout, forward in subscription.tracks:
        fanout.unsubscribe(forward)
    await subscription.pc.close()


def sfu_app(sfu: Sfu) -> web.Application:
    """The HTTP API of the module docstring. A POST makes its room; a GET never does."""
    routes = web.RouteTableDef()

    @routes.get("/health")
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    @routes.get("/stats")
    async def stats(request: web.Request) -> web.Response:
        return web.json_response(await sfu.stats())

    @routes.get("/rooms/{room}")
    async def listing(request: web.Request) -> web.Response:
        room = sfu.rooms.get(request.match_info["room"], Room())
        found = [{"peer": p.peer, "codecs": p.codecs} for p in room.publications.values()]
        return web.json_response({"publishers": found})

    @routes.post("/rooms/{room}/publish")
    async def publish(request: web.Request) -> web.Response:
        body = await read_object(request)
        room = sfu.rooms.setdefault(request.match_info["room"], Room())
        return web.json_response(await sfu.publish(room, str(body.get("peer")), body))

    @routes.post("/rooms/{room}/subscribe")
    async def subscribe(request: web.Request) -> web.Response:
        body = await read_object(request)
        name = request.match_info["room"]
        room = sfu.rooms.setdefault(name, Room())
        publisher = room.publications.get(str(body.get("publisher")))
        if publisher is None:
            error = f"publisher {body.get('publisher')!r} not in room {name!r}"
            return web.json_response({"error": error}, status=404)
        return web.json_response(await sfu.subscribe(room, str(body.get("peer")), publisher, body))

    @routes.post("/rooms/{room}/leave")
    async def leave(request: web.Request) -> web.Response:
        body = await read_object(request)
        room = sfu.rooms.setdefault(request.match_info["room"], Room())
        await sfu.leave(room, str(body.get("peer")))
        return web.json_response({})

    app = json_app()
    app.add_routes(routes)
    return app


async def serve(host: str, port: int) -> tuple[Sfu, JsonServer]:
    """Start an SFU on host:port in this event loop (ICE addresses are the caller's business)."""
    sfu = Sfu()
    server = await JsonServer.start(sfu_app(sfu), host, port)
    return sfu, server


async def _run(host: str, port: int) -> None:
    sfu, server = await serve(host, port)
    line = {"event": "listening", "host": host, "port": server.port, "pid": os.getpid()}
    print(json.dumps(line), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()
    await sfu.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="imbench embedded SFU (aiortc, no re-encoding)")
    parser.add_argument("--host", default="127.0.0.1", help="signalling listen address")
    parser.add_argument("--port", type=int, default=0, help="signalling port (0 = any free)")
    parser.add_argument(
        "--ice-address",
        action="append",
        default=None,
        help="address(es) ICE may use for media (default: the --host address)",
    )
    args = parser.parse_args(argv)
    restrict_host_addresses(args.ice_address or [args.host])
    asyncio.run(_run(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
