"""The resource, wire and generator figures of harness/summary.py and its validity reasons, from
hand-made meter samples with every expected value worked beside it; the edges that mutation
testing found unguarded (two readings exactly, nothing delivered, no users, limits met exactly)."""

from __future__ import annotations

import pandas as pd
import pytest

from harness import analysis as an
from harness.analysis import Window
from harness.kernel import records
from harness.kernel.figures import Figure
from harness.kernel.metric_names import BACKEND, GENERATOR, MESSAGING, VIDEO, VOICE, WIRE
from harness.kernel.records import SAMPLE_COLUMNS
from harness.summary import (
    RunData,
    build_metrics,
    client_wire_metrics,
    generator_metrics,
    messaging_wire_source,
    resource_metrics,
    validity_reasons,
)
from workloads.socket_meter import HEADER_BYTES_PER_SEGMENT

S = 1_000_000_000
MB = 1_000_000
WINDOW = Window(load_start_ns=2 * S, send_stop_ns=9 * S, end_ns=10 * S)


def _sample(t_s: float, source: str, **values: float) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(SAMPLE_COLUMNS)
    row.update(t_ns=int(t_s * S), source=source, **values)
    return row


def _process(t_s: float, source: str, cpu_s: float, rss_bytes: float = 0) -> dict[str, object]:
    """A process reading; CPU split 3:1 user:system so that both columns count."""
    return _sample(
        t_s, source, cpu_user_s=0.75 * cpu_s, cpu_system_s=0.25 * cpu_s, rss_bytes=rss_bytes
    )


def _data(rows: list[dict[str, object]], media: bool = False) -> RunData:
    empty = pd.DataFrame()
    samples = pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS))
    streams = pd.DataFrame({"stream": ["v"]}) if media else empty
    return RunData(empty, pd.DataFrame({"t_ns": []}), empty, samples, empty, streams)


def _values(metrics: dict[str, Figure]) -> dict[str, tuple[float | None, int]]:
    return {name: (f.value, f.n) for name, f in metrics.items()}


def test_backend_cpu_and_memory_over_the_load_window() -> None:
    rows = [
        _process(1, "backend", 0.5, 100 * MB),  # before load: the idle memory
        _process(2, "backend", 1.0, 120 * MB),
        _process(3, "backend", 1.5, 150 * MB),
        _process(4, "backend", 2.5, 140 * MB),
    ]
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=3000, sent=1000, peak_users=10))
    assert got[BACKEND.cpu_core_s] == (1.5, 3)  # 2.5 - 1.0 over the three load readings
    assert got[BACKEND.cpu_core_s_per_1k_delivered_msgs] == (0.5, 2)  # 1000 x 1.5 / 3000
    assert got[BACKEND.rss_bytes_peak] == (150 * MB, 3)
    assert got[BACKEND.rss_bytes_per_user] == (5 * MB, 3)  # (150 - 100) MB / 10 users


def test_two_load_readings_are_enough_and_without_an_idle_reading_the_first_is_idle() -> None:
    rows = [_process(2, "backend", 1.0, 100 * MB), _process(3, "backend", 1.25, 130 * MB)]
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=0, sent=0, peak_users=0))
    assert got[BACKEND.cpu_core_s] == (0.25, 2)
    # Nothing delivered, no users: the per-item figures are 0, not a division by zero.
    assert got[BACKEND.cpu_core_s_per_1k_delivered_msgs] == (0.0, 1)
    assert got[BACKEND.rss_bytes_per_user] == (0.0, 2)
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=10, sent=0, peak_users=3))
    assert got[BACKEND.rss_bytes_per_user] == (10 * MB, 2)  # (130 - 100) MB / 3


def test_one_load_reading_gives_no_backend_figure() -> None:
    rows = [_process(1, "backend", 1.0), _process(3, "backend", 2.0)]
    assert BACKEND.cpu_core_s not in resource_metrics(_data(rows), WINDOW, 10, 10, 1)


