"""Real aiortc peers through the embedded SFU process, over loopback: the issue-4 acceptance runs."""

from __future__ import annotations

from pathlib import Path

from tests.media.conftest import SfuProcess, base_config, run_driver, warm_up_end_s
from workloads.media.httpjson import request_json
from workloads.media.judge import judge_streams
from workloads.media.plan import expected_egress_mbps

TARGET_BPS = 1_500_000


def test_one_to_one_at_1_5_mbps_hits_target_within_5_pct_without_loss(
    sfu: SfuProcess, tmp_path: Path, clip_cache: Path
) -> None:
    config = base_config(sfu, tmp_path / "media.jsonl", clip_cache, peers=2, room_size=2)
    samples = run_driver(config, tmp_path)
    verdicts = judge_streams(samples, {"video": TARGET_BPS}, after_s=warm_up_end_s(samples))
    assert len(verdicts) == 2
    for v in verdicts:
        assert abs(v.error_pct) <= 5.0, v
        assert v.packets_lost == 0, v
        assert v.frames_per_s > 29.0, v
        assert v.ok
    # the same streams judged against a target they reach less than 90 % of are flagged
    strict = judge_streams(samples, {"video": 1.8e6}, after_s=warm_up_end_s(samples))
    assert all(v.under_target and not v.ok for v in strict)


def test_group_of_4_egress_is_4_times_3_streams(
    sfu: SfuProcess, tmp_path: Path, clip_cache: Path
) -> None:
    import asyncio

    config = base_config(sfu, tmp_path / "media.jsonl", clip_cache, peers=4, room_size=4)
    samples = run_driver(config, tmp_path)
    after_s = warm_up_end_s(samples)
    verdicts = judge_streams(samples, {"video": TARGET_BPS}, after_s=after_s)
    assert len(verdicts) == 12
    assert all(v.ok for v in verdicts), [v for v in verdicts if not v.ok]
    egress_mbps = sum(v.achieved_mbps for v in verdicts)
    expected = expected_egress_mbps(4, 3, TARGET_BPS)
    assert abs(egress_mbps / expected - 1) <= 0.05, (egress_mbps, expected)
    # the SFU's own cumulative egress counter agrees with what the subscribers received
    stats = asyncio.run(request_json(sfu.host, sfu.port, "GET", "/stats"))
    received_bytes = sum(
        max(s.payload_bytes_total for s in samples if (s.peer, s.stream) == key)
        for key in {(s.peer, s.stream) for s in samples if s.direction == "recv"}
    )
    assert abs(stats["egress_payload_bytes"] / received_bytes - 1) <= 0.05
