"""Clips: generated once with PyAV, cached by everything that shapes their bytes, and honest
about the bitrate they achieved."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import av
import pytest

from harness.kernel.errors import BadInput
from workloads.media.clips import ClipSpec, ensure_clip, video_spec
from workloads.media.packets import load_packets, loop_pts_ticks


@pytest.mark.parametrize(
    "spec",
    [
        video_spec("vp8", "480p", 1_500_000, duration_s=3),
        video_spec("h264", "480p", 1_000_000, duration_s=3),
        video_spec("vp8", "720p", 2_000_000, duration_s=3),
        ClipSpec("opus", 32_000, duration_s=3),
    ],
    ids=lambda s: s.key,
)
def test_a_generated_clip_achieves_its_bitrate_within_5_pct(
    spec: ClipSpec, clip_cache: Path
) -> None:
    info = ensure_clip(spec, clip_cache)
    assert info.codec == spec.codec
    # re-sum the clip's own packets (demuxed here, not by workloads.media.packets) over its
    # stated duration: the bitrate it really carries, whatever the clip says of itself
    with av.open(info.path) as container:
        stream = container.streams[0]
        packets = [(p.size, p.pts, p.is_keyframe) for p in container.demux(stream) if p.size]
        time_base = float(stream.time_base or 0)
    achieved_bps = 8 * sum(size for size, _, _ in packets) / spec.duration_s
    assert abs(achieved_bps / spec.bitrate_bps - 1) <= 0.05, (achieved_bps, spec.bitrate_bps)
    assert info.achieved_bitrate_bps == pytest.approx(achieved_bps, rel=0.01)  # it tells the truth
    if spec.kind == "video":
        assert len(packets) == info.packets == 3 * spec.fps
        keys_s = [pts * time_base for _, pts, key in packets if key and pts is not None]
        assert keys_s[0] == 0 and len(keys_s) >= 2
        gaps = [b - a for a, b in itertools.pairwise([*keys_s, spec.duration_s])]
        assert 1.0 <= max(gaps) <= 2.0, keys_s


def test_a_cached_clip_is_reused_not_regenerated(clip_cache: Path) -> None:
    spec = video_spec("vp8", "480p", 1_000_000, duration_s=2)
    first = ensure_clip(spec, clip_cache)
    mtime_ns = os.stat(first.path).st_mtime_ns
    again = ensure_clip(spec, clip_cache)
    assert again == first
    assert os.stat(again.path).st_mtime_ns == mtime_ns


def test_clips_that_differ_in_any_parameter_have_different_keys() -> None:
    base = video_spec("vp8", "480p", 1_500_000)
    others = [
        video_spec("h264", "480p", 1_500_000),
        video_spec("vp8", "720p", 1_500_000),
        video_spec("vp8", "480p", 2_000_000),
        video_spec("vp8", "480p", 1_500_000, duration_s=20),
        video_spec("vp8", "480p", 1_500_000, fps=25),
        ClipSpec("vp8", 1_500_000, keyframe_interval_s=2.0),
    ]
    assert len({base.key, *(o.key for o in others)}) == 1 + len(others)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (ClipSpec("vp9", 1_500_000), "codec"),
        (ClipSpec("vp8", 1_000), "bitrate_bps"),
        (ClipSpec("vp8", 1_500_000, duration_s=1), "duration_s"),
        (ClipSpec("vp8", 1_500_000, keyframe_interval_s=4.0), "keyframe_interval_s"),
    ],
    ids=["an unknown codec", "a bitrate too low", "a clip too short", "a keyframe gap over 2 s"],
)
def test_a_spec_the_generator_cannot_honour_is_rejected_naming_the_field(
    spec: ClipSpec, field: str, clip_cache: Path
) -> None:
    with pytest.raises(BadInput) as caught:
        ensure_clip(spec, clip_cache)
    assert caught.value.field == field


def test_an_unknown_resolution_is_rejected() -> None:
    with pytest.raises(BadInput, match="resolution"):
        video_spec("vp8", "1080i", 1_500_000)


def test_loaded_packets_loop_with_a_running_timestamp(clip_cache: Path) -> None:
    packets = load_packets(
        ensure_clip(video_spec("vp8", "480p", 1_000_000, duration_s=2), clip_cache)
    )
    count = len(packets.payloads)
    assert count == 60 and packets.period_s == pytest.approx(2.0)
    stamps = [loop_pts_ticks(packets, 5, sent) for sent in range(3 * count)]
    assert stamps[0] == 0
    steps = {b - a for a, b in itertools.pairwise(stamps)}
    assert len(steps) == 1, "one constant step across loop boundaries: no restart, no burst"
