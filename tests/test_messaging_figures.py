"""Every messaging figure the summary publishes, from hand-made records, with values worked by hand.

Users 0 and 1 chat; users 2, 3 and 4 share room 7. Everyone is ready at 1 ms except user 1, ready
at 1.0 s, and user 4, ready at 5.0 s — the very nanoseconds chat seq 1 and group seq 2 are sent,
which are therefore owed to them. The load window is 0 … 10 s, sends stop at 8 s; meters sample once a second from −1 s.

    message            sent at  payload  owed to            arrived
    chat 0→1 seq 1     1.0 s    100 B    1                  1 at 1.0009 s  (1.0009 ms: 1.0 at µs)
    chat 0→1 seq 2     2.0 s    200 B    1                  1 at 2.002 s and again at 2.0025 s
    chat 1→0 seq 1     3.0 s    300 B    0                  never (lost)
    group 2→7 seq 1    4.0 s     50 B    3 (4 not ready)    3 at 5.004 s, after seq 2: reordered
                                                        4 at 5.0005 s: not owed (history on joining)
    group 2→7 seq 2    5.0 s    150 B    3, 4               3 at 5.003 s, 4 at 5.010 s

Seven deliveries received (one a duplicate, one not owed), six owed, five distinct owed ones
arrived, one lost. Latencies in ms: chat 1.0, 2.0, 2.5; group 3.0, 1004.0, 1000.5, 10.0.
"""

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
S = 1_000 * MS
WINDOW = an.Window(0, 8 * S, 10 * S)

EVENTS = pd.DataFrame(
    [
        (1 * MS, 0, CHAT, 1, "ready", ""),
        (1 * S, 1, CHAT, 0, "ready", ""),
        (1 * MS, 2, GROUP, 7, "ready", ""),
        (1 * MS, 3, GROUP, 7, "ready", ""),
        (5 * S, 4, GROUP, 7, "ready", ""),
        *((9 * S, user, CHAT, 1 - user, "stop", "") for user in (0, 1)),
        *((9 * S, user, GROUP, 7, "stop", "") for user in (2, 3, 4)),
    ],
    columns=list(records.EVENT_COLUMNS),
)
SENT = pd.DataFrame(
    [  # t_ns, sched_ns, user, kind, target, seq, payload_bytes, frame_bytes
        (1 * S, 1 * S, 0, CHAT, 1, 1, 100, 150),
        (2 * S, 2 * S, 0, CHAT, 1, 2, 200, 250),
        (3 * S, 3 * S, 1, CHAT, 0, 1, 300, 350),
        (4 * S, 4 * S, 2, GROUP, 7, 1, 50, 100),
        (5 * S, 5 * S, 2, GROUP, 7, 2, 150, 200),
    ],
    columns=list(records.SENT_COLUMNS),
)
RECV = pd.DataFrame(
    [  # t_ns, user, sender, kind, target, seq, send_ns, payload_bytes
        (1 * S + 1_000_900, 1, 0, CHAT, -1, 1, 1 * S, 100),
        (2 * S + 2 * MS, 1, 0, CHAT, -1, 2, 2 * S, 200),
        (2 * S + 2_500_000, 1, 0, CHAT, -1, 2, 2 * S, 200),
        (5 * S + 3 * MS, 3, 2, GROUP, 7, 2, 5 * S, 150),
        (5 * S + 4 * MS, 3, 2, GROUP, 7, 1, 4 * S, 50),
        (5 * S + 500_000, 4, 2, GROUP, 7, 1, 4 * S, 50),
        (5 * S + 10 * MS, 4, 2, GROUP, 7, 2, 5 * S, 150),
    ],
    columns=list(records.RECV_COLUMNS),
)

# Backend CPU (user, system) added over each 1 s interval of the load window, 0 … 10 s, keyed by
# the sample that ends it; 0.5 core_s of start-up before it. Deliveries fall in [1, 2) s: 1,
# [2, 3) s: 2, [5, 6) s: 4.
BACKEND_CPU = {2: (0.01, 0.0), 3: (0.03, 0.01), 6: (0.03, 0.0)}
IDLE_CPU = 0.002  # every other interval


