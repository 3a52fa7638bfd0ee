"""Peer-to-peer media without an SFU, for measuring the generator itself (scripts/bench_media.py).

`direct_pair` connects a sender and a receiver inside one process; `SinkPeer` answers offers in a
receive-only process so that sending and receiving costs can be measured in separate processes
(the script serves `SinkPeer.answer` as `POST /offer`; `offer_to_sink` is the sending side).
"""

from __future__ import annotations

from aiortc import RTCSessionDescription

from workloads.media.http_client import JsonClient, JsonObject
from workloads.media.packets import ClipPackets
from workloads.media.peers import PeerLink, receiving_link, sending_link
from workloads.media.session import MediaSession


async def direct_pair(
    name: str, sources: list[ClipPackets], start_index: int = 0
) -> tuple[PeerLink, PeerLink]:
    """A sender `name` and its receiver `name-rx`, connected in this process."""
    send = sending_link(name, sources, start_index)
    recv = receiving_link(f"{name}-rx", name, {p.kind: p.codec for p in sources}, offerer=False)
    await send.pc.setLocalDescription(await send.pc.createOffer())
    await recv.pc.setRemoteDescription(send.pc.localDescription)
    await recv.pc.setLocalDescription(await recv.pc.createAnswer())
    await send.pc.setRemoteDescription(recv.pc.localDescription)
    return send, recv


class SinkPeer:
    """Receives and counts every stream offered to it, in its own `session`."""

    def __init__(self, session: MediaSession) -> None:
        self.session = session

    async def answer(self, offer: JsonObject) -> JsonObject:
        """{"peer", "codecs", "sdp", "type": "offer"} → {"sdp", "type": "answer"}."""
        peer = str(offer["peer"])
        link = receiving_link(f"{peer}-rx", peer, dict(offer["codecs"]), offerer=False)
        await link.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        await link.pc.setLocalDescription(await link.pc.createAnswer())
        self.session.links.append(link)
        return {"sdp": link.pc.localDescription.sdp, "type": "answer"}


async def offer_to_sink(
    sink: JsonClient, name: str, sources: list[ClipPackets], start_index: int = 0
) -> PeerLink:
    """A sender `name` connected to the SinkPeer that `sink` reaches (its `POST /offer`)."""
    link = sending_link(name, sources, start_index)
    await link.pc.setLocalDescription(await link.pc.createOffer())
    body = {
        "peer": name,
        "codecs": {p.kind: p.codec for p in sources},
        "sdp": link.pc.localDescription.sdp,
        "type": "offer",
    }
    answer = await sink.request_object("POST", "/offer", body)
    await link.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    return link
