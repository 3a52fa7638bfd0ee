"""What a person reads: live progress lines and the closing summary table."""

from __future__ import annotations

import re

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
    summary = {
        "run_id": "r1",
        "status": "failed",
        "partial": True,
        "reasons": [
            "backend embedded exited unexpectedly (killed by SIGKILL) 4.5 s after load start"
        ],
        "net_method": "netns-veth",
        "load_window_s": 13,
        "metrics": {
            "messaging.delivery_ratio": {"value": 0.97, "unit": "ratio", "n": 1000},
            "messaging.e2e_latency_ms": {
                "unit": "ms",
                "n": 970,
                "min": 0.2,
                "p50": 0.6,
                "p95": 1.0,
                "p99": 2.5,
                "max": 9.0,
                "mean": 0.7,
            },
        },
        "media_under_target": [
            {"peer": "media-0/p1", "stream": "p0/video", "achieved_mbps": 0.7, "target_mbps": 1.5}
        ],
    }
    table = summary_table(summary)
    assert "status   failed  (partial)" in table
    assert "reason   backend embedded exited unexpectedly" in table
    assert re.search(r"delivery ratio +0\.97 ratio  n=1,000", table)
    assert "p50 0.6  p95 1  p99 2.5  max 9 ms  n=970" in table
    assert "UNDER TARGET  media-0/p1 ← p0/video: 0.700 of 1.5 Mbps" in table
