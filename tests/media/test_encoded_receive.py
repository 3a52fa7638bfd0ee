"""The no-decode receive path is local: only marked tracks skip the decoder.

Two real aiortc peer connections in this process over 127.0.0.1 (ICE host enumeration restricted
for the test and restored after); one sender sends two packet-loop video tracks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack

from workloads.media import encoded
from workloads.media.clips import ensure_clip, video_spec
from workloads.media.codecs import force_codec
from workloads.media.encoded import EncodedFrame, mark_encoded
from workloads.media.netaddr import restrict_host_addresses
from workloads.media.packets import load_packets
from workloads.media.tracks import PacketLoopTrack


@pytest.fixture
def loopback_only() -> Iterator[None]:
    undo = restrict_host_addresses(["127.0.0.1"])
    try:
        yield
    finally:
        undo()
        encoded.uninstall()


async def first_items(clip_dir: Path) -> tuple[object, object]:
    packets = load_packets(
        ensure_clip(video_spec("vp8", "480p", 1_000_000, duration_s=2), clip_dir)
    )
    no_stun = RTCConfiguration(iceServers=[])  # aiortc's default would ask a public STUN server
    sender, receiver = RTCPeerConnection(no_stun), RTCPeerConnection(no_stun)
    for start in (0, 30):
        force_codec(sender.addTransceiver(PacketLoopTrack(packets, start), "sendonly"), "vp8")
    tracks: list[MediaStreamTrack] = []

    @receiver.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        if not tracks:
            mark_encoded(track)  # only the first track
        tracks.append(track)

    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    try:
        async with asyncio.timeout(10):
            return await tracks[0].recv(), await tracks[1].recv()
    finally:
        await sender.close()
        await receiver.close()


def test_a_marked_track_yields_encoded_frames_and_an_unmarked_one_still_decodes(
    loopback_only: None, clip_cache: Path
) -> None:
    marked, unmarked = asyncio.run(first_items(clip_cache))
    assert isinstance(marked, EncodedFrame)
    assert marked.codec == "VP8" and marked.clock_rate_hz == 90_000 and len(marked.data) > 100
    assert isinstance(unmarked, av.VideoFrame)
