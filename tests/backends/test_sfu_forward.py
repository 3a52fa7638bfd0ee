"""SFU fan-out helpers: keyframe detection and a subscriber that starts at a keyframe."""

from __future__ import annotations

import asyncio

import av
import pytest

from harness.backends.sfu_forward import MAX_QUEUED_FRAMES, ForwardTrack, is_keyframe


@pytest.mark.parametrize(
    ("codec", "data", "key"),
    [
        ("vp8", b"\x10\x02\x00\x9d\x01\x2a", True),
        ("vp8", b"\x31\x02\x00", False),
        ("h264", b"\x00\x00\x00\x01\x67\x42\x00\x00\x00\x01\x68\x00\x00\x00\x01\x65\x88", True),
        ("h264", b"\x00\x00\x00\x01\x41\x9a", False),
        ("opus", b"\xfc\xff", True),
    ],
    ids=[
        "a VP8 key frame",
        "a VP8 inter frame",
        "an H.264 IDR with SPS",
        "an H.264 P slice",
        "Opus",
    ],
)
def test_keyframe_detection(codec: str, data: bytes, key: bool) -> None:
    assert is_keyframe(codec, data) is key


def test_a_new_subscriber_skips_to_the_first_keyframe() -> None:
    async def scenario() -> list[bytes]:
        track = ForwardTrack("video")
        for data, key in [(b"p1", False), (b"k1", True), (b"p2", False)]:
            track.offer(av.Packet(data), key)
        track.offer(None, True)
        out = [bytes(await track.recv()) for _ in range(2)]
        assert track.frames_dropped == 1
        return out

    assert asyncio.run(scenario()) == [b"k1", b"p2"]


def test_a_subscriber_too_far_behind_is_cut_back_to_the_next_keyframe() -> None:
    async def scenario() -> tuple[bytes, int]:
        track = ForwardTrack("video")
        track.offer(av.Packet(b"k0"), True)
        for i in range(MAX_QUEUED_FRAMES + 5):
            track.offer(av.Packet(b"p%d" % i), False)
        track.offer(av.Packet(b"k1"), True)
        return bytes(await track.recv()), track.frames_dropped

    first, dropped = asyncio.run(scenario())
    assert first == b"k1"
    assert dropped == MAX_QUEUED_FRAMES + 6  # the 120-frame backlog, then 6 inter frames until k1
