"""Packet-loop tracks pace pre-encoded packets by their timestamps and share one packet list."""

from __future__ import annotations

import asyncio
import time
from fractions import Fraction

from workloads.media.packets import ClipPackets
from workloads.media.tracks import PacketLoopTrack


def tiny_clip(frames: int = 10, fps: int = 100) -> ClipPackets:
    step = 90_000 // fps
    return ClipPackets(
        kind="video",
        codec="vp8",
        payloads=tuple(bytes([i]) * 100 for i in range(frames)),
        pts_ticks=tuple(i * step for i in range(frames)),
        keyframes=tuple(i == 0 for i in range(frames)),
        time_base=Fraction(1, 90_000),
        period_ticks=frames * step,
        achieved_bitrate_bps=80_000.0,
    )


def test_a_track_sends_at_the_clip_rate_across_loops_without_bursting() -> None:
    clip = tiny_clip()
    track = PacketLoopTrack(clip)

    async def pull(n: int) -> tuple[list[int], float]:
        start = time.monotonic()
        stamps = [(await track.recv()).pts or 0 for _ in range(n)]
        return stamps, time.monotonic() - start

    stamps, elapsed_s = asyncio.run(pull(35))  # 3.5 loops of a 0.1 s clip at 100 packets/s
    assert stamps == [i * 900 for i in range(35)]
    assert 0.32 <= elapsed_s <= 0.5, elapsed_s
    assert track.frames_sent == 35 and track.restarts == 0


def test_many_tracks_share_the_payload_objects_of_one_clip() -> None:
    clip = tiny_clip()
    tracks = [PacketLoopTrack(clip, start_index=i) for i in range(50)]
    assert all(t._packets.payloads is clip.payloads for t in tracks)


def test_a_track_started_mid_clip_sends_from_there_with_pts_from_zero() -> None:
    clip = tiny_clip()
    track = PacketLoopTrack(clip, start_index=7)

    async def first_two() -> list[tuple[int, bytes]]:
        return [((p := await track.recv()).pts or 0, bytes(p)[:1]) for _ in range(2)]

    assert asyncio.run(first_two()) == [(0, b"\x07"), (900, b"\x08")]


def test_a_track_stalled_past_half_a_second_resumes_paced_instead_of_bursting() -> None:
    track = PacketLoopTrack(tiny_clip())  # 100 packets/s

    async def stall_then_pull() -> float:
        await track.recv()
        time.sleep(0.6)  # the event loop is blocked: every packet of the next 0.6 s is overdue
        await track.recv()  # due long ago: sent at once, schedule re-anchored
        start = time.monotonic()
        for _ in range(5):
            await track.recv()
        return time.monotonic() - start

    elapsed_s = asyncio.run(stall_then_pull())
    assert track.restarts == 1
    assert elapsed_s >= 0.04, "the 5 packets after the stall are paced 10 ms apart, not burst"
