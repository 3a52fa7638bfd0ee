"""Broadcast 1→N through the SFU, and a 1:1 call across a network namespace this test creates.

The namespace test puts the SFU inside `ip netns` on 10.78.x.2/30 with a veth to the host
(10.78.x.1/30), so ICE runs on namespace addresses only, and the veth's counters carry the media.
Namespace, veth and processes are removed at the end, also on failure. Needs root.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.backends.embedded_media import SfuProcess
from harness.drivers.media_driver import MediaDriverConfig
from tests.requirements import require_root
from workloads.media.judge import judge_streams
from workloads.media.records import StreamSample
from workloads.media.sink import read_samples

pytestmark = pytest.mark.slow  # real servers, peers or imbench runs: not the fast suite

TARGET_BPS = 1_500_000
Drive = Callable[..., list[StreamSample]]


def _start(config: MediaDriverConfig, tmp: Path, name: str) -> subprocess.Popen[bytes]:
    path = tmp / f"{name}.json"
    path.write_text(config.to_json())
    argv = [sys.executable, "-m", "harness.drivers.media_driver", str(path)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL)


def test_a_broadcast_reaches_every_viewer_at_the_published_bitrate(
    sfu: SfuProcess, tmp_path: Path, clip_cache: Path
) -> None:
    common = {"sfu_host": sfu.host, "sfu_port": sfu.port, "clip_cache_dir": str(clip_cache)}
    publisher = MediaDriverConfig(
        role="publisher",
        peers=1,
        room_size=1,
        duration_s=10.0,
        room_prefix="live",
        out_path=str(tmp_path / "pub.jsonl"),
        **common,  # type: ignore[arg-type]
    )
    viewers = MediaDriverConfig(
        role="viewer",
        peers=6,
        room_size=6,
        duration_s=8.0,
        room_prefix="live",
        out_path=str(tmp_path / "view.jsonl"),
        generator=1,
        **common,  # type: ignore[arg-type]
    )
    procs = [_start(publisher, tmp_path, "pub"), _start(viewers, tmp_path, "view")]
    assert [p.wait(60) for p in procs] == [0, 0]
    samples = read_samples(Path(viewers.out_path))
    after_s = min(s.t_s for s in samples) + 2.0
    verdicts = judge_streams(samples, {"video": TARGET_BPS}, after_s=after_s)
    assert [v.stream for v in verdicts] == ["pub0/video"] * 6
    assert all(v.ok and abs(v.error_pct) <= 5 for v in verdicts), verdicts


@dataclass(frozen=True)
class Netns:
    name: str
    host_if: str
    host_ip: str
    ns_ip: str


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def netns() -> Iterator[Netns]:
    require_root()
    tag = os.getpid() % 250
    ns = Netns(f"imbm-{os.getpid()}", f"imbm{os.getpid()}h", f"10.78.{tag}.1", f"10.78.{tag}.2")
    peer_if = f"imbm{os.getpid()}n"
    try:
        _ip("netns", "add", ns.name)
        _ip("link", "add", ns.host_if, "type", "veth", "peer", "name", peer_if)
        _ip("link", "set", peer_if, "netns", ns.name)
        _ip("addr", "add", f"{ns.host_ip}/30", "dev", ns.host_if)
        _ip("link", "set", ns.host_if, "up")
        for cmd in (
            ["addr", "add", f"{ns.ns_ip}/30", "dev", peer_if],
            ["link", "set", peer_if, "up"],
            ["link", "set", "lo", "up"],
        ):
            _ip("netns", "exec", ns.name, "ip", *cmd)
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)
        subprocess.run(["ip", "link", "del", ns.host_if], capture_output=True)


def _veth_bytes(interface: str) -> int:
    base = Path("/sys/class/net") / interface / "statistics"
    return sum(int((base / f).read_text()) for f in ("rx_bytes", "tx_bytes"))


@pytest.mark.root
def test_a_call_across_a_namespace_uses_only_namespace_addresses(
    netns: Netns, tmp_path: Path, clip_cache: Path
) -> None:
    sfu = SfuProcess(host=netns.ns_ip, netns=netns.name)
    try:
        config = MediaDriverConfig(
            sfu_host=sfu.host,
            sfu_port=sfu.port,
            role="participant",
            peers=2,
            room_size=2,
            duration_s=8.0,
            out_path=str(tmp_path / "ns.jsonl"),
            clip_cache_dir=str(clip_cache),
            ice_addresses=(netns.host_ip,),
        )
        wire_before = _veth_bytes(netns.host_if)
        assert _start(config, tmp_path, "ns").wait(60) == 0
        wire_bytes = _veth_bytes(netns.host_if) - wire_before
    finally:
        sfu.stop()
    samples = read_samples(Path(config.out_path))
    verdicts = judge_streams(
        samples, {"video": TARGET_BPS}, after_s=min(s.t_s for s in samples) + 2
    )
    assert len(verdicts) == 2 and all(v.ok for v in verdicts), verdicts
    received = sum(s.payload_bytes for s in samples if s.direction == "recv")
    sent = sum(s.payload_bytes for s in samples if s.direction == "send")
    assert wire_bytes > received + sent, "all media crossed the veth (headers included)"
