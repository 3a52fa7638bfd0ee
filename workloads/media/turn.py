"""ICE configurations for aiortc peers (direct, or relay-only through our own TURN server), and
the peer links built with them.

aiortc 1.16 forces relay like a browser does: `RTCConfiguration(iceTransportPolicy=RELAY)` makes
aioice skip host and server-reflexive gathering (RFC 9429 §3.5.3) and offer only the TURN
allocation (`typ relay`), so every media packet crosses the TURN server. The TURN server must be
the only ice server: `RTCConfiguration(iceServers=None)` would fall back to Google's public STUN
server, which is not ours to use.

`sending_link` and `receiving_link` build the same `PeerLink`s as `workloads.media.peers`, with
the configuration as a parameter (peers.py always uses an empty one).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from workloads.media.codecs import force_codec
from workloads.media.packets import ClipPackets
from workloads.media.peers import PeerLink
from workloads.media.receiver import ReceiveStream, RttSource
from workloads.media.records import StreamId
from workloads.media.sender import SendStream
from workloads.media.tracks import PacketLoopTrack


@dataclass(frozen=True)
class TurnServer:
    """A TURN server with one long-term credential (RFC 5766), plain UDP (no TLS)."""

    host: str
    port: int
    username: str
    password: str

    @property
    def url(self) -> str:
        return f"turn:{self.host}:{self.port}?transport=udp"


def direct_configuration() -> RTCConfiguration:
    """Host candidates only (no STUN, no TURN): media goes straight to the far end."""
    return RTCConfiguration(iceServers=[])


def relay_configuration(server: TurnServer) -> RTCConfiguration:
    """Relay-only: the TURN allocation is the one local candidate; nothing else is gathered."""
    ice = RTCIceServer(urls=[server.url], username=server.username, credential=server.password)
    return RTCConfiguration(iceServers=[ice], iceTransportPolicy=RTCIceTransportPolicy.RELAY)


def sending_link(
    peer: str,
    sources: list[ClipPackets],
    configuration: RTCConfiguration,
    start_index: int = 0,
) -> PeerLink:
    """A peer connection with one sendonly packet-loop track per source (no signalling yet)."""
    link = PeerLink(RTCPeerConnection(configuration), asyncio.get_running_loop().time())
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
    configuration: RTCConfiguration,
    rtt_source: RttSource | None = None,
) -> PeerLink:
    """An answering peer connection that counts `publisher`'s tracks (kind → codec) undecoded.

    Its transceivers come from the far end's offer (Janus offers to subscribers).
    """
    link = PeerLink(RTCPeerConnection(configuration), asyncio.get_running_loop().time())

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


async def connected_pair(
    name: str, sources: list[ClipPackets], configuration: RTCConfiguration
) -> tuple[PeerLink, PeerLink]:
    """A 1:1 call without an SFU: sender `name` and receiver `name-rx`, signalled in-process,
    both with `configuration` (relay-only: every packet goes through the TURN server twice)."""
    send = sending_link(name, sources, configuration)
    codecs = {p.kind: p.codec for p in sources}
    recv = receiving_link(f"{name}-rx", name, codecs, configuration)
    await send.pc.setLocalDescription(await send.pc.createOffer())
    await recv.pc.setRemoteDescription(send.pc.localDescription)
    await recv.pc.setLocalDescription(await recv.pc.createAnswer())
    await send.pc.setRemoteDescription(recv.pc.localDescription)
    return send, recv
