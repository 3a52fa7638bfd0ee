"""End-to-end media runs: real aiortc peers in media driver processes, the embedded SFU in a namespace.

Checks from the video issue: achieved per-stream bitrate within ±5 % of target with zero loss, the
veth's wire rate within ±5 % of the streams' payload plus RTP/UDP/IP/Ethernet headers, SFU egress of
a group of 4 ≈ 4 × 3 × target, and every viewer of a 20-viewer broadcast within ±5 %.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from harness.network import TestNetwork
from harness.run import RunOptions, RunResult, execute
from harness.scenario import parse_scenario
from tests.conftest import needs_root

pytestmark = [pytest.mark.slow, needs_root]

HEADER_BYTES_PER_PACKET = 14 + 20 + 8 + 12 + 10
"""Ethernet + IPv4 + UDP + RTP fixed header + SRTP auth tag (VP8 descriptor counts as payload here)."""


def run_video(tmp_path: Path, duration_s: float = 8, **workload: Any) -> RunResult:
    doc = {
        "scenario": {"name": "video", "duration_s": duration_s, "ramp_s": 2, "drain_s": 1},
        "network": {"mode": "netns"},
        "workload": [{"kind": "video", "bitrate_mbps": 1.5, **workload}],
    }
    result = execute(
        parse_scenario(doc, "test"), RunOptions(results_dir=tmp_path / "results", quiet=True)
    )
    assert result.status == "ok", result.reasons
    return result


def test_a_1_to_1_call_holds_its_target_bitrate_with_no_loss_and_the_wire_adds_only_headers(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    m = run_video(tmp_path, users=2, room_size=2).summary.metrics
    assert m["video.recv_streams"].value == 2
    per_stream = m["video.recv_mbps_per_stream"].stats
    assert per_stream and per_stream.min >= 1.5 * 0.95 and per_stream.max <= 1.5 * 1.05, per_stream
    assert m["video.packets_lost"].value == 0
    assert m["video.streams_under_target"].value == 0
    expected_wire = (
        m["video.payload_mbps_sum"].value
        + m["video.rtp_packets_per_s"].value * HEADER_BYTES_PER_PACKET * 8 / 1e6
    )
    assert m["video.wire_mbps"].value == pytest.approx(expected_wire, rel=0.05)
    assert m["video.sfu_cpu_core_s_per_stream_min"].value > 0
    assert m["video.first_frame_ms"].n == 2


def test_a_group_call_of_4_makes_the_sfu_send_4_x_3_streams(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    result = run_video(tmp_path, users=4, room_size=4)
    m = result.summary.metrics
    assert m["video.recv_streams"].value == 12
    assert m["video.packets_lost"].value == 0
    recv_payload = m["video.recv_mbps_per_stream"].statistic("mean") * 12
    assert recv_payload == pytest.approx(4 * 3 * 1.5, rel=0.05)
    assert 4 * 3 * 1.5 * 0.95 <= m["video.sfu_egress_mbps"].value <= 4 * 3 * 1.5 * 1.12
    assert m["video.wire_mbps_per_participant"].value == pytest.approx(
        m["video.wire_mbps"].value / 4, rel=1e-4
    )


def test_a_broadcast_reaches_20_viewers_each_within_5_percent(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    result = run_video(tmp_path, mode="broadcast", users=20, room_size=20, duration_s=10)
    m = result.summary.metrics
    assert m["video.recv_streams"].value == 20
    assert result.summary.media_under_target == ()
    streams = pd.read_parquet(result.folder.path / "media_streams.parquet")
    viewers = streams[(streams["direction"] == "recv")]["peer"].nunique()
    assert viewers == 20
    per_stream = m["video.recv_mbps_per_stream"].stats
    assert per_stream and per_stream.min >= 1.5 * 0.95 and per_stream.max <= 1.5 * 1.05, per_stream


def test_a_1_to_1_call_through_janus_holds_its_target_with_no_loss(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    doc = {
        "scenario": {"name": "janus", "duration_s": 8, "ramp_s": 2, "drain_s": 1},
        "media": {"backend": "janus"},
        "workload": [{"kind": "video", "users": 2, "room_size": 2, "bitrate_mbps": 1.5}],
    }
    result = execute(
        parse_scenario(doc, "test"), RunOptions(results_dir=tmp_path / "results", quiet=True)
    )
    assert result.status == "ok", result.reasons
    assert result.summary.media_backend == "janus"
    m = result.summary.metrics
    per_stream = m["video.recv_mbps_per_stream"].stats
    assert m["video.recv_mbps_per_stream"].n == 2
    assert per_stream and per_stream.min >= 1.5 * 0.95 and per_stream.max <= 1.5 * 1.05, per_stream
    assert m["video.packets_lost"].value == 0
    expected_wire = (
        m["video.payload_mbps_sum"].value
        + m["video.rtp_packets_per_s"].value * HEADER_BYTES_PER_PACKET * 8 / 1e6
    )
    assert m["video.wire_mbps"].value == pytest.approx(expected_wire, rel=0.05)
    assert m["video.sfu_cpu_core_s_per_stream_min"].value > 0


def test_relay_only_media_through_janus_and_coturn_is_its_own_figure_and_leaves_no_secret(
    tmp_path: Path, leaves_nothing_behind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued: list[str] = []  # every token coturn's adapter makes: the run's TURN credential

    def recording(nbytes: int | None = None) -> str:
        issued.append(secrets.token_hex(nbytes))
        return issued[-1]

    monkeypatch.setattr("harness.backends.coturn.secrets", SimpleNamespace(token_hex=recording))
    doc = {
        "scenario": {"name": "turn", "duration_s": 8, "ramp_s": 2, "drain_s": 1},
        "media": {"backend": "janus", "turn": True},
        "workload": [{"kind": "video", "users": 2, "room_size": 2, "bitrate_mbps": 1.5}],
    }
    result = execute(
        parse_scenario(doc, "test"), RunOptions(results_dir=tmp_path / "results", quiet=True)
    )
    assert result.status == "ok", result.reasons
    m = result.summary.metrics
    per_stream = m["video.recv_mbps_per_stream"].stats
    assert per_stream and per_stream.min >= 1.5 * 0.95 and per_stream.max <= 1.5 * 1.05, per_stream
    assert m["video.packets_lost"].value == 0
    # Four relayed legs (2 publishers in, 2 subscribers out) each carry about one stream.
    assert m["turn.relay_mbps_mean"].value > 2 * 1.5
    assert m["turn.relay_gb_per_participant_hour"].value > 0

    password = max(issued, key=len)  # token_hex(16): the key; the user name is sent in clear
    assert len(password) == 32
    folder = result.folder.path
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name == "media-0.json" for p in files) and len(files) > 10
    assert [p for p in files if password.encode() in p.read_bytes()] == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert not Path(manifest["private_dir"]).exists(), "the private dir goes with the run"


def test_streams_starved_by_a_rate_cap_are_reported_under_target_by_name(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    def cap_uplink(net: TestNetwork) -> None:  # both publishers share 2 Mbps into the namespace
        subprocess.run(
            [
                "tc",
                "qdisc",
                "add",
                "dev",
                net.meter_interface,
                "root",
                "tbf",
                "rate",
                "2mbit",
                "burst",
                "32kb",
                "latency",
                "400ms",
            ],
            check=True,
        )

    doc = {
        "scenario": {"name": "capped", "duration_s": 8, "ramp_s": 2, "drain_s": 1},
        "network": {"mode": "netns"},
        "workload": [{"kind": "video", "users": 2, "room_size": 2, "bitrate_mbps": 1.5}],
    }
    options = RunOptions(results_dir=tmp_path / "results", quiet=True, on_network_ready=cap_uplink)
    result = execute(parse_scenario(doc, "test"), options)
    low = result.summary.media_under_target
    assert result.summary.metrics["video.streams_under_target"].value == 2 == len(low)
    assert all(s.achieved_mbps < 0.9 * 1.5 and s.target_mbps == 1.5 for s in low), low
    assert {s.stream for s in low} == {"p0/video", "p1/video"}
