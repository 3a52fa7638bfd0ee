"""What a person reads: live progress lines and the closing summary table."""

from __future__ import annotations

import re

from harness.kernel.figures import Figure, Stats, by_name
from harness.kernel.metric_names import BACKEND, MESSAGING, VIDEO
from harness.kernel.metrics import SUMMARY_ROWS, Shape, lookup
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary, UnderTarget
from harness.progress import Progress, progress_line, summary_table


def test_a_messaging_progress_line_shows_users_rates_latency_cpu_and_wire() -> None:
    line = progress_line(Progress(12, "load", 118, 120, 90, 330, 0.6, 1.04, 3.0, 4.0, 1.2))
    assert line == (
        "[   12 s load ] users   118/120   msg/s sent      90 recv     330  latency p50   0.60 "
        "p95   1.04 ms  backend CPU   3.0%  generator CPU   4.0%  wire   1.20 Mbps"
    )


def test_a_media_only_progress_line_leaves_out_messaging_and_shows_streams() -> None:
    line = progress_line(
        Progress(7, "ramp", 0, 0, 0, 0, 0, 0, 2.5, 50.0, 2.4, media_streams=2, media_recv_mbps=3.16)
    )
    assert "users" not in line and "msg/s" not in line
    assert line.endswith("wire   2.40 Mbps  media 2 streams 3.16 Mbps recv")


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
    assert re.search(r"delivery ratio +0\.97 ratio  n=1,000", table)
    assert "p50 0.6  p95 1  p99 2.5  max 9 ms  n=970" in table
    assert re.search(r"video jitter +no samples", table)
    assert re.search(
        r"backend CPU per 1k delivered +0\.41 core_s/1k_msgs  \(IQR 0\.38–0\.45\)", table
    )
    assert "UNDER TARGET  media-0/p1 ← p0/video: 0.700 of 1.5 Mbps" in table


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