def samples(generator_core_s_per_s: float = 0.5) -> pd.DataFrame:
    rows = []
    cpu_user = cpu_system = 0.0
    for t in range(-1, 11):
        if t == 0:
            cpu_user = 0.5  # start-up, before the load window
        elif t > 0:
            du, ds = BACKEND_CPU.get(t, (IDLE_CPU, 0.0))
            cpu_user, cpu_system = cpu_user + du, cpu_system + ds
        rss = 10_000_000 if t < 0 else 10_500_000 if t == 6 else 10_400_000
        generator = 3.0 + generator_core_s_per_s * t if t >= 0 else 0.0  # 3 core_s start-up
        rows += [
            {"t_ns": t * S, "source": "backend", "cpu_user_s": cpu_user, "cpu_system_s": cpu_system, "rss_bytes": rss},
            {"t_ns": t * S, "source": "generator-0", "cpu_user_s": generator, "cpu_system_s": 0.0, "rss_bytes": 1},
            {"t_ns": t * S, "source": "wire", "rx_bytes": 1_000 + 2_000 * max(t, 0) if t >= 0 else 0, "tx_bytes": 500 + 1_000 * max(t, 0) if t >= 0 else 0},
            {"t_ns": t * S, "source": "storage", "storage_bytes": 8_192 + 150 * (t + 1)},
        ]  # fmt: skip
    return pd.DataFrame(rows)


def run(generator_core_s_per_s: float = 0.5, recv: pd.DataFrame = RECV) -> RunData:
    return RunData(SENT, recv, EVENTS, samples(generator_core_s_per_s), pd.DataFrame())


EXPECTED = {
    # all messages: 5 sent; 7 received (duplicate and unowed included); owed 1 + 1 + 1 + 1 + 2 = 6
    "messaging.messages_sent": 5,
    "messaging.messages_delivered": 7,
    "messaging.deliveries_expected": 6,
    "messaging.delivery_ratio": 5 / 6,  # five distinct owed deliveries arrived
    "messaging.lost": 1,  # chat 1→0 seq 1
    "messaging.duplicates": 1,  # chat 0→1 seq 2 twice
    "messaging.reordered": 1,  # group seq 1 to user 3 after seq 2
    "messaging.peak_concurrent_users": 5,
    "messaging.payload_bytes_mean": 160.0,  # (100 + 200 + 300 + 50 + 150) / 5
    "messaging.sent_msgs_per_user_per_s": 0.2,  # 5 msgs / 5 users / 5 s (0 s … the last send)
    "chat.messages_sent": 3,
    "chat.messages_delivered": 3,
    "chat.deliveries_expected": 3,
    "chat.delivery_ratio": 2 / 3,
    "chat.lost": 1,
    "chat.duplicates": 1,
    "chat.reordered": 0,
    "group.messages_sent": 2,
    "group.messages_delivered": 4,
    "group.deliveries_expected": 3,  # seq 1 to user 3; seq 2 to users 3 and 4
    "group.delivery_ratio": 1.0,
    "group.lost": 0,
    "group.duplicates": 0,
    "group.reordered": 1,
    "group.room_size_mean": 3.0,
    # backend CPU over the window: 0.01 + (0.03 + 0.01) + 0.03 + 7 × 0.002 = 0.094 core_s
    "backend.cpu_core_s": 0.094,
    "backend.cpu_core_s_per_1k_delivered_msgs": 1000 * 0.094 / 7,  # 13.4286
    "backend.rss_bytes_peak": 10_500_000,
    "backend.rss_bytes_per_user": 100_000,  # (10 500 000 − 10 000 000 idle) / 5 users
    "backend.storage_bytes_delta": 1_650,  # 11 samples, −1 … 10 s, 150 B a second
    "backend.storage_bytes_per_stored_msg": 330,  # 1 650 / 5 sent
    "wire.bytes_total": 31_500,  # 0 at −1 s; 21 000 rx + 10 500 tx at 10 s
    "wire.bytes_per_delivered_msg": 4_500,  # 31 500 / 7
    "wire.bytes_per_sent_msg": 6_300,  # 31 500 / 5
    "wire.mbps_mean": 0.024,  # 0 … 10 s: 30 000 B / 10 s × 8 / 1e6
    "generator.cpu_core_s": 5.0,  # 0.5 core_s/s × 10 s (its 3 core_s start-up left out)
    "generator.cpu_core_s_per_1k_msgs": 1000 * 5.0 / 12,  # 416.667, per 5 sent + 7 received
    "generator.cpu_pct_max": 50.0,
}
LATENCIES_MS = {  # min, p50, p95, p99, max, mean — numpy's linear interpolation between ranks
    # sorted 1.0 2.0 2.5 3.0 10.0 1000.5 1004.0: p50 at rank 3 = 3.0; p95 at rank 5.7 =
    # 1000.5 + 0.7 × 3.5 = 1002.95; p99 at 5.94 = 1000.5 + 0.94 × 3.5 = 1003.79; mean 2023 / 7
    "messaging.e2e_latency_ms": (1.0, 3.0, 1002.95, 1003.79, 1004.0, 289.0),
    # 1.0 2.0 2.5: p50 2.0; p95 at rank 1.9 = 2.45; p99 at 1.98 = 2.49; mean 5.5 / 3
    "chat.e2e_latency_ms": (1.0, 2.0, 2.45, 2.49, 2.5, 5.5 / 3),
    # 3.0 10.0 1000.5 1004.0: p50 at rank 1.5 = 10 + 0.5 × 990.5 = 505.25; p95 at rank 2.85 =
    # 1000.5 + 0.85 × 3.5 = 1003.475; p99 at 2.97 = 1003.895; mean 2017.5 / 4 = 504.375
    "group.e2e_latency_ms": (3.0, 505.25, 1003.475, 1003.895, 1004.0, 504.375),
    # seq 1: sent 4.0 s, its one owed delivery at 5.004 s; seq 2: sent 5.0 s, the last at 5.010 s
    "group.fanout_completion_ms": (10.0, 507.0, 954.3, 994.06, 1004.0, 507.0),
}


