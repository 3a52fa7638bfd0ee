"""Shared steps of the real-backend media tests: clips, ICE restriction, a measured window."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workloads.media import encoded
from workloads.media.clips import ensure_clip, video_spec
from workloads.media.judge import StreamVerdict, judge_streams
from workloads.media.netaddr import restrict_host_addresses
from workloads.media.packets import ClipPackets, load_packets
from workloads.media.peers import PeerLink
from workloads.media.session import MediaSession

TARGET_BPS = 1_500_000
WARM_UP_S = 2
WINDOW_S = 10
"""The judged window is one whole clip period (10 s), so keyframe placement cannot bias it."""


def vp8_source(cache: Path) -> list[ClipPackets]:
    return [load_packets(ensure_clip(video_spec("vp8", "480p", TARGET_BPS, WINDOW_S), cache))]


@contextmanager
def media_on(addresses: list[str]) -> Iterator[None]:
    """ICE host candidates only on `addresses`, receivers that count without decoding."""
    undo = restrict_host_addresses(addresses)
    encoded.install()
    try:
        yield
    finally:
        encoded.uninstall()
        undo()


async def measure(links: list[PeerLink]) -> list[StreamVerdict]:
    """Sample every stream of `links` each second; judge the WINDOW_S after WARM_UP_S."""
    session = MediaSession(keep_samples=True)
    session.links.extend(links)
    for _ in range(WARM_UP_S + WINDOW_S + 1):  # the first tick only takes the baselines
        await session.sample_once()
        await asyncio.sleep(1.0)
    after_s = sorted({s.t_s for s in session.samples})[WARM_UP_S - 1]
    return judge_streams(session.samples, {"video": TARGET_BPS}, after_s=after_s)


def candidate_addresses(sdp: str) -> set[tuple[str, str]]:
    """(address, type) of every ICE candidate in an SDP."""
    return set(re.findall(r"a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ (\S+)", sdp))
