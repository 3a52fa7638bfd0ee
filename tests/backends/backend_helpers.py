"""Shared steps of the real-backend media tests: clips, ICE restriction, a measured window."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

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


def video_source(cache: Path, codec: str = "vp8") -> list[ClipPackets]:
    """A 480p clip at TARGET_BPS, one clip period = WINDOW_S."""
    return [load_packets(ensure_clip(video_spec(codec, "480p", TARGET_BPS, WINDOW_S), cache))]


def veth_bytes(interface: str) -> int:
    """Both directions of the run's veth (host side), headers included."""
    base = Path("/sys/class/net") / interface / "statistics"
    return sum(int((base / name).read_text()) for name in ("rx_bytes", "tx_bytes"))


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far."""
    proc = psutil.Process(pid)
    return sum(sum(p.cpu_times()[:2]) for p in [proc, *proc.children(recursive=True)])


async def payload_bytes(links: list[PeerLink]) -> tuple[int, int]:
    """(sent RTP payload bytes, received frame bytes) over every stream of `links` so far."""
    sent = [(await s.counters(0.0)).payload_bytes for link in links for s in link.send_streams]
    received = [s.counter.payload_bytes for link in links for s in link.recv_streams]
    return sum(sent), sum(received)


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