def test_every_messaging_figure_of_the_summary_matches_its_hand_worked_value() -> None:
    metrics = build_metrics(run(), WINDOW)
    assert set(metrics) == set(EXPECTED) | set(LATENCIES_MS), "every figure checked below"
    for name, value in EXPECTED.items():
        assert metrics[name].value == pytest.approx(value, rel=1e-5), name
    for name, stats in LATENCIES_MS.items():
        s = metrics[name].stats
        assert s is not None, name
        got = (s.min, s.p50, s.p95, s.p99, s.max, s.mean)
        assert got == pytest.approx(stats, rel=1e-5), name


def test_latency_keeps_microseconds_and_drops_what_is_below() -> None:
    # 1 000 900 ns is 1000 µs and 900 ns: 1.0 ms, not 1.001 (truncated at the microsecond)
    latency = build_metrics(run(), WINDOW)["chat.e2e_latency_ms"]
    assert latency.stats is not None and latency.stats.min == 1.0 and latency.n == 3


def test_backend_cpu_per_1k_is_spread_over_the_intervals_that_delivered() -> None:
    # per 1 k deliveries in each busy interval: 0.01 / 1 → 10; 0.04 / 2 → 20; 0.03 / 4 → 7.5;
    # p25 of (7.5, 10, 20) at rank 0.5 = 8.75, p75 at rank 1.5 = 15 (idle intervals left out)
    figure = build_metrics(run(), WINDOW)["backend.cpu_core_s_per_1k_delivered_msgs"]
    assert figure.spread is not None
    assert (figure.spread.p25, figure.spread.p75) == pytest.approx((8.75, 15.0))
    assert figure.n == 10  # 11 samples in the window: 10 intervals


@pytest.mark.parametrize(("core_s_per_s", "saturated"), [(0.849, False), (0.851, True)])
def test_a_generator_is_saturated_only_above_85_percent_of_a_core_on_either_side(
    core_s_per_s: float, saturated: bool
) -> None:
    metrics = build_metrics(run(core_s_per_s), WINDOW)
    assert metrics["generator.cpu_pct_max"].value == pytest.approx(100 * core_s_per_s)
    reasons = validity_reasons(metrics, pd.DataFrame(), WINDOW)
    assert reasons == (
        ["load generator saturated: 85% of a core over 5 s (limit 85%)"] if saturated else []
    )


@pytest.mark.parametrize(("lag_ms", "lagged"), [(49.9, False), (50.1, True)])
def test_a_generator_loop_lags_only_above_50_ms_at_p95_on_either_side(
    lag_ms: float, lagged: bool
) -> None:
    # every one of 20 per-second maxima at `lag_ms`: their p95 is `lag_ms`
    stats = pd.DataFrame({"t_ns": np.arange(20) * S // 2, "loop_lag_ms_max": [lag_ms] * 20})
    owed = {MESSAGING.deliveries_expected: Figure.of_value(MESSAGING.deliveries_expected, 5, 5)}
    reasons = validity_reasons(owed, stats, WINDOW)
    assert bool(reasons) is lagged, reasons


def test_the_loop_lag_limit_is_on_the_95th_percentile_not_the_worst_second() -> None:
    # 20 seconds: one spike of 500 ms; p95 of (19 × 1 ms, 500) at rank 18.05 = 1 + 0.05 × 499 = 25.95
    lags = [1.0] * 19 + [500.0]
    stats = pd.DataFrame({"t_ns": np.arange(20) * S // 2, "loop_lag_ms_max": lags})
    owed = {MESSAGING.deliveries_expected: Figure.of_value(MESSAGING.deliveries_expected, 5, 5)}
    assert validity_reasons(owed, stats, WINDOW) == []


def test_a_run_that_owed_nothing_is_invalid() -> None:
    nothing = {MESSAGING.deliveries_expected: Figure.of_value(MESSAGING.deliveries_expected, 0, 0)}
    assert validity_reasons(nothing, pd.DataFrame(), WINDOW) == [
        "no delivery was owed: no message was sent to a ready recipient"
    ]
