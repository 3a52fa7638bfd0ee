"""What a person reads: the start line, live progress lines and the closing summary table."""

from __future__ import annotations

import re

from harness.kernel.figures import Figure, Stats, by_name
from harness.kernel.metric_names import BACKEND, GENERATOR, MESSAGING, VIDEO, WIRE
from harness.kernel.metrics import SUMMARY_ROWS, Shape, lookup
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary, UnderTarget
from harness.progress import Progress, progress_line, start_line, summary_table


def test_a_messaging_progress_line_shows_users_rates_latency_cpu_and_wire() -> None:
    line = progress_line(Progress(12, "load", 118, 120, 90, 330, 0.6, 1.04, 3.0, 4.0, 1.2))
    assert line == (
        "[   12 s load ] users   118/120   msg/s sent      90 recv     330  latency p50   0.60 "
        "p95   1.04 ms  backend CPU   3.0%  generator CPU   4.0%  wire   1.20 Mbps"
    )


def test_a_progress_line_with_nothing_delivered_shows_a_dash_for_latency_not_zero() -> None:
    line = progress_line(Progress(16, "drain", 120, 120, 0, 0, 0.0, 0.0, 3.0, 3.4, 1.08))
    assert "latency p50      — p95      — ms" in line
    assert "0.00" not in line.split("backend")[0]


def test_a_media_only_progress_line_leaves_out_messaging_and_shows_streams() -> None:
    line = progress_line(
        Progress(7, "ramp", 0, 0, 0, 0, 0, 0, 2.5, 50.0, 2.4, media_streams=2, media_recv_mbps=3.16)
    )
    assert "users" not in line and "msg/s" not in line
    assert line.endswith("wire   2.40 Mbps  media 2 streams 3.16 Mbps recv")


def test_the_start_line_counts_users_as_the_progress_lines_do() -> None:
    """The video scenario has 20 chat users and 8 media participants: the start line used to say
    28 users while every progress line said 20."""
    start = start_line(20, 8, 5, 30, 3)
    assert start == (
        "imbench: 20 messaging users and 8 media participants over 5 s, then 30 s steady, "
        "3 generator process(es)"
    )
    line = progress_line(
        Progress(
            7, "load", 20, 20, 10, 10, 0.6, 0.7, 19.4, 30.5, 14.67, 15, 23.21, media_participants=8
        )
    )
    assert "users    20/20 " in line and "media 8 participants, 15 streams 23.21 Mbps" in line
    assert start_line(120, 0, 10, 45, 1).startswith("imbench: 120 messaging users over 10 s")


def _summary(*figures: Figure, net: str = "netns-veth") -> Summary:
    return Summary("r", RunStatus.OK, False, (), "s", "b", "none", net, 13, by_name(*figures))


def test_the_summary_table_names_status_reasons_figures_and_streams_under_target() -> None:
    summary = Summary(
        run_id="r1",
        status=RunStatus.FAILED,
        partial=True,
        reasons=(
            "backend embedded exited unexpectedly (killed by SIGKILL) 4.5 s after load start",
        ),
        scenario="s",
        backend="embedded",
        media_backend="embedded-sfu",
        net_method="netns-veth",
        load_window_s=13,
        metrics=by_name(
            Figure.of_value(MESSAGING.delivery_ratio, 0.97, 1000),
            Figure.of_distribution(
                MESSAGING.e2e_latency_ms, 970, Stats(0.2, 0.6, 1.0, 2.5, 9.0, 0.7)
            ),
            Figure.of_distribution(VIDEO.jitter_ms, 0, None),
            Figure.of_value(
                BACKEND.cpu_core_s_per_1k_delivered_msgs, 0.41, 12, spread=(0.38, 0.45)
            ),
        ),
        media_under_target=(UnderTarget("media-0/p1", "p0/video", 0.7, 1.5),),
    )
    table = summary_table(summary)
    assert "status   failed  (partial)" in table
    assert "reason   backend embedded exited unexpectedly" in table
    assert "network  netns-veth   load window 13 s" in table
    assert re.search(r"delivery ratio +0\.97  n=1,000$", table, re.M)
    assert "p50 0.6  p95 1  p99 2.5  max 9 ms  n=970" in table
    assert re.search(r"video jitter +—$", table, re.M)
    assert re.search(
        r"backend CPU per 1k delivered +0\.41 core_s/1k_msgs  \(IQR 0\.38–0\.45\)  n=12$",
        table,
        re.M,
    )
    assert "UNDER TARGET  media-0/p1 ← p0/video: 0.700 of 1.5 Mbps" in table


