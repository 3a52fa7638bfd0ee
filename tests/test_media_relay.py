"""TURN relay figures and per-stream targets of harness/media_analysis.py, hand-worked."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.kernel.metric_names import TURN
from harness.media_analysis import relay_metrics, stream_targets


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
