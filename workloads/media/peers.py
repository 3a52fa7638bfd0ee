"""Peer links (one aiortc peer connection and its streams), and publish/subscribe against the
embedded SFU's HTTP signalling (through a `JsonClient` for the SFU's address: `sfu_client`).

`sending_link` and `receiving_link` are the one way every signalling (embedded SFU, Janus, direct
pairs) builds a `PeerLink`; `configuration` is its ICE configuration: `direct_configuration()`
(host candidates only) by default, or relay-only through our TURN server
(`workloads.media.turn.relay_configuration`). aiortc's own default (`iceServers=None`) would use
Google's public STUN server, so no peer connection is ever built without a list.

One peer connection per publication and one per subscription (no renegotiation). Every stream
remembers when its signalling started, so join time and time to first frame are measured from
the same origin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from workloads.media.codecs import force_codec
from workloads.media.http_client import JsonClient
from workloads.media.packets import ClipPackets
from workloads.media.receiver import ReceiveStream, RttSource
from workloads.media.records import StreamId
from workloads.media.sender import SendStream, peer_rtt_ms
from workloads.media.tracks import PacketLoopTrack


@dataclass(frozen=True)
class SfuAddress:
    host: str
    port: int


def sfu_client(sfu: SfuAddress) -> JsonClient:
    """The HTTP client for the embedded SFU's API at `sfu` (close it when done)."""
    return JsonClient(sfu.host, sfu.port)


@dataclass
class PeerLink:
    """One peer connection and the streams it carries."""

    pc: RTCPeerConnection
    started_s: float
    send_streams: list[SendStream] = field(default_factory=list)
    recv_streams: list[ReceiveStream] = field(default_factory=list)
    connected_s: float | None = None

    def watch_connection(self) -> None:
        loop = asyncio.get_running_loop()

        @self.pc.on("connectionstatechange")
        def on_state() -> None:
            if self.pc.connectionState == "connected" and self.connected_s is None:
                self.connected_s = loop.time()
                for stream in self.recv_streams:
                    stream.connected_s = self.connected_s

    async def rtt_ms(self) -> float | None:
        return await peer_rtt_ms(self.pc)

    async def close(self) -> None:
        for stream in self.recv_streams:
            stream.stop()
        await self.pc.close()


def direct_configuration() -> RTCConfiguration:
    """Host candidates only (no STUN, no TURN): media goes straight to the far end."""
    return RTCConfiguration(iceServers=[])


def new_pc(configuration: RTCConfiguration | None = None) -> RTCPeerConnection:
    """A peer connection with `configuration`, by default no STUN/TURN server at all."""
    return RTCPeerConnection(direct_configuration() if configuration is None else configuration)


async def _exchange(
    api: JsonClient, path: str, pc: RTCPeerConnection, extra: Mapping[str, object]
) -> None:
    await pc.setLocalDescription(await pc.createOffer())
    body = {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type, **extra}
    answer = await api.request_object("POST", path, body)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))


def sending_link(
    peer: str,
    sources: list[ClipPackets],
    start_index: int = 0,
    *,
    configuration: RTCConfiguration | None = None,
) -> PeerLink:
    """A peer connection with one sendonly packet-loop track per source (no signalling yet)."""
    link = PeerLink(new_pc(configuration), asyncio.get_running_loop().time())
    for packets in sources:
        track = PacketLoopTrack(packets, start_index=start_index)
        transceiver = link.pc.addTransceiver(track, direction="sendonly")
        force_codec(transceiver, packets.codec)
        ident = StreamId(peer, f"{peer}/{packets.kind}", "send", packets.kind, packets.codec)
        link.send_streams.append(SendStream(ident, transceiver.sender, track))
    link.watch_connection()
    return link


def receiving_link(
    peer: str,
    publisher: str,
    codecs: dict[str, str],
    rtt_source: RttSource | None = None,
    offerer: bool = True,
    *,
    configuration: RTCConfiguration | None = None,
) -> PeerLink:
    """A peer connection that counts `publisher`'s tracks (kind → codec) without decoding.

    As the offerer it adds recvonly transceivers itself; as the answerer (Janus offers to its
    subscribers) they come from the offer.
    """
    link = PeerLink(new_pc(configuration), asyncio.get_running_loop().time())
    if offerer:
        for kind, codec in sorted(codecs.items()):
            force_codec(link.pc.addTransceiver(kind, direction="recvonly"), codec)

    @link.pc.on("track")
    def on_track(track: object) -> None:
        transceiver = next(t for t in link.pc.getTransceivers() if t.receiver.track is track)
        kind = transceiver.kind
        ident = StreamId(peer, f"{publisher}/{kind}", "recv", kind, codecs[kind])
        stream = ReceiveStream(
            ident, transceiver.receiver, transceiver.receiver.track, link.started_s, rtt_source
        )
        link.recv_streams.append(stream)

    link.watch_connection()
    return link


async def publish(
    api: JsonClient,
    room: str,
    peer: str,
    sources: list[ClipPackets],
    start_index: int = 0,
    *,
    configuration: RTCConfiguration | None = None,
) -> PeerLink:
    """Publish one packet-loop track per source; `start_index` staggers keyframes across peers."""
    link = sending_link(peer, sources, start_index, configuration=configuration)
    codecs = {p.kind: p.codec for p in sources}
    await _exchange(api, f"/rooms/{room}/publish", link.pc, {"peer": peer, "codecs": codecs})
    return link


async def subscribe(
    api: JsonClient,
    room: str,
    peer: str,
    publisher: str,
    codecs: dict[str, str],
    rtt_source: RttSource | None = None,
    *,
    configuration: RTCConfiguration | None = None,
) -> PeerLink:
    """Receive `publisher`'s tracks (kind → codec) through the SFU, counting without decoding."""
    link = receiving_link(peer, publisher, codecs, rtt_source, configuration=configuration)
    body = {"peer": peer, "publisher": publisher}
    await _exchange(api, f"/rooms/{room}/subscribe", link.pc, body)
    return link


async def publishers(api: JsonClient, room: str) -> dict[str, dict[str, str]]:
    """The room's current publishers: peer → {kind: codec}."""
    reply = await api.request_object("GET", f"/rooms/{room}")
    return {str(p["peer"]): dict(p["codecs"]) for p in reply["publishers"]}


async def wait_for_publishers(
    api: JsonClient, room: str, count: int, timeout_s: float, poll_s: float = 0.1
) -> dict[str, dict[str, str]]:
    """Poll until the room lists at least `count` publishers; raises TimeoutError otherwise."""
    async with asyncio.timeout(timeout_s):
        while len(found := await publishers(api, room)) < count:
            await asyncio.sleep(poll_s)
    return found


async def leave(api: JsonClient, room: str, peer: str) -> None:
    await api.request_object("POST", f"/rooms/{room}/leave", {"peer": peer})
