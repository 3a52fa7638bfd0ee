"""Run analysis on hand-made records: owed deliveries, loss, duplicates, reordering, fan-out, peaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness import analysis as an
from harness.kernel import records
from harness.kernel.figures import Figure
from harness.kernel.metric_names import MESSAGING
from harness.summary import RunData, build_metrics, validity_reasons

CHAT, GROUP = records.KIND_CHAT, records.KIND_GROUP
MS = 1_000_000


def events(rows: list[tuple[int, int, int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame([(*r, "") for r in rows], columns=list(records.EVENT_COLUMNS))


def sent(rows: list[tuple[int, int, int, int, int]]) -> pd.DataFrame:
    """rows: (t_ns, user, kind, target, seq); payload 100 bytes."""
    return pd.DataFrame(
        [(t, t, u, k, tg, s, 100, 120) for t, u, k, tg, s in rows],
        columns=list(records.SENT_COLUMNS),
    )


def recv(rows: list[tuple[int, int, int, int, int, int, int]]) -> pd.DataFrame:
    """rows: (t_ns, user, sender, kind, target, seq, send_ns)."""
    return pd.DataFrame([(*r, 100) for r in rows], columns=list(records.RECV_COLUMNS))


# users 0,1 chat with each other; users 2,3,4 share room 0.
EVENTS = events(
    [
        (10 * MS, 0, CHAT, 1, "ready"),
        (20 * MS, 1, CHAT, 0, "ready"),
        (10 * MS, 2, GROUP, 0, "ready"),
        (10 * MS, 3, GROUP, 0, "ready"),
        (30 * MS, 4, GROUP, 0, "ready"),
        (90 * MS, 0, CHAT, 1, "stop"),
        (95 * MS, 1, CHAT, 0, "stop"),
    ]
)
SENT = sent(
    [
        (15 * MS, 0, CHAT, 1, 1),  # peer 1 not ready yet: nothing owed
        (25 * MS, 0, CHAT, 1, 2),  # owed to 1
        (20 * MS, 2, GROUP, 0, 1),  # owed to 3 only (4 joins at 30 ms)
        (40 * MS, 2, GROUP, 0, 2),  # owed to 3 and 4
    ]
)


def test_a_message_is_owed_only_to_recipients_ready_when_it_was_sent() -> None:
    assert an.expected_deliveries(SENT, EVENTS).tolist() == [0, 1, 1, 2]


def test_everything_owed_and_delivered_gives_ratio_one_and_exact_latencies() -> None:
    got = recv(
        [
            (26 * MS, 1, 0, CHAT, -1, 2, 25 * MS),
            (21 * MS, 3, 2, GROUP, 0, 1, 20 * MS),
            (42 * MS, 3, 2, GROUP, 0, 2, 40 * MS),
            (45 * MS, 4, 2, GROUP, 0, 2, 40 * MS),
        ]
    )
    expected = an.expected_deliveries(SENT, EVENTS)
    figures = an.delivery_figures(MESSAGING, SENT, got, expected, an.ready_times(EVENTS))
    assert figures[MESSAGING.delivery_ratio].value == 1.0
    assert figures[MESSAGING.lost].value == 0
    assert (
        figures[MESSAGING.e2e_latency_ms].statistic("max") == 5.0
        and figures[MESSAGING.e2e_latency_ms].statistic("p50") == 1.5
    )
    assert an.fanout_completion_ms(SENT, got, expected).tolist() == [1.0, 5.0]


def test_a_missing_delivery_is_lost_and_its_fanout_never_completes() -> None:
    got = recv(
        [
            (26 * MS, 1, 0, CHAT, -1, 2, 25 * MS),
            (21 * MS, 3, 2, GROUP, 0, 1, 20 * MS),
            (42 * MS, 3, 2, GROUP, 0, 2, 40 * MS),
        ]
    )
    expected = an.expected_deliveries(SENT, EVENTS)
    figures = an.delivery_figures(MESSAGING, SENT, got, expected, an.ready_times(EVENTS))
    assert figures[MESSAGING.lost].value == 1
    assert figures[MESSAGING.delivery_ratio].value == pytest.approx(3 / 4)
    assert an.fanout_completion_ms(SENT, got, expected).tolist() == [1.0]


def test_a_duplicate_counts_once_for_delivery_and_once_as_duplicate() -> None:
    got = recv([(26 * MS, 1, 0, CHAT, -1, 2, 25 * MS), (27 * MS, 1, 0, CHAT, -1, 2, 25 * MS)])
    chat = SENT[SENT["kind"] == CHAT]
    figures = an.delivery_figures(
        MESSAGING, chat, got, an.expected_deliveries(chat, EVENTS), an.ready_times(EVENTS)
    )
    assert figures[MESSAGING.duplicates].value == 1
    assert figures[MESSAGING.delivery_ratio].value == 1.0


def test_a_later_sequence_arriving_first_marks_the_earlier_one_reordered() -> None:
    got = recv(
        [
            (50 * MS, 3, 2, GROUP, 0, 2, 40 * MS),
            (51 * MS, 3, 2, GROUP, 0, 1, 20 * MS),  # seq 1 after seq 2: reordered
            (52 * MS, 4, 2, GROUP, 0, 2, 40 * MS),  # another stream: not reordered
        ]
    )
    assert an.count_reordered(got) == 1


def test_peak_concurrent_users_counts_ready_minus_stopped_over_time() -> None:
    assert an.peak_concurrent_users(EVENTS) == 5
    later = pd.concat([EVENTS, events([(100 * MS, 5, CHAT, 4, "ready")])])
    assert an.peak_concurrent_users(later) == 5  # users 0 and 1 left before user 5 came


def test_rolling_cpu_finds_the_busiest_five_seconds() -> None:
    t = np.arange(0, 21) * 1_000_000_000
    cpu = np.concatenate([np.zeros(10), np.arange(1, 12) * 0.9])  # idle 10 s, then 90 % of a core
    series = pd.DataFrame({"t_ns": t, "cpu_user_s": cpu, "cpu_system_s": 0.0})
    assert an.rolling_cpu_pct_max(series) == pytest.approx(90.0)


def _samples() -> pd.DataFrame:
    rows = []
    for i in range(11):
        t = i * 1_000 * MS
        rows.append(
            {
                "t_ns": t,
                "source": "backend",
                "cpu_user_s": 0.1 * i,
                "cpu_system_s": 0.0,
                "rss_bytes": 1_000_000 + 1000 * i,
            }
        )
        rows.append(
            {
                "t_ns": t,
                "source": "generator-0",
                "cpu_user_s": 0.95 * i,
                "cpu_system_s": 0.0,
                "rss_bytes": 1,
            }
        )
        rows.append({"t_ns": t, "source": "wire", "rx_bytes": 1000 * i, "tx_bytes": 3000 * i})
        rows.append({"t_ns": t, "source": "storage", "storage_bytes": 4096 + 500 * i})
    return pd.DataFrame(rows)


def test_resource_intensities_divide_measured_deltas_by_delivered_messages() -> None:
    got = recv(
        [
            (26 * MS, 1, 0, CHAT, -1, 2, 25 * MS),
            (21 * MS, 3, 2, GROUP, 0, 1, 20 * MS),
            (42 * MS, 3, 2, GROUP, 0, 2, 40 * MS),
            (45 * MS, 4, 2, GROUP, 0, 2, 40 * MS),
        ]
    )
    data = RunData(SENT, got, EVENTS, _samples(), pd.DataFrame())
    metrics = build_metrics(data, an.Window(0, 60 * MS, 10_000 * MS))
    assert metrics["backend.cpu_core_s"].value == pytest.approx(1.0)
    assert metrics["backend.cpu_core_s_per_1k_delivered_msgs"].value == pytest.approx(
        1000 * 1.0 / 4
    )
    assert metrics["wire.bytes_total"].value == 40_000
    assert metrics["wire.bytes_per_delivered_msg"].value == 10_000
    assert metrics["wire.bytes_per_sent_msg"].value == 10_000
    assert metrics["backend.storage_bytes_per_stored_msg"].value == 5000 / 4
    assert metrics["backend.rss_bytes_per_user"].value == pytest.approx(10_000 / 5)
    assert metrics["group.room_size_mean"].value == 3


def test_a_generator_above_85_percent_of_a_core_makes_the_run_invalid() -> None:
    data = RunData(
        SENT, recv([(26 * MS, 1, 0, CHAT, -1, 2, 25 * MS)]), EVENTS, _samples(), pd.DataFrame()
    )
    window = an.Window(0, 60 * MS, 10_000 * MS)
    reasons = validity_reasons(build_metrics(data, window), data.stats, window)
    assert len(reasons) == 1 and "saturated: 95% of a core" in reasons[0]


def test_a_lagging_generator_loop_makes_the_run_invalid() -> None:
    stats = pd.DataFrame({"t_ns": np.arange(10) * 1_000 * MS, "loop_lag_ms_max": [200.0] * 10})
    metrics = {MESSAGING.deliveries_expected: Figure.of_value(MESSAGING.deliveries_expected, 5, 4)}
    reasons = validity_reasons(metrics, stats, an.Window(0, 5_000 * MS, 10_000 * MS))
    assert reasons == [
        "load generator event loop lagged: p95 of per-second max lag 200 ms (limit 50 ms)"
    ]
