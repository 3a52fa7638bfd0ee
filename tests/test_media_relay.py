"""TURN relay figures, per-stream targets and the edges of harness/media_analysis.py (no
packets, no target, the steady window's start, counters of one reading), hand-worked."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.analysis import Window
from harness.kernel.metric_names import TURN, VIDEO
from harness.kernel.summary import UnderTarget
from harness.media_analysis import (
    _counter_delta,
    relay_metrics,
    steady,
    stream_metrics,
    stream_targets,
    under_target,
)

S = 1_000_000_000


def test_relay_figures_from_coturns_byte_count() -> None:
    # 900 MB over 1,800 s by 4 participants: 8 x 9e8 / 1800 / 1e6 = 4 Mbps;
    # 0.9 GB / 4 participants / 0.5 h = 0.45 GB per participant-hour.
    got = {n: (f.value, f.n) for n, f in relay_metrics(900_000_000, 1_800.0, 4).items()}
    assert got == {
        TURN.relay_bytes_total: (900_000_000, 4),
        TURN.relay_mbps_mean: (4.0, 4),
        TURN.relay_gb_per_participant_hour: (0.45, 4),
    }


def test_relay_figures_of_a_short_span_and_one_participant() -> None:
    # 1 MB over 0.5 s: 16 Mbps; 0.001 GB / 1 / (0.5 / 3600 h) = 7.2 GB per participant-hour.
    got = relay_metrics(1_000_000, 0.5, 1)
    assert got[TURN.relay_mbps_mean].value == pytest.approx(16.0, rel=1e-9)
    assert got[TURN.relay_gb_per_participant_hour].value == pytest.approx(7.2, rel=1e-9)


@pytest.mark.parametrize(("span_s", "participants"), [(0.0, 2), (-1.0, 2), (10.0, 0), (10.0, -1)])
def test_no_span_or_no_participant_gives_no_relay_figure(span_s: float, participants: int) -> None:
    assert relay_metrics(1_000, span_s, participants) == {}


def test_each_video_sample_gets_its_generators_target_and_audio_none() -> None:
    rows = pd.DataFrame({"generator": [0, 1, 2, 0], "kind": ["video", "video", "video", "audio"]})
    got = stream_targets(rows, {0: 1.5, 1: 2.5})
    assert got["target_mbps"].tolist() == [1.5, 2.5, 0.0, 0.0]  # generator 2: no video workload
    assert got["kind"].tolist() == rows["kind"].tolist()


def _table(achieved_mbps: float, target_mbps: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"peer": ["p0"], "stream": ["p1/video"], "direction": ["recv"], "kind": ["video"],
         "generator": [3], "achieved_mbps": [achieved_mbps], "target_mbps": [target_mbps]}
    )  # fmt: skip


def test_a_video_stream_without_a_target_is_never_under_it() -> None:
    assert under_target(_table(0.0, 0.0)) == []
    # A target under 1 Mbps is a target all the same: 0.3 of 0.5 Mbps is under.
    assert under_target(_table(0.3, 0.5)) == [UnderTarget("media-3/p0", "p1/video", 0.3, 0.5)]


def test_an_under_target_stream_reports_its_rate_to_four_decimals() -> None:
    (slow,) = under_target(_table(1.234567, 1.5))
    assert slow.achieved_mbps == 1.2346


def test_the_steady_window_starts_after_load_start_plus_ramp_and_settling() -> None:
    rows = pd.DataFrame({"t_s": [9.0, 10.0, 11.0], "interval_s": [1.0, 1.0, 1.0]})
    window = Window(load_start_ns=5 * S, send_stop_ns=11 * S, end_ns=12 * S)
    # 5 s + 2 s ramp + 2 s settling = 9 s: the sample covering (8, 9] s starts too early.
    assert steady(rows, window, ramp_s=2.0)["t_s"].tolist() == [10.0, 11.0]


def test_a_counter_needs_two_readings_for_a_delta() -> None:
    one = pd.DataFrame({"t_ns": [S], "rx_bytes": [100]})
    two = pd.DataFrame({"t_ns": [S, 3 * S], "rx_bytes": [100, 350]})
    assert _counter_delta(one, "rx_bytes") == (0.0, 0.0)
    assert _counter_delta(two, "rx_bytes") == (250.0, 2.0)


def test_streams_without_packets_have_a_loss_ratio_of_zero() -> None:
    table = _table(0.0, 1.5).assign(packets=[0], packets_lost=[0], frames=[0.0])
    samples = pd.DataFrame(
        {"direction": ["recv"], "jitter_ms": [None], "rtt_ms": [None]}, dtype=object
    )
    got = stream_metrics(VIDEO, table, samples, pd.DataFrame())
    assert (got[VIDEO.loss_ratio].value, got[VIDEO.loss_ratio].n) == (0.0, 0)
    lossy = stream_metrics(
        VIDEO, table.assign(packets=[90], packets_lost=[10]), samples, pd.DataFrame()
    )
    assert (lossy[VIDEO.loss_ratio].value, lossy[VIDEO.loss_ratio].n) == (0.1, 100)
    assert lossy[VIDEO.packets_lost].n == 100
    assert lossy[VIDEO.target_mbps].value == 1.5
