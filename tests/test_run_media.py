"""End-to-end media runs: real aiortc peers in media driver processes, the embedded SFU in a namespace.

Checks from the video issue: achieved per-stream bitrate within ±5 % of target with zero loss, the
veth's wire rate equal to the streams' payload plus the headers each captured RTP packet carries
(within a third of the headers' share, so a meter that missed them fails), SFU egress of a group
of 4 ≈ 4 × 3 × target, and every viewer of a 20-viewer broadcast within ±5 %.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from harness.kernel.figures import Figure
from harness.network import TestNetwork
from harness.run import RunOptions, RunResult, execute
from harness.scenario import parse_scenario
from tests.conftest import needs_root
from tests.test_run import VethCapture, pcap_frames

pytestmark = [pytest.mark.slow, needs_root]

SRTP_AUTH_TAG_BYTES = 10
"""AES_CM_128_HMAC_SHA1_80, the profile aiortc and Janus negotiate."""


def rtp_overhead_bytes(capture: Path) -> float:
    """Mean bytes each captured RTP packet adds to its payload, from the packets' own sizes:
    frame length − RTP payload, the payload being the UDP payload after the RTP header (CSRCs and
    header extensions included) and before the SRTP auth tag."""
    overheads = []
    for orig, frame in pcap_frames(capture):
        if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue  # IPv4 UDP only
        ip_len = 4 * (frame[14] & 0x0F)
        udp = 14 + ip_len
        udp_len = int.from_bytes(frame[udp + 4 : udp + 6], "big")
        rtp = frame[udp + 8 :]
        if len(rtp) < 12 or rtp[0] >> 6 != 2 or 192 <= rtp[1] <= 223:
            continue  # not RTP (STUN, DTLS, RTCP)
        header = 12 + 4 * (rtp[0] & 0x0F)
        if rtp[0] & 0x10:
            header += 4 + 4 * int.from_bytes(rtp[header + 2 : header + 4], "big")
        overheads.append(orig - (udp_len - 8 - header - SRTP_AUTH_TAG_BYTES))
    assert len(overheads) > 1000, "the capture holds the call's RTP packets"
    return sum(overheads) / len(overheads)


def assert_wire_is_payload_plus_headers(m: Mapping[str, Figure], capture: Path) -> None:
    """The veth's rate is the streams' payload plus what each packet's headers add, within a
    tolerance a third of the headers' share: a meter that missed the headers would fail."""
    overhead_b = rtp_overhead_bytes(capture)
    assert 62 <= overhead_b <= 120, overhead_b  # Ethernet+IPv4+UDP+RTP+SRTP tag = 62, + extensions
    payload_mbps = m["video.payload_mbps_sum"].value
    headers_mbps = m["video.rtp_packets_per_s"].value * overhead_b * 8 / 1e6
    expected = payload_mbps + headers_mbps
    header_share = headers_mbps / expected
    assert header_share > 0.04, header_share
    wire = m["video.wire_mbps"].value
    assert abs(wire / expected - 1) < header_share / 3, (wire, expected, header_share)


def run_video(
    tmp_path: Path, duration_s: float = 8, capture: VethCapture | None = None, **workload: Any
) -> RunResult:
    doc = {
        "scenario": {"name": "video", "duration_s": duration_s, "ramp_s": 2, "drain_s": 1},
        "network": {"mode": "netns"},
        "workload": [{"kind": "video", "bitrate_mbps": 1.5, **workload}],
    }
    options = RunOptions(
        results_dir=tmp_path / "results",
        quiet=True,
        on_network_ready=capture.start if capture else None,
    )
    try:
        result = execute(parse_scenario(doc, "test"), options)
    finally:
        if capture:
            capture.stop()
    assert result.status == "ok", result.reasons
    return result


def test_a_1_to_1_call_holds_its_target_bitrate_with_no_loss_and_the_wire_adds_only_headers(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    capture = VethCapture(tmp_path / "veth.pcap", snaplen=128)
    m = run_video(tmp_path, capture=capture, users=2, room_size=2).summary.metrics
    assert m["video.recv_streams"].value == 2
    per_stream = m["video.recv_mbps_per_stream"].stats
    assert per_stream and per_stream.min >= 1.5 * 0.95 and per_stream.max <= 1.5 * 1.05, per_stream
    assert m["video.packets_lost"].value == 0
    assert m["video.streams_under_target"].value == 0
    assert_wire_is_payload_plus_headers(m, capture.path)
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
    # each participant sends one 1.5 Mbps stream and receives the 3 others: 4 × 1.5 = 6 Mbps
    # of payload crosses the veth for each, plus its headers (5–12 %)
    assert 6.0 * 0.98 <= m["video.wire_mbps_per_participant"].value <= 6.0 * 1.12


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
    capture = VethCapture(tmp_path / "veth.pcap", snaplen=128)
    options = RunOptions(
        results_dir=tmp_path / "results", quiet=True, on_network_ready=capture.start
    )
    try:
        result = execute(parse_scenario(doc, "test"), options)
    finally:
        capture.stop()
    assert result.status == "ok", result.reasons
    assert result.summary.media_backend == "janus"
    m = result.summary.metrics
    per_stream = m["video.recv_mbps_per_stream"].stats
    assert m["video.recv_mbps_per_stream"].n == 2
    assert per_stream and per_stream.min >= 1.5 * 0.95 and per_stream.max <= 1.5 * 1.05, per_stream
    assert m["video.packets_lost"].value == 0
    assert_wire_is_payload_plus_headers(m, capture.path)
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
    # Four relayed legs (2 publishers in, 2 subscribers out) each carry one stream, and coturn
    # counts each leg twice: on its client side and on its peer side. So the relay rate is twice
    # what the drivers sent and received over the media span (from their own records); the RTP
    # headers and SRTP tags inside each UDP payload add ~3 %, about what coturn's count misses at
    # the span's edges (measured: 0.999 of twice the legs).
    streams = pd.read_parquet(result.folder.path / "media_streams.parquet")
    span_s = streams["t_s"].max() - (streams["t_s"] - streams["interval_s"]).min()
    legs_mbps = 8 * streams["payload_bytes"].sum() / span_s / 1e6
    assert 4 * 1.5 * 0.8 < legs_mbps < 4 * 1.5 * 1.05, legs_mbps  # the ramp is in the span
    relay = m["turn.relay_mbps_mean"].value
    assert 2 * legs_mbps * 0.95 <= relay <= 2 * legs_mbps * 1.10, (relay, legs_mbps)
    # Mbps × 1e6 / 8 B/s × 3600 s / 1e9 B/GB over 2 participants = Mbps × 0.225
    assert m["turn.relay_gb_per_participant_hour"].value == pytest.approx(relay * 0.225, rel=1e-3)

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