def test_a_delivery_ratio_with_one_loss_in_25000_reads_0_99996_not_1() -> None:
    table = summary_table(_summary(Figure.of_value(MESSAGING.delivery_ratio, 24999 / 25000, 25000)))
    assert re.search(r"delivery ratio +0\.99996  n=25,000$", table, re.M)


def test_large_byte_figures_read_in_kib_and_mib_and_small_ones_in_bytes() -> None:
    table = summary_table(
        _summary(
            Figure.of_value(BACKEND.rss_bytes_peak, 32_280_600, 13),
            Figure.of_value(BACKEND.rss_bytes_per_user, 18_568, 13),
            Figure.of_value(WIRE.bytes_per_sent_msg, 2_166, 829),
        )
    )
    assert re.search(r"backend RSS peak +30\.79 MiB$", table, re.M)  # 32,280,600 / 2^20
    assert re.search(r"backend RSS per user +18\.13 KiB/user$", table, re.M)  # 18,568 / 1,024
    assert re.search(r"wire per sent message +2,166 bytes/msg$", table, re.M)


def test_counts_are_shown_for_distributions_spreads_and_count_ratios_only() -> None:
    table = summary_table(
        _summary(
            Figure.of_value(MESSAGING.messages_sent, 829, 829),
            Figure.of_value(BACKEND.rss_bytes_peak, 30_000_000, 13),
            Figure.of_value(GENERATOR.cpu_pct_max, 5.373, 1),
            Figure.of_value(VIDEO.loss_ratio, 0.0, 12_938),
            Figure.of_value(VIDEO.wire_overhead_ratio, 1.06847, 24),
        )
    )
    assert re.search(r"messages sent +829 msgs$", table, re.M)
    assert re.search(r"generator CPU peak \(5 s\) +5\.373 %$", table, re.M)
    assert re.search(r"video loss ratio +0  n=12,938$", table, re.M)
    assert re.search(r"wire ÷ stream payload +1\.06847$", table, re.M)
    assert "n=13" not in table and "n=1\n" not in table + "\n"


def test_a_figure_resting_on_nothing_reads_as_a_dash() -> None:
    table = summary_table(
        _summary(
            Figure.of_value(BACKEND.storage_bytes_per_stored_msg, 0.0, 0),
            Figure.of_distribution(MESSAGING.e2e_latency_ms, 0, None),
        )
    )
    assert re.search(r"storage per stored message +—$", table, re.M)
    assert re.search(r"e2e latency +—$", table, re.M)


def test_a_loopback_run_is_marked_approximate_in_the_network_line() -> None:
    table = summary_table(_summary(net="loopback-shared"))
    assert "network  loopback-shared (approximate:" in table


def test_the_summary_table_shows_the_registry_rows_in_the_registry_order() -> None:
    names = [name for name, _ in SUMMARY_ROWS]
    figures = [
        Figure.of_value(name, 1.0, 1)
        if lookup(name).shape is Shape.VALUE
        else Figure.of_distribution(name, 1, Stats(1, 1, 1, 1, 1, 1))
        for name in reversed(names)
    ]
    summary = Summary(
        "r", RunStatus.OK, False, (), "s", "b", "none", "loopback", 1, by_name(*figures)
    )
    rows = summary_table(summary).splitlines()[3:]
    width = max(len(label) for _, label in SUMMARY_ROWS)
    assert [row[2 : 2 + width].rstrip() for row in rows] == [label for _, label in SUMMARY_ROWS]