def test_storage_growth_per_message_stored() -> None:
    rows = [_sample(1, "storage", storage_bytes=1_000), _sample(5, "storage", storage_bytes=5_000)]
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=0, sent=8, peak_users=0))
    assert got[BACKEND.storage_bytes_delta] == (4_000, 2)
    assert got[BACKEND.storage_bytes_per_stored_msg] == (500, 8)  # 4000 B / 8 messages
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=0, sent=0, peak_users=0))
    assert got[BACKEND.storage_bytes_per_stored_msg] == (0.0, 0)
    one = resource_metrics(_data(rows[:1]), WINDOW, 0, 8, 0)
    assert BACKEND.storage_bytes_delta not in one


def test_resources_and_the_wire_figures_are_reported_together() -> None:
    rows = [
        _process(2, "backend", 1.0),
        _process(3, "backend", 2.0),
        _sample(1, "storage", storage_bytes=0),
        _sample(3, "storage", storage_bytes=10),
        _sample(2, "wire", rx_bytes=0, tx_bytes=0),
        _sample(3, "wire", rx_bytes=10, tx_bytes=0),
    ]
    names = set(resource_metrics(_data(rows), WINDOW, 1, 1, 1))
    assert {BACKEND.cpu_core_s, BACKEND.storage_bytes_delta, WIRE.bytes_total} <= names


def test_wire_bytes_and_rate_per_message() -> None:
    rows = [
        _sample(1, "wire", rx_bytes=600, tx_bytes=400),  # before load: counted in bytes_total
        _sample(2, "wire", rx_bytes=1_000, tx_bytes=1_000),
        _sample(4, "wire", rx_bytes=101_000, tx_bytes=151_000),
    ]
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=100, sent=50, peak_users=0))
    assert got[WIRE.bytes_total] == (251_000, 3)  # 252,000 - 1,000
    assert got[WIRE.bytes_per_delivered_msg] == (2_510, 100)
    assert got[WIRE.bytes_per_sent_msg] == (5_020, 50)
    assert got[WIRE.mbps_mean] == (1.0, 2)  # 250,000 B x 8 / 2 s (load readings only)


def test_wire_figures_from_two_readings_and_nothing_per_message_when_nothing_was_sent() -> None:
    rows = [_sample(2, "wire", rx_bytes=0, tx_bytes=0), _sample(3, "wire", rx_bytes=0, tx_bytes=1)]
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=0, sent=0, peak_users=0))
    assert got[WIRE.bytes_total] == (1, 2)
    assert got[WIRE.bytes_per_delivered_msg] == (0.0, 0)
    assert got[WIRE.bytes_per_sent_msg] == (0.0, 0)


def test_a_wire_with_one_load_reading_has_no_rate() -> None:
    rows = [_sample(1, "wire", rx_bytes=0, tx_bytes=0), _sample(3, "wire", rx_bytes=8, tx_bytes=0)]
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=1, sent=1, peak_users=0))
    assert got[WIRE.mbps_mean] == (0.0, 1)
    assert got[WIRE.bytes_total] == (8, 2)
    assert WIRE.bytes_total not in resource_metrics(_data(rows[:1]), WINDOW, 1, 1, 0)


def test_with_media_only_the_port_counters_give_messaging_wire_figures() -> None:
    veth = [_sample(2, "wire", rx_bytes=0, tx_bytes=0), _sample(3, "wire", rx_bytes=9, tx_bytes=0)]
    assert messaging_wire_source(_data(veth)) == "wire"
    assert messaging_wire_source(_data(veth, media=True)) is None
    assert WIRE.bytes_total not in resource_metrics(_data(veth, media=True), WINDOW, 1, 1, 0)
    port = [{**r, "source": "wire-messaging"} for r in veth]
    assert messaging_wire_source(_data(veth + port, media=True)) == "wire-messaging"


