"""The edges of the media figures (harness/media_analysis.py), each from a per-stream table and
meter samples made by hand: which streams count as received, spans of zero and of exactly one
second, no payload, the fewest SFU samples that give a CPU figure, every media driver's CPU summed
with its system time, and a loss ratio when every packet was lost. Values worked beside them."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from harness.kernel.metric_names import GENERATOR, VIDEO
from harness.media_analysis import resource_metrics, stream_metrics

S = 1_000_000_000


def _streams(*rows: tuple[str, str, float]) -> pd.DataFrame:
    """Per-stream rows (peer, direction, achieved Mbps): video, 100 packets over 10 s each."""
    return pd.DataFrame(
        [
            {
                "generator": 0, "peer": peer, "stream": f"{peer}/video", "direction": direction,
                "kind": "video", "achieved_mbps": mbps, "target_mbps": 1.5, "packets": 100,
                "packets_lost": 0, "interval_s": 10.0, "frames": 30.0,
            }
            for peer, direction, mbps in rows
        ]
    )  # fmt: skip


ONE_SEND_THREE_RECV = _streams(
    ("p0", "send", 1.5), ("p1", "recv", 1.0), ("p2", "recv", 1.0), ("p3", "recv", 1.0)
)


def _samples(
    wire_t_s: tuple[float, ...] = (0.0, 2.0),
    sfu_t_s: tuple[float, ...] = (0.0, 2.0),
    media: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """The veth growing 1 MB/s each way, the SFU at 0.6 core_s/s, and media drivers at their
    (user, system) core_s/s, sampled at the given seconds."""
    rows: list[dict[str, Any]] = [
        {"t_ns": int(t * S), "source": "wire", "rx_bytes": 1e6 * t, "tx_bytes": 1e6 * t}
        for t in wire_t_s
    ]
    rows += [
        {"t_ns": int(t * S), "source": "sfu", "cpu_user_s": 0.4 * t, "cpu_system_s": 0.2 * t}
        for t in sfu_t_s
    ]
    for source, (user, system) in (media or {}).items():
        rows += [
            {
                "t_ns": int(t * S),
                "source": source,
                "cpu_user_s": user * t,
                "cpu_system_s": system * t,
            }
            for t in (0.0, 2.0)
        ]
    return pd.DataFrame(rows)  # fmt: skip


def _resources(streams: pd.DataFrame, samples: pd.DataFrame) -> dict[str, Any]:
    return resource_metrics(VIDEO, streams, samples, 0, 10 * S)


def test_sfu_cpu_per_stream_minute_counts_receive_streams_only() -> None:
    # 0.6 core_s/s over 2 s = 1.2 core_s; 3 receive streams × 2 s / 60 = 0.1 stream-min: 12
    m = _resources(ONE_SEND_THREE_RECV, _samples())
    assert m[VIDEO.sfu_cpu_core_s_per_stream_min].value == pytest.approx(12.0)
    assert m[VIDEO.sfu_cpu_core_s_per_stream_min].n == 2  # two SFU samples are enough


def test_no_resource_figures_without_receive_streams_or_without_a_wire_span() -> None:
    assert _resources(_streams(("p0", "send", 1.5)), _samples()) == {}
    assert _resources(ONE_SEND_THREE_RECV, _samples(wire_t_s=(2.0,))) == {}
    assert _resources(ONE_SEND_THREE_RECV, _samples(wire_t_s=(2.0, 2.0))) == {}


def test_a_wire_span_of_exactly_one_second_gives_figures() -> None:
    # 1 MB each way in 1 s: 2 MB × 8 / 1 s / 1e6 = 16 Mbps
    m = _resources(ONE_SEND_THREE_RECV, _samples(wire_t_s=(1.0, 2.0)))
    assert m[VIDEO.wire_mbps].value == pytest.approx(16.0)


def test_streams_that_carried_no_payload_have_an_overhead_ratio_of_zero() -> None:
    streams = ONE_SEND_THREE_RECV.assign(achieved_mbps=0.0)
    m = _resources(streams, _samples())
    assert m[VIDEO.payload_mbps_sum].value == 0.0
    assert m[VIDEO.wire_overhead_ratio].value == 0.0


def test_sfu_samples_at_one_instant_give_a_cpu_figure_of_zero() -> None:
    m = _resources(ONE_SEND_THREE_RECV, _samples(sfu_t_s=(2.0, 2.0)))
    assert m[VIDEO.sfu_cpu_core_s_per_stream_min].value == 0.0


def test_media_driver_cpu_sums_every_driver_user_and_system_time() -> None:
    # drivers at 0.5 + 0.25 and 0.25 + 0 core_s/s over 2 s: 2.0 core_s; 4 streams × 2 s = 8: 0.25
    m = _resources(
        ONE_SEND_THREE_RECV, _samples(media={"media-0": (0.5, 0.25), "media-1": (0.25, 0.0)})
    )
    assert m[GENERATOR.media_cpu_core_s_per_stream_s].value == pytest.approx(0.25)
    # one driver sampled over half a second: 0.4 core_s/s × 0.5 s / (4 × 0.5 stream-s) = 0.1
    half = pd.DataFrame(
        [
            {"t_ns": int(t * S), "source": "media-0", "cpu_user_s": 0.4 * t, "cpu_system_s": 0.0}
            for t in (1.5, 2.0)
        ]
    )
    m = _resources(ONE_SEND_THREE_RECV, pd.concat([_samples(), half], ignore_index=True))
    assert m[GENERATOR.media_cpu_core_s_per_stream_s].value == pytest.approx(0.1)


def test_no_media_driver_samples_give_no_generator_cpu_figure() -> None:
    assert GENERATOR.media_cpu_core_s_per_stream_s not in _resources(
        ONE_SEND_THREE_RECV, _samples()
    )


def _stream_figures(streams: pd.DataFrame) -> dict[str, Any]:
    no_samples = pd.DataFrame({"direction": [], "jitter_ms": [], "rtt_ms": []})
    return stream_metrics(VIDEO, streams, no_samples, pd.DataFrame())


def test_a_stream_that_lost_as_many_packets_as_it_received_has_a_loss_ratio_of_one_half() -> None:
    # 100 received and 100 lost: 100 / (100 + 100)
    streams = _streams(("p1", "recv", 0.5)).assign(packets_lost=100)
    m = _stream_figures(streams)
    assert (m[VIDEO.loss_ratio].value, m[VIDEO.loss_ratio].n) == (0.5, 200)


def test_a_call_with_only_send_streams_has_a_target_of_zero() -> None:
    m = _stream_figures(_streams(("p0", "send", 1.5)))
    assert (m[VIDEO.target_mbps].value, m[VIDEO.target_mbps].n) == (0.0, 0)
    assert (m[VIDEO.loss_ratio].value, m[VIDEO.loss_ratio].n) == (0.0, 0)
