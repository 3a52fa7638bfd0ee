"""Peer-to-peer media without an SFU, for measuring the generator itself (scripts/bench_media.py).

`direct_pair` connects a sender and a receiver inside one process; `SinkPeer` answers offers in a
receive-only process so that sending and receiving costs can be measured in separate processes.
"""

from __future__ import annotations

from aiortc import RTCSessionDescription

from workloads.media.httpjson import JsonObject, request_json
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
    """HTTP handler: POST /offer {"peer", "codecs", "sdp", "type"} → answer; receives and counts."""

    def __init__(self, session: MediaSession) -> None:
        self.session = session

    async def handle(self, method: str, path: str, body: JsonObject) -> tuple[int, JsonObject]:
        if (method, path) != ("POST", "/offer"):
            return 404, {"error": f"no route {method} {path}"}
        peer = str(body["peer"])
        link = receiving_link(f"{peer}-rx", peer, dict(body["codecs"]), offerer=False)
        await link.pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "offer"))
        await link.pc.setLocalDescription(await link.pc.createAnswer())
        self.session.links.append(link)
        return 200, {"sdp": link.pc.localDescription.sdp, "type": "answer"}


async def offer_to_sink(
    host: str, port: int, name: str, sources: list[ClipPackets], start_index: int = 0
) -> PeerLink:
    """A sender `name` connected to a SinkPeer at host:port."""
    link = sending_link(name, sources, start_index)
    await link.pc.setLocalDescription(await link.pc.createOffer())
    body = {
        "peer": name,
        "codecs": {p.kind: p.codec for p in sources},
        "sdp": link.pc.localDescription.sdp,
        "type": "offer",
    }
    answer = await request_json(host, port, "POST", "/offer", body)
    await link.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    return link