def test_generator_cpu_over_the_load_window_per_message() -> None:
    rows = [
        _process(1, "generator-0", 5.0),  # start-up, before load: not counted
        _process(2, "generator-0", 6.0),
        _process(8, "generator-0", 9.0),  # 3 s over 6 s: 50 %
        _process(2, "generator-1", 0.0),
        _process(8, "generator-1", 1.5),  # 1.5 s over 6 s: 25 %
        _process(2, "backend", 0.0),
        _process(8, "backend", 6.0),  # not a generator
    ]
    got = _values(generator_metrics(_data(rows), WINDOW, sent=1_000, delivered=3_500))
    assert got[GENERATOR.cpu_core_s] == (4.5, 2)
    assert got[GENERATOR.cpu_core_s_per_1k_msgs] == (1.0, 4_500)  # 1000 x 4.5 / 4500
    assert got[GENERATOR.cpu_pct_max] == (50.0, 2)
    nothing = _values(generator_metrics(_data(rows), WINDOW, sent=0, delivered=0))
    assert nothing[GENERATOR.cpu_core_s_per_1k_msgs] == (0.0, 0)


def _metrics(**values: float) -> dict[str, Figure]:
    names = {
        "gen": GENERATOR.cpu_pct_max,
        "media_gen": GENERATOR.media_cpu_pct_max,
        "owed": MESSAGING.deliveries_expected,
        "video": VIDEO.recv_streams,
        "voice": VOICE.recv_streams,
    }
    return {names[k]: Figure.of_value(names[k], v, 1) for k, v in values.items()}


def _lags(*lags_ms: float, start_s: float = 3) -> pd.DataFrame:
    """Progress lines' per-second max loop lag, a quarter-second apart from `start_s`."""
    t_ns = [int((start_s + i / 4) * S) for i in range(len(lags_ms))]
    return pd.DataFrame({"t_ns": t_ns, "loop_lag_ms_max": lags_ms})


def test_a_generator_at_its_cpu_limit_is_not_saturated_above_it_is() -> None:
    limit = an.SATURATION_CPU_PCT
    assert limit == 85.0
    assert validity_reasons(_metrics(gen=limit, owed=1), pd.DataFrame(), WINDOW) == []
    assert validity_reasons(_metrics(media_gen=limit), pd.DataFrame(), WINDOW) == []
    assert validity_reasons(_metrics(gen=85.4, media_gen=90.0), pd.DataFrame(), WINDOW) == [
        "load generator saturated: 90% of a core over 5 s (limit 85%)"
    ]


def test_event_loop_lag_counts_by_its_p95_inside_the_load_window() -> None:
    assert an.LOOP_LAG_LIMIT_MS == 50.0
    at_limit = _lags(*([50.0] * 20))
    assert validity_reasons(_metrics(owed=1), at_limit, WINDOW) == []
    # 20 readings: 19 at 10 ms and one at 200 ms put the p95 (sorted index 18.05) at
    # 10 + 0.05 x 190 = 19.5 ms: under the limit; two at 200 ms put it at 200 ms: over.
    under = _lags(*([10.0] * 19 + [200.0]))
    assert validity_reasons(_metrics(owed=1), under, WINDOW) == []
    over = _lags(*([10.0] * 18 + [200.0] * 2))
    assert validity_reasons(_metrics(owed=1), over, WINDOW) == [
        "load generator event loop lagged: p95 of per-second max lag 200 ms (limit 50 ms)"
    ]
    before_load = _lags(500.0, 500.0, start_s=1)  # t = 1 s and 1.25 s: before the load window
    assert validity_reasons(_metrics(owed=1), before_load, WINDOW) == []
    assert validity_reasons(_metrics(owed=1), pd.DataFrame({"sent": [1]}), WINDOW) == []


