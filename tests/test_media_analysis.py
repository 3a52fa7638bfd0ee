"""Every media figure the summary publishes, from hand-made media records, with values worked by hand.

The call: generator 0, peers p0 and p1, each publishing video (target 1.5 Mbps) and audio and
receiving the other's. Samples are one second long, ending at t = 1 … 16 s. The run's load starts
at 0 s with a 2 s ramp, so the steady window starts at 0 + 2 + 2 (SETTLE_S) = 4 s: samples ending
at 5 … 14 s (sends stop at 14 s), ten per stream. Outside it every stream carries nothing, so a
figure that leaks the ramp or the drain comes out visibly wrong.

Per second in the steady window:

    stream    direction  holder  payload B   Mbps (8 B / 1e6)  packets  lost  fps  jitter  rtt
    p0/video  send       p0      187 500     1.5               150      0     30   9 ms*   3 ms
    p0/video  recv       p1      180 000     1.44  (96 %)      148      2     30   2 ms    -
    p1/video  send       p1      187 500     1.5               150      0     30   9 ms*   3 ms
    p1/video  recv       p0      135 000     1.08  (72 %)      120      0     24   6 ms    -
    p0/audio  send       p0        4 000     0.032              50      0     50   -       -
    p0/audio  recv       p1        3 900     0.0312             50      0     50   1 ms    -
    p1/audio  send       p1        4 000     0.032              50      0     50   -       -
    p1/audio  recv       p0        3 900     0.0312             49      1     50   1 ms    -

(* the far end's RTCP report on a send stream: not a receive figure, never in `video.jitter_ms`.)

Meters, cumulative: the veth's host side receives (= what left the SFU's namespace) 500 000 B/s
and sends 400 000 B/s inside the window (50 000 and 10 000 B/s before 4 s, 2 000 000 and
1 000 000 B/s after 14 s); the SFU burns 0.3 core_s/s and the media driver 0.8 core_s/s.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from harness.analysis import Window
from harness.kernel.summary import UnderTarget
from harness.media_analysis import media_metrics, steady, stream_targets, under_target
from harness.summary import RunData, build_metrics, media_under_target, validity_reasons

S = 1_000_000_000
WINDOW = Window(0, 14 * S, 16 * S)
RAMP_S = 2.0

STREAMS: list[dict[str, Any]] = [
    # peer, stream, direction, kind, payload B/s, packets/s, lost/s, fps, jitter ms, rtt ms
    dict(p="p0", s="p0/video", d="send", k="video", b=187_500, n=150, x=0, f=30, j=9.0, r=3.0),
    dict(p="p1", s="p0/video", d="recv", k="video", b=180_000, n=148, x=2, f=30, j=2.0, r=None),
    dict(p="p1", s="p1/video", d="send", k="video", b=187_500, n=150, x=0, f=30, j=9.0, r=3.0),
    dict(p="p0", s="p1/video", d="recv", k="video", b=135_000, n=120, x=0, f=24, j=6.0, r=None),
    dict(p="p0", s="p0/audio", d="send", k="audio", b=4_000, n=50, x=0, f=50, j=None, r=None),
    dict(p="p1", s="p0/audio", d="recv", k="audio", b=3_900, n=50, x=0, f=50, j=1.0, r=None),
    dict(p="p1", s="p1/audio", d="send", k="audio", b=4_000, n=50, x=0, f=50, j=None, r=None),
    dict(p="p0", s="p1/audio", d="recv", k="audio", b=3_900, n=49, x=1, f=50, j=1.0, r=None),
]


def stream_rows(kinds: tuple[str, ...] = ("video", "audio"), generator: int = 0) -> pd.DataFrame:
    """media.sample rows as a driver writes them, one per stream per second, t = 1 … 16 s."""
    rows = []
    for st in STREAMS:
        if st["k"] not in kinds:
            continue
        for t in range(1, 17):
            live = 5 <= t <= 14
            rows.append(
                {
                    "peer": st["p"],
                    "stream": st["s"],
                    "direction": st["d"],
                    "kind": st["k"],
                    "codec": "vp8" if st["k"] == "video" else "opus",
                    "t_s": float(t),
                    "interval_s": 1.0,
                    "payload_bytes": st["b"] if live else 0,
                    "packets": st["n"] if live else 0,
                    "packets_lost": st["x"] if live else 0,
                    "frames_per_s": float(st["f"]) if live else 0.0,
                    "jitter_ms": st["j"] if live else None,
                    "rtt_ms": st["r"] if live else None,
                    "generator": generator,
                }
            )
    return stream_targets(pd.DataFrame(rows), {generator: 1.5})


JOINS = pd.DataFrame(
    [
        # video joins 100, 120, 140, 160 ms (mean 130); receive first frames 200, 260 (mean 230)
        {"peer": "p0", "stream": "p0/video", "direction": "send", "kind": "video", "join_ms": 100.0, "first_frame_ms": None},
        {"peer": "p1", "stream": "p0/video", "direction": "recv", "kind": "video", "join_ms": 120.0, "first_frame_ms": 200.0},
        {"peer": "p1", "stream": "p1/video", "direction": "send", "kind": "video", "join_ms": 140.0, "first_frame_ms": None},
        {"peer": "p0", "stream": "p1/video", "direction": "recv", "kind": "video", "join_ms": 160.0, "first_frame_ms": 260.0},
        # audio joins 50 and 70 ms; one receive first frame at 90 ms
        {"peer": "p0", "stream": "p0/audio", "direction": "send", "kind": "audio", "join_ms": 50.0, "first_frame_ms": None},
        {"peer": "p1", "stream": "p0/audio", "direction": "recv", "kind": "audio", "join_ms": 70.0, "first_frame_ms": 90.0},
    ]
)  # fmt: skip


def meter_samples() -> pd.DataFrame:
    """One sample per second, t = 0 … 16 s, of the veth, the SFU and the media driver."""
    rows, rx, tx = [], 0, 0
    for t in range(17):
        if t > 0:
            rx += 50_000 if t <= 4 else 500_000 if t <= 14 else 2_000_000
            tx += 10_000 if t <= 4 else 400_000 if t <= 14 else 1_000_000
        rows += [
            {"t_ns": t * S, "source": "wire", "rx_bytes": rx, "tx_bytes": tx},
            {"t_ns": t * S, "source": "sfu", "cpu_user_s": 0.2 * t, "cpu_system_s": 0.1 * t},
            {"t_ns": t * S, "source": "media-0", "cpu_user_s": 0.8 * t, "cpu_system_s": 0.0},
        ]
    return pd.DataFrame(rows)


def run_data(kinds: tuple[str, ...] = ("video", "audio")) -> RunData:
    empty = pd.DataFrame()
    return RunData(empty, empty, empty, meter_samples(), empty, stream_rows(kinds), JOINS)


def stats_of(metrics: dict[str, Any], name: str) -> tuple[float, ...]:
    s = metrics[name].stats
    assert s is not None, name
    return (s.min, s.p50, s.max, s.mean)


def test_every_video_figure_of_a_call_matches_the_hand_worked_value() -> None:
    m = build_metrics(run_data(), WINDOW, RAMP_S)
    approx = pytest.approx
    # receive streams: p1 gets p0/video, p0 gets p1/video
    assert m["video.recv_streams"].value == 2
    # 180 000 B/s × 8 / 1e6 = 1.44; 135 000 × 8 / 1e6 = 1.08; mean and p50 (1.44 + 1.08) / 2 = 1.26
    assert stats_of(m, "video.recv_mbps_per_stream") == approx((1.08, 1.26, 1.44, 1.26))
    assert m["video.recv_mbps_per_stream"].n == 2
    assert stats_of(m, "video.send_mbps_per_stream") == approx((1.5, 1.5, 1.5, 1.5))
    # lost 2 a second on one stream × 10 s = 20; received (148 + 120) × 10 = 2680;
    # ratio 20 / (2680 + 20) = 0.0074074…
    assert m["video.packets_lost"].value == 20 and m["video.packets_lost"].n == 2700
    assert m["video.loss_ratio"].value == 0.00740741  # six significant digits, as reported
    # each receive stream's mean fps over its ten samples: 30 and 24, mean 27
    assert stats_of(m, "video.fps_per_stream") == approx((24.0, 27.0, 30.0, 27.0))
    # jitter: ten receive samples at 2 ms and ten at 6 ms; p50 between the 10th and 11th = 4
    assert stats_of(m, "video.jitter_ms") == approx((2.0, 4.0, 6.0, 4.0))
    assert m["video.jitter_ms"].n == 20
    assert stats_of(m, "video.rtt_ms") == approx((3.0, 3.0, 3.0, 3.0)) and m["video.rtt_ms"].n == 20
    assert stats_of(m, "video.join_ms") == approx((100.0, 130.0, 160.0, 130.0))
    assert stats_of(m, "video.first_frame_ms") == approx((200.0, 230.0, 260.0, 230.0))
    # p1/video reaches 1.08 of 1.5 = 72 % (< 90 %): under target; p0/video 96 % is not
    assert m["video.streams_under_target"].value == 1
    assert m["video.target_mbps"].value == 1.5


def test_every_media_path_figure_of_a_call_matches_the_hand_worked_value() -> None:
    m = build_metrics(run_data(), WINDOW, RAMP_S)
    approx = pytest.approx
    # the path window spans the steady samples, 4 … 14 s: 10 s of the veth
    # (500 000 + 400 000) B/s × 8 / 1e6 = 7.2 Mbps both directions
    assert m["video.wire_mbps"].value == approx(7.2)
    # every stream's payload, send and receive, video and voice:
    # 1.5 + 1.44 + 1.5 + 1.08 + 0.032 + 0.0312 + 0.032 + 0.0312 = 5.6464
    assert m["video.payload_mbps_sum"].value == approx(5.6464)
    # 150 + 148 + 150 + 120 + 50 + 50 + 50 + 49 = 767 packets a second
    assert m["video.rtp_packets_per_s"].value == approx(767.0)
    assert m["video.wire_overhead_ratio"].value == approx(7.2 / 5.6464)  # 1.27515…
    assert m["video.wire_mbps_per_stream"].value == approx(0.9)  # 7.2 over 8 streams
    assert m["video.wire_mbps_per_participant"].value == approx(3.6)  # 7.2 over p0 and p1
    # egress = the host side's receive counter: 500 000 B/s × 8 / 1e6 = 4 Mbps
    assert m["video.sfu_egress_mbps"].value == approx(4.0)
    # 500 000 B/s × 3600 s = 1.8 GB an hour, over 2 participants = 0.9 GB per participant-hour
    assert m["video.sfu_egress_gb_per_participant_hour"].value == approx(0.9)
    # SFU: (0.2 + 0.1) core_s/s × 10 s = 3 core_s over 4 receive streams × 10 s = 2/3 stream-min
    assert m["video.sfu_cpu_core_s_per_stream_min"].value == approx(4.5)
    # media driver: 0.8 core_s/s × 10 s = 8 core_s over 8 streams × 10 s = 80 stream-s
    assert m["generator.media_cpu_core_s_per_stream_s"].value == approx(0.1)
    # the busiest 5 s of the media driver over the load window: 0.8 core_s/s = 80 %
    assert m["generator.media_cpu_pct_max"].value == approx(80.0)


def test_every_voice_figure_of_a_call_matches_the_hand_worked_value() -> None:
    m = build_metrics(run_data(), WINDOW, RAMP_S)
    approx = pytest.approx
    assert m["voice.recv_streams"].value == 2
    # 3 900 B/s × 8 / 1e6 = 0.0312 Mbps each; sends 4 000 B/s = 0.032
    assert stats_of(m, "voice.recv_mbps_per_stream") == approx((0.0312, 0.0312, 0.0312, 0.0312))
    assert stats_of(m, "voice.send_mbps_per_stream") == approx((0.032, 0.032, 0.032, 0.032))
    # 1 lost a second × 10 s = 10, of (50 + 49) × 10 + 10 = 1000: ratio 0.01
    assert m["voice.packets_lost"].value == 10 and m["voice.loss_ratio"].value == approx(0.01)
    assert stats_of(m, "voice.fps_per_stream") == approx((50.0, 50.0, 50.0, 50.0))
    assert stats_of(m, "voice.jitter_ms") == approx((1.0, 1.0, 1.0, 1.0))
    assert m["voice.rtt_ms"].n == 0  # no audio sample carried a round-trip time
    assert stats_of(m, "voice.join_ms") == approx((50.0, 60.0, 70.0, 60.0))
    assert stats_of(m, "voice.first_frame_ms") == approx((90.0, 90.0, 90.0, 90.0))
    # with video in the run, the path figures are video's only
    assert "voice.wire_mbps" not in m and "voice.sfu_egress_gb_per_participant_hour" not in m


def test_a_voice_only_call_reports_the_media_path_under_voice() -> None:
    m = build_metrics(run_data(("audio",)), WINDOW, RAMP_S)
    approx = pytest.approx
    assert not any(name.startswith("video.") for name in m)
    assert m["voice.wire_mbps"].value == approx(7.2)  # the same veth, 4 … 14 s
    assert m["voice.payload_mbps_sum"].value == approx(0.1264)  # 0.032 × 2 + 0.0312 × 2
    assert m["voice.rtp_packets_per_s"].value == approx(199.0)  # 50 + 50 + 50 + 49
    assert m["voice.wire_mbps_per_stream"].value == approx(1.8)  # 7.2 over 4 streams
    assert m["voice.wire_mbps_per_participant"].value == approx(3.6)
    assert m["voice.sfu_egress_mbps"].value == approx(4.0)
    assert m["voice.sfu_egress_gb_per_participant_hour"].value == approx(0.9)
    # 3 core_s over 2 receive streams × 10 s = 1/3 stream-minute: 9 core_s per stream-minute
    assert m["voice.sfu_cpu_core_s_per_stream_min"].value == approx(9.0)
    assert m["generator.media_cpu_core_s_per_stream_s"].value == approx(0.2)  # 8 / (4 × 10)


def test_the_stream_under_target_is_named_with_what_it_achieved() -> None:
    data = run_data()
    assert media_under_target(data, WINDOW, RAMP_S) == [
        UnderTarget("media-0/p0", "p1/video", 1.08, 1.5)
    ]
    summary_low = media_metrics(data.media_streams, JOINS, data.samples, WINDOW, RAMP_S)[1]
    assert summary_low == media_under_target(data, WINDOW, RAMP_S)


def per_stream_table(achieved_mbps: float, target_mbps: float = 1.5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "peer": ["p0"],
            "stream": ["p1/video"],
            "direction": ["recv"],
            "kind": ["video"],
            "generator": [0],
            "achieved_mbps": [achieved_mbps],
            "target_mbps": [target_mbps],
        }
    )


@pytest.mark.parametrize(
    ("achieved_mbps", "under"),
    [
        (1.35, False),  # exactly 90 % of 1.5: not under
        (1.3485, True),  # 89.9 %: under
        (1.3515, False),  # 90.1 %
        (0.76, True),  # 50.7 %: under at 90 %, and would pass at a 50 % limit
    ],
)
def test_under_target_is_below_90_percent_of_the_target_on_either_side_of_the_limit(
    achieved_mbps: float, under: bool
) -> None:
    assert bool(under_target(per_stream_table(achieved_mbps))) is under


def test_an_audio_or_send_stream_is_never_judged_against_a_video_target() -> None:
    audio = per_stream_table(0.0312, target_mbps=0.0).assign(kind="audio")
    send = per_stream_table(0.1).assign(direction="send")
    assert under_target(audio) == [] and under_target(send) == []


def test_the_steady_window_starts_after_ramp_and_settling_and_ends_when_sends_stop() -> None:
    rows = stream_rows(("video",))
    kept = steady(rows, WINDOW, RAMP_S)
    # a sample covers (t_s − 1, t_s]: the first that starts at 0 + 2 + 2 = 4 s ends at 5 s
    assert sorted(set(kept["t_s"])) == [float(t) for t in range(5, 15)]


def test_a_run_too_short_for_a_steady_window_falls_back_to_every_sample() -> None:
    # a 20 s ramp leaves no sample after ramp + 2 s: every sample, 1 … 16 s, is used instead
    m = build_metrics(run_data(), WINDOW, ramp_s=20.0)
    approx = pytest.approx
    assert m["video.recv_streams"].value == 2
    # 10 s of 180 000 B over 16 s: 1 800 000 × 8 / 16 / 1e6 = 0.9; 1 350 000 × 8 / 16 / 1e6 = 0.675
    assert stats_of(m, "video.recv_mbps_per_stream") == approx((0.675, 0.7875, 0.9, 0.7875))
    # fps means over 16 samples: 30 × 10 / 16 = 18.75 and 24 × 10 / 16 = 15
    assert stats_of(m, "video.fps_per_stream") == approx((15.0, 16.875, 18.75, 16.875))
    # the path window is now 0 … 16 s: rx 4 × 50 000 + 10 × 500 000 + 2 × 2 000 000 = 9.2 MB
    assert m["video.sfu_egress_mbps"].value == approx(9_200_000 * 8 / 16 / 1e6)  # 4.6
    # and both streams are now under 90 % of 1.5 Mbps (1.35)
    assert media_under_target(run_data(), WINDOW, 20.0) == [
        UnderTarget("media-0/p0", "p1/video", 0.675, 1.5),
        UnderTarget("media-0/p1", "p0/video", 0.9, 1.5),
    ]


def test_participants_are_counted_per_generator_as_peer_names_repeat() -> None:
    # two media drivers, each with its own p0 and p1: four participants, not two
    streams = pd.concat([stream_rows(generator=0), stream_rows(generator=1)], ignore_index=True)
    empty = pd.DataFrame()
    data = RunData(empty, empty, empty, meter_samples(), empty, streams, JOINS)
    m = build_metrics(data, WINDOW, RAMP_S)
    assert m["video.recv_streams"].value == 4
    assert m["video.wire_mbps_per_participant"].value == pytest.approx(7.2 / 4)  # 1.8
    assert m["video.sfu_egress_gb_per_participant_hour"].value == pytest.approx(1.8 / 4)  # 0.45


def media_cpu_run(core_s_per_s: float) -> RunData:
    data = run_data()
    cpu = data.samples["source"] == "media-0"
    samples = data.samples.copy()
    samples.loc[cpu, "cpu_user_s"] = core_s_per_s * samples.loc[cpu, "t_ns"] / S
    empty = pd.DataFrame()
    return RunData(empty, empty, empty, samples, empty, data.media_streams, JOINS)


@pytest.mark.parametrize(("core_s_per_s", "saturated"), [(0.849, False), (0.851, True)])
def test_a_media_driver_above_85_percent_of_a_core_invalidates_the_run_on_either_side(
    core_s_per_s: float, saturated: bool
) -> None:
    metrics = build_metrics(media_cpu_run(core_s_per_s), WINDOW, RAMP_S)
    assert metrics["generator.media_cpu_pct_max"].value == pytest.approx(100 * core_s_per_s)
    reasons = validity_reasons(metrics, pd.DataFrame(), WINDOW)
    assert reasons == (
        ["load generator saturated: 85% of a core over 5 s (limit 85%)"] if saturated else []
    )


def test_build_metrics_without_a_ramp_settles_from_load_start() -> None:
    # no ramp given: the steady window starts at 0 + 0 + 2 s, so samples ending at 3 and 4 s
    # (which carry nothing) are in it, and a 1 s ramp would leave the one ending at 3 s out
    assert build_metrics(run_data(), WINDOW) == build_metrics(run_data(), WINDOW, 0.0)
    assert build_metrics(run_data(), WINDOW) != build_metrics(run_data(), WINDOW, 1.0)
