"""ICE configurations for aiortc peers: direct, or relay-only through our own TURN server.

aiortc 1.16 forces relay like a browser does: `RTCConfiguration(iceTransportPolicy=RELAY)` makes
aioice skip host and server-reflexive gathering (RFC 9429 §3.5.3) and offer only the TURN
allocation (`typ relay`), so every media packet crosses the TURN server. The TURN server must be
the only ice server: `RTCConfiguration(iceServers=None)` would fall back to Google's public STUN
server, which is not ours to use.

Peer links take the configuration as a parameter
(`workloads.media.peers.sending_link(..., configuration=...)` and `receiving_link`);
`direct_configuration` is defined there, next to `new_pc`, and re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import RTCConfiguration, RTCIceServer
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from workloads.media.packets import ClipPackets
from workloads.media.peers import PeerLink, direct_configuration, receiving_link, sending_link

__all__ = [
    "TurnServer",
    "connected_pair",
    "direct_configuration",
    "relay_configuration",
]


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


def relay_configuration(server: TurnServer) -> RTCConfiguration:
    """Relay-only: the TURN allocation is the one local candidate; nothing else is gathered."""
    ice = RTCIceServer(urls=[server.url], username=server.username, credential=server.password)
    return RTCConfiguration(iceServers=[ice], iceTransportPolicy=RTCIceTransportPolicy.RELAY)


async def connected_pair(
    name: str, sources: list[ClipPackets], configuration: RTCConfiguration
) -> tuple[PeerLink, PeerLink]:
    """A 1:1 call without an SFU: sender `name` and receiver `name-rx`, signalled in-process,
    both with `configuration` (relay-only: every packet goes through the TURN server twice)."""
    send = sending_link(name, sources, configuration=configuration)
    codecs = {p.kind: p.codec for p in sources}
    recv = receiving_link(f"{name}-rx", name, codecs, offerer=False, configuration=configuration)
    await send.pc.setLocalDescription(await send.pc.createOffer())
    await recv.pc.setRemoteDescription(send.pc.localDescription)
    await recv.pc.setLocalDescription(await recv.pc.createAnswer())
    await send.pc.setRemoteDescription(recv.pc.localDescription)
    return send, recv