def test_a_p95_just_over_the_limit_is_reported_rounded() -> None:
    lag = _lags(*([50.0] * 10 + [60.0] * 10))  # p95 = 60 ms
    assert validity_reasons(_metrics(owed=1), lag, WINDOW) == [
        "load generator event loop lagged: p95 of per-second max lag 60 ms (limit 50 ms)"
    ]
    # p95 of 0..99 ms is 94.05 ms; p96 would be 95.04: the message rounds the p95.
    spread = _lags(*[float(x) for x in range(100)], start_s=2.0)  # t = 2 .. 26.75 s
    spread["t_ns"] = [2 * S + i * (S // 20) for i in range(100)]  # all inside the window
    assert validity_reasons(_metrics(owed=1), spread, WINDOW) == [
        "load generator event loop lagged: p95 of per-second max lag 94 ms (limit 50 ms)"
    ]


@pytest.mark.parametrize(
    ("values", "reasons"),
    [
        ({"owed": 0}, ["no delivery was owed: no message was sent to a ready recipient"]),
        ({"owed": 1}, []),
        ({"video": 0}, ["no media stream was received in the steady window"]),
        ({"video": 1}, []),
        ({"voice": 0}, ["no media stream was received in the steady window"]),
        ({"voice": 1}, []),
        ({"video": 2, "voice": 0}, []),  # video streams counted first; voice rides along
        ({}, []),
    ],
)
def test_a_run_that_owed_nothing_or_received_no_stream_is_told(
    values: dict[str, float], reasons: list[str]
) -> None:
    assert validity_reasons(_metrics(**values), pd.DataFrame(), WINDOW) == reasons


def test_a_generator_with_one_reading_or_none_in_the_window_adds_no_cpu() -> None:
    rows = [
        _process(2, "generator-0", 1.0),
        _process(4, "generator-0", 2.0),  # 1 s
        _process(3, "generator-1", 7.0),  # one reading: nothing
        _process(1, "generator-2", 7.0),  # before load only: nothing
    ]
    got = _values(generator_metrics(_data(rows), WINDOW, sent=500, delivered=500))
    assert got[GENERATOR.cpu_core_s] == (1.0, 3)
    assert got[GENERATOR.cpu_core_s_per_1k_msgs] == (1.0, 1_000)
    assert got[GENERATOR.cpu_pct_max] == (0.0, 3)  # no 5 s span anywhere


def _chat_run(sent_at_s: list[float]) -> RunData:
    """Users 0 and 1 chat, both ready at 1 s; user 0 sends at `sent_at_s`; nothing arrives."""
    events = pd.DataFrame(
        [(1 * S, u, records.KIND_CHAT, 1 - u, "ready", "") for u in (0, 1)],
        columns=list(records.EVENT_COLUMNS),
    )
    sent = pd.DataFrame(
        [
            (int(t * S), int(t * S), 0, records.KIND_CHAT, 1, i, 100, 140)
            for i, t in enumerate(sent_at_s)
        ],
        columns=list(records.SENT_COLUMNS),
    )
    recv = pd.DataFrame(columns=list(records.RECV_COLUMNS), dtype="int64")
    samples = pd.DataFrame(columns=list(SAMPLE_COLUMNS))
    return RunData(sent, recv, events, samples, pd.DataFrame())


def test_sends_per_user_per_second_are_over_the_send_window_from_load_start() -> None:
    metrics = build_metrics(_chat_run([3.0, 4.0, 5.0, 6.0]), WINDOW)
    # 4 messages / 2 users / (6 s, the last send, - 2 s, load start) = 0.5 per user per second
    figure = metrics[MESSAGING.sent_msgs_per_user_per_s]
    assert (figure.value, figure.n) == (0.5, 4)
    # Sends that outlast send_stop (9 s) count up to it: 3 / 2 / (9 - 2) s.
    late = build_metrics(_chat_run([3.0, 8.0, 9.5]), WINDOW)[MESSAGING.sent_msgs_per_user_per_s]
    assert late.value == 0.214286  # figures keep 6 significant digits


def test_no_send_rate_without_a_send_after_load_start() -> None:
    assert MESSAGING.sent_msgs_per_user_per_s not in build_metrics(_chat_run([]), WINDOW)
    at_start = build_metrics(_chat_run([2.0]), WINDOW)  # a send window of 0 s
    assert MESSAGING.sent_msgs_per_user_per_s not in at_start
    assert at_start[MESSAGING.payload_bytes_mean].value == 100
    assert build_metrics(_chat_run([]), WINDOW)[MESSAGING.payload_bytes_mean].value == 0.0


def _tcp(
    t_s: float, generator: int, sent: int, received: int, out: int, seg_in: int
) -> dict[str, float]:
    return {"t_ns": int(t_s * S), "generator": generator, "tcp_bytes_sent": sent,
            "tcp_bytes_received": received, "tcp_segs_out": out, "tcp_segs_in": seg_in}  # fmt: skip


def test_client_socket_counters_give_the_wire_figures_of_an_external_server() -> None:
    h = HEADER_BYTES_PER_SEGMENT
    stats = pd.DataFrame(
        [
            _tcp(1, 0, 100, 50, 2, 1),  # before load: counted in the total only
            _tcp(2, 0, 1_000, 500, 10, 5),
            _tcp(4, 0, 3_000, 1_500, 30, 15),
            _tcp(2, 1, 0, 0, 0, 0),
            _tcp(4, 1, 400, 200, 4, 2),
        ]
    )
    got = _values(client_wire_metrics(stats, WINDOW, delivered=10, sent=5))
    total = (4_500 + 45 * h) + (600 + 6 * h)  # each generator's largest cumulative count
    assert got[WIRE.bytes_total] == (pytest.approx(total), 5)
    assert got[WIRE.bytes_per_delivered_msg][0] == pytest.approx(total / 10)
    assert got[WIRE.bytes_per_sent_msg] == (pytest.approx(total / 5), 5)
    grown = (3_000 + 30 * h) + (600 + 6 * h)  # over the load window, both generators, 2 s
    assert got[WIRE.mbps_mean] == (pytest.approx(8 * grown / 2 / 1e6), 4)


def test_client_socket_counters_absent_or_all_zero_give_no_wire_figure() -> None:
    assert client_wire_metrics(pd.DataFrame(), WINDOW, 1, 1) == {}
    no_tcp = pd.DataFrame({"t_ns": [S], "generator": [0], "sent": [3]})
    assert client_wire_metrics(no_tcp, WINDOW, 1, 1) == {}
    zero = pd.DataFrame([_tcp(2, 0, 10, 10, 0, 0), _tcp(3, 0, 20, 20, 0, 0)])
    assert client_wire_metrics(zero, WINDOW, 1, 1) == {}
    nothing_sent = _values(
        client_wire_metrics(pd.DataFrame([_tcp(3, 0, 1, 1, 1, 1)]), WINDOW, 0, 0)
    )
    assert nothing_sent[WIRE.bytes_per_delivered_msg] == (0.0, 0)
    assert nothing_sent[WIRE.bytes_per_sent_msg] == (0.0, 0)
    assert nothing_sent[WIRE.mbps_mean] == (0.0, 1)  # one reading: no span


def test_missing_client_counters_count_as_zero() -> None:
    stats = pd.DataFrame(
        [_tcp(2, 0, 100, 0, 1, 0), {**_tcp(3, 0, 300, 0, 3, 0), "tcp_segs_in": None}]
    )
    got = _values(client_wire_metrics(stats, WINDOW, 1, 1))
    assert got[WIRE.bytes_total][0] == pytest.approx(300 + 3 * HEADER_BYTES_PER_SEGMENT)


def test_without_a_wire_meter_the_client_counters_give_the_wire_figures() -> None:
    h = HEADER_BYTES_PER_SEGMENT
    stats = pd.DataFrame([_tcp(2, 0, 1_000, 0, 1, 0), _tcp(4, 0, 3_000, 0, 3, 0)])
    meters = _data([_process(2, "backend", 1.0), _process(3, "backend", 2.0)])
    data = RunData(meters.sent, meters.recv, meters.events, meters.samples, stats)
    got = _values(resource_metrics(data, WINDOW, delivered=10, sent=5, peak_users=1))
    total = 3_000 + 3 * h  # the largest cumulative count
    assert got[WIRE.bytes_total] == (pytest.approx(total), 2)
    assert got[WIRE.bytes_per_delivered_msg] == (pytest.approx(total / 10), 10)
    assert got[WIRE.bytes_per_sent_msg] == (pytest.approx(total / 5), 5)
    assert got[WIRE.mbps_mean] == (pytest.approx(8 * (2_000 + 2 * h) / 2 / 1e6), 2)


def test_a_wire_read_only_before_the_load_has_totals_but_no_rate() -> None:
    rows = [_sample(0, "wire", rx_bytes=0, tx_bytes=0), _sample(1, "wire", rx_bytes=8, tx_bytes=0)]
    got = _values(resource_metrics(_data(rows), WINDOW, delivered=1, sent=1, peak_users=0))
    assert got[WIRE.bytes_total] == (8, 2)
    assert got[WIRE.mbps_mean] == (0.0, 0)


def test_client_counters_with_every_segment_count_missing_give_no_wire_figure() -> None:
    stats = pd.DataFrame([{**_tcp(2, 0, 10, 10, 0, 0), "tcp_segs_out": None}] * 2)
    assert client_wire_metrics(stats, WINDOW, 1, 1) == {}


def test_client_wire_rate_uses_each_generators_last_reading_and_spans_under_a_second() -> None:
    stats = pd.DataFrame(
        [_tcp(2.0, 0, 0, 0, 0, 0), _tcp(2.25, 0, 1_000, 0, 0, 0), _tcp(2.5, 0, 5_000, 0, 1, 0)]
    )
    got = _values(client_wire_metrics(stats, WINDOW, 1, 1))
    grown = 5_000 + HEADER_BYTES_PER_SEGMENT  # first to last reading, over 0.5 s
    assert got[WIRE.mbps_mean] == (pytest.approx(8 * grown / 0.5 / 1e6), 3)


def test_backend_cpu_spread_needs_two_intervals_that_delivered() -> None:
    rows = [_process(2, "backend", 1.0), _process(3, "backend", 2.0), _process(4, "backend", 4.0)]
    # one delivery in each second: 1 core_s per 1 and 2 core_s per 1 delivered, x 1000
    recv = pd.DataFrame({"t_ns": [int(2.5 * S), int(3.5 * S)]})
    empty = pd.DataFrame()
    data = RunData(empty, recv, empty, _data(rows).samples, empty)
    figure = resource_metrics(data, WINDOW, delivered=2, sent=2, peak_users=1)[
        BACKEND.cpu_core_s_per_1k_delivered_msgs
    ]
    assert figure.spread is not None
    assert (figure.spread.p25, figure.spread.p75) == (1250.0, 1750.0)


def _chat_with_meters(sent_at_s: list[float]) -> RunData:
    run = _chat_run(sent_at_s)
    rows = [
        _process(2, "backend", 1.0, 100 * MB),
        _process(3, "backend", 2.0, 100 * MB),
        _sample(2, "storage", storage_bytes=0),
        _sample(3, "storage", storage_bytes=50),
    ]
    return RunData(
        run.sent, run.recv, run.events, pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS)), run.stats
    )


