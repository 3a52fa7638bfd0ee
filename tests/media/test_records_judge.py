"""Rates come from cumulative counters; verdicts report achieved bitrate and flag shortfalls."""

from __future__ import annotations

import pytest

from workloads.media.judge import judge_stream, judge_streams
from workloads.media.looplag import summarize_lag
from workloads.media.plan import expected_egress_mbps, plan_peers
from workloads.media.records import StreamCounters, StreamId, StreamSample, jitter_ms, sample

IDENT = StreamId("p0", "p1/video", "recv", "video", "vp8")


def counters(
    t_s: float, payload_bytes: int, packets: int, lost: int, frames: int
) -> StreamCounters:
    return StreamCounters(t_s, payload_bytes, packets, lost, frames, jitter_ms=1.0, rtt_ms=0.5)


def test_a_sample_is_the_difference_of_two_snapshots() -> None:
    row = sample(IDENT, counters(10.0, 1_000, 10, 0, 30), counters(12.0, 376_000, 330, 2, 90), 99.0)
    assert row.interval_s == 2.0
    assert row.payload_bytes == 375_000 and row.payload_mbps == pytest.approx(1.5)
    assert row.packets == 320 and row.packets_lost == 2 and row.packets_lost_total == 2
    assert row.frames_per_s == 30.0


def test_jitter_in_rtp_units_becomes_milliseconds() -> None:
    assert jitter_ms(90, 90_000) == 1.0
    assert jitter_ms(48, 48_000) == 1.0


def rows(mbps: float, seconds: int, lost_at: int | None = None) -> list[StreamSample]:
    out, total = [], counters(0.0, 0, 0, 0, 0)
    for i in range(1, seconds + 1):
        lost = total.packets_lost + (1 if i == lost_at else 0)
        nxt = counters(
            float(i),
            total.payload_bytes + int(mbps * 125_000),
            total.packets + 130,
            lost,
            total.frames + 30,
        )
        out.append(sample(IDENT, total, nxt, float(i)))
        total = nxt
    return out


@pytest.mark.parametrize(
    ("mbps", "lost_at", "under", "lossy", "ok"),
    [
        (1.5, None, False, False, True),
        (1.36, None, False, False, True),
        (1.34, None, True, False, False),
        (0.7, None, True, False, False),
        (1.5, 3, False, True, False),
    ],
    ids=[
        "a stream on target is ok",
        "a stream at 91 % of target is not under target",
        "a stream under 90 % of target is flagged under target",
        "a 0.7 Mbps stream is a failed 1.5 Mbps stream",
        "one lost packet makes a stream lossy",
    ],
)
def test_verdicts(mbps: float, lost_at: int | None, under: bool, lossy: bool, ok: bool) -> None:
    verdict = judge_stream(rows(mbps, 5, lost_at), 1_500_000)
    assert verdict.achieved_mbps == pytest.approx(mbps, rel=1e-3)
    assert (verdict.under_target, verdict.lossy, verdict.ok) == (under, lossy, ok)


def test_warm_up_samples_and_send_streams_are_not_judged() -> None:
    send = StreamId("p1", "p1/video", "send", "video", "vp8")
    samples = rows(0.2, 2) + rows(1.5, 6)[2:]
    samples.append(sample(send, counters(0, 0, 0, 0, 0), counters(1, 1, 1, 0, 1), 1.0))
    verdicts = judge_streams(samples, {"video": 1_500_000}, after_s=2.0)
    assert [(v.stream, v.intervals, v.ok) for v in verdicts] == [("p1/video", 4, True)]


def test_plans_name_peers_and_rooms_and_sfu_egress_follows_the_fan_out_formula() -> None:
    group = plan_peers("participant", 8, room_size=4)
    assert [p.room for p in group] == ["room0"] * 4 + ["room1"] * 4
    assert all(p.publishes and p.subscribes for p in group)
    viewers = plan_peers("viewer", 3, room_size=10, first_peer=5, room_prefix="live")
    assert [(p.peer, p.room, p.publishes) for p in viewers] == [
        ("v5", "live0", False),
        ("v6", "live0", False),
        ("v7", "live0", False),
    ]
    assert expected_egress_mbps(4, 3, 1_500_000) == 18.0


def test_loop_lag_is_summarized_in_milliseconds() -> None:
    lag = summarize_lag([0.001, 0.003, 0.002], t_s=5.0, wall_utc_s=9.0, track_restarts=1)
    assert (lag.probes, lag.lag_ms_max, lag.track_restarts) == (3, 3.0, 1)
    assert lag.lag_ms_mean == pytest.approx(2.0)
    assert summarize_lag([], 0.0, 0.0, 0).lag_ms_max == 0.0
