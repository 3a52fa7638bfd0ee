"""Per-block values of a run's steady window (harness.claims.blocks), over tables whose every block
is known by construction: a backend burning exactly 50 ms of CPU a second, 100 deliveries a second,
a wire carrying 1 Mbps, latencies that change from 1 ms to 2 ms half-way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.claims.blocks import (
    BLOCK_S,
    HOST_ADJUSTABLE,
    Steady,
    block_edges,
    block_values,
    control_values,
    generator_cpu_per_1k,
    host_adjusted_values,
)
from harness.kernel import records
from harness.kernel.metric_names import BACKEND, CHAT, GROUP, MESSAGING, WIRE
from harness.summary import RunData

S = 1_000_000_000  # ns per second
START_S, RAMP_S, SEND_STOP_S = 10, 2, 37  # steady 12 s → 37 s: five whole 5 s blocks


def _run() -> RunData:
    seconds = np.arange(0, 45)
    backend = pd.DataFrame(
        {
            "t_ns": seconds * S,
            "source": "backend",
            "cpu_user_s": 0.04 * seconds,
            "cpu_system_s": 0.01 * seconds,
        }
    )
    wire = pd.DataFrame(
        {
            "t_ns": seconds * S,
            "source": "wire",
            "rx_bytes": 62_500 * seconds,
            "tx_bytes": 62_500 * seconds,
        }
    )
    generators = [
        pd.DataFrame(
            {
                "t_ns": seconds * S,
                "source": f"generator-{g}",
                "cpu_user_s": share * seconds,
                "cpu_system_s": 0.0,
            }
        )
        for g, share in ((0, 0.009), (1, 0.003))  # 12 ms a second between them
    ]
    samples = pd.concat([backend, wire, *generators], ignore_index=True).reindex(
        columns=list(records.SAMPLE_COLUMNS)
    )
    t = np.arange(0, 45 * 100) * (S // 100) + S // 200  # 100 deliveries a second, mid-slot
    late = t >= (START_S + RAMP_S + 15) * S  # from the fourth block on
    latency_ns = np.where(late, 2_000_000, 1_000_000)
    recv = pd.DataFrame(
        {
            "t_ns": t,
            "user": 1,
            "sender": 2,
            "kind": np.where(np.arange(len(t)) % 2 == 0, records.KIND_CHAT, records.KIND_GROUP),
            "target": 0,
            "seq": np.arange(len(t)),
            "send_ns": t - latency_ns,
            "payload_bytes": 100,
        }
    )
    sent = pd.DataFrame({"t_ns": np.arange(0, 45 * 20) * (S // 20)})  # 20 sends a second
    return RunData(sent, recv, pd.DataFrame(), samples, pd.DataFrame())


def _edges() -> np.ndarray:
    return block_edges(Steady.of(START_S * S, SEND_STOP_S * S, RAMP_S))


def test_the_steady_window_holds_only_whole_blocks_after_the_ramp() -> None:
    edges = _edges()
    assert BLOCK_S == 5.0
    assert list(edges / S) == [12, 17, 22, 27, 32, 37]
    assert len(block_edges(Steady.of(0, 9 * S, 0))) == 2  # one block; the 4 s left over dropped
    assert len(block_edges(Steady.of(0, 4 * S, 0))) == 1  # no whole block: no block at all


def test_backend_cpu_per_1k_deliveries_is_exact_in_every_block() -> None:
    values = block_values(BACKEND.cpu_core_s_per_1k_delivered_msgs, "value", _run(), _edges(), 40)
    assert values == pytest.approx([0.5] * 5)  # 0.25 core-s per 500 deliveries, ×1000


def test_the_wire_rate_is_exact_in_every_block() -> None:
    values = block_values(WIRE.mbps_mean, "value", _run(), _edges(), 40)
    assert values == pytest.approx([1.0] * 5)


def test_the_send_rate_per_user_is_exact_in_every_block() -> None:
    values = block_values(MESSAGING.sent_msgs_per_user_per_s, "value", _run(), _edges(), 40)
    assert values == pytest.approx([0.5] * 5)  # 20 a second over 40 users


@pytest.mark.parametrize(
    "name", [MESSAGING.e2e_latency_ms, CHAT.e2e_latency_ms, GROUP.e2e_latency_ms]
)
def test_latency_statistics_follow_the_deliveries_of_each_block(name: str) -> None:
    p50 = block_values(name, "p50", _run(), _edges(), 40)
    assert p50 == pytest.approx([1.0, 1.0, 1.0, 2.0, 2.0])
    assert block_values(name, "max", _run(), _edges(), 40) == pytest.approx([1, 1, 1, 2, 2])


def test_a_block_without_deliveries_is_left_out_rather_than_divided_by_zero() -> None:
    run = _run()
    quiet = (run.recv["t_ns"] >= 17 * S) & (run.recv["t_ns"] < 22 * S)
    run = RunData(run.sent, run.recv[~quiet], run.events, run.samples, run.stats)
    cpu = block_values(BACKEND.cpu_core_s_per_1k_delivered_msgs, "value", run, _edges(), 40)
    assert cpu == pytest.approx([0.5] * 4)
    assert len(block_values(MESSAGING.e2e_latency_ms, "p99", run, _edges(), 40)) == 4


def test_samples_that_stop_before_the_window_ends_give_no_cpu_blocks() -> None:
    run = _run()
    early = run.samples[run.samples["t_ns"] <= 30 * S]
    run = RunData(run.sent, run.recv, run.events, early, run.stats)
    assert (
        len(block_values(BACKEND.cpu_core_s_per_1k_delivered_msgs, "value", run, _edges(), 40)) == 0
    )


# --- the host's speed: the generator's CPU per message ------------------------------------------


def test_the_generators_cpu_per_1k_messages_adds_every_generator_over_sent_and_delivered() -> None:
    # 12 ms of CPU a second over 20 sends + 100 deliveries a second: 0.1 core-s per 1,000
    assert generator_cpu_per_1k(_run(), _edges()) == pytest.approx([0.1] * 5)
    assert control_values(_run(), _edges()) == pytest.approx([0.1] * 5)


def test_a_cpu_or_time_block_is_read_in_units_of_the_generators_cpu_per_message() -> None:
    cpu = BACKEND.cpu_core_s_per_1k_delivered_msgs
    assert host_adjusted_values(cpu, "value", _run(), _edges(), 40) == pytest.approx([5.0] * 5)
    p50 = host_adjusted_values(MESSAGING.e2e_latency_ms, "p50", _run(), _edges(), 40)
    assert p50 == pytest.approx([10.0, 10.0, 10.0, 20.0, 20.0])
    timed = {cpu, MESSAGING.e2e_latency_ms, CHAT.e2e_latency_ms, GROUP.e2e_latency_ms}
    assert timed == HOST_ADJUSTABLE
    with pytest.raises(ValueError, match="is not adjusted for the host's speed"):
        host_adjusted_values(WIRE.mbps_mean, "value", _run(), _edges(), 40)


def test_a_block_where_the_generator_or_the_figure_is_undefined_drops_out_of_the_ratio() -> None:
    run = _run()
    quiet = (run.recv["t_ns"] >= 17 * S) & (run.recv["t_ns"] < 22 * S)
    run = RunData(run.sent, run.recv[~quiet], run.events, run.samples, run.stats)
    cpu = BACKEND.cpu_core_s_per_1k_delivered_msgs
    # the quiet block still has 100 sends, so the generator's figure is defined there: 0.6
    assert generator_cpu_per_1k(run, _edges())[1] == pytest.approx(0.6)
    assert host_adjusted_values(cpu, "value", run, _edges(), 40) == pytest.approx([5.0] * 4)
    lost = run.samples[run.samples["source"] != "generator-1"]
    one = RunData(run.sent, run.recv, run.events, lost, run.stats)
    assert control_values(one, _edges()) != pytest.approx([0.1] * 5)  # one generator: less CPU
    early = run.samples[(run.samples["source"] != "generator-1") | (run.samples["t_ns"] <= 30 * S)]
    gone = RunData(run.sent, run.recv, run.events, early, run.stats)
    assert len(control_values(gone, _edges())) == 0  # a generator's samples stop: no control
    assert len(host_adjusted_values(cpu, "value", gone, _edges(), 40)) == 0