def test_a_run_that_delivered_or_sent_nothing_has_per_message_figures_of_zero() -> None:
    nothing_delivered = build_metrics(_chat_with_meters([3.0]), WINDOW)
    assert nothing_delivered[MESSAGING.messages_delivered].value == 0
    assert nothing_delivered[BACKEND.cpu_core_s_per_1k_delivered_msgs].value == 0.0
    nothing_sent = build_metrics(_chat_with_meters([]), WINDOW)
    assert (
        nothing_sent[BACKEND.storage_bytes_per_stored_msg].value,
        nothing_sent[BACKEND.storage_bytes_per_stored_msg].n,
    ) == (0.0, 0)


def test_a_run_whose_users_never_got_ready_has_no_per_user_figures() -> None:
    run = _chat_with_meters([3.0])
    never_ready = RunData(
        run.sent, run.recv, run.events.assign(event="connect"), run.samples, run.stats
    )
    metrics = build_metrics(never_ready, WINDOW)
    assert metrics[MESSAGING.peak_concurrent_users].value == 0
    assert metrics[BACKEND.rss_bytes_per_user].value == 0.0
    assert MESSAGING.sent_msgs_per_user_per_s not in metrics


def test_a_send_window_under_a_second_still_gives_a_send_rate() -> None:
    # 1 message / 2 users / (2.5 s - 2 s load start) = 1 per user per second
    assert build_metrics(_chat_run([2.5]), WINDOW)[MESSAGING.sent_msgs_per_user_per_s].value == 1.0
