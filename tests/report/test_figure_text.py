"""The one formatting of figures the terminal summary, the report and its tests share."""

from __future__ import annotations

import math

import pytest

from harness.kernel.figures import Figure, Stats
from harness.kernel.metric_names import BACKEND, MESSAGING, VIDEO, WIRE
from harness.report.figure_text import DASH, amount, count_matters, number, one_line, show

NUMBERS = [
    (
        "a ratio keeps all six stored digits, so one loss in 25,000 shows",
        0.99996,
        "ratio",
        "0.99996",
    ),
    ("a ratio of exactly one is 1", 1.0, "ratio", "1"),
    ("a small loss ratio is not rounded to zero", 0.000123, "ratio", "0.000123"),
    ("a whole count gets thousands separators", 16490.0, "msgs", "16,490"),
    ("a fraction gets four significant digits", 0.135113, "core_s/1k_msgs", "0.1351"),
    ("a figure of a thousand or more is rounded to a whole number", 1013.27, "ms", "1,013"),
    ("a negative figure keeps its sign", -258.2, "bytes/msg", "-258.2"),
    ("not a number is a dash", math.nan, "ms", DASH),
    ("no number is a dash", None, "ms", DASH),
]


@pytest.mark.parametrize(("case", "x", "unit", "text"), NUMBERS, ids=[c[0] for c in NUMBERS])
def test_number(case: str, x: float | None, unit: str, text: str) -> None:
    assert number(x, unit) == text


AMOUNTS = [
    ("bytes below ten KiB stay bytes", 10_239, "bytes/msg", "10,239 bytes/msg"),
    ("ten KiB and more read in KiB", 10_240, "bytes/user", "10 KiB/user"),
    ("ten MiB and more read in MiB", 32_280_600, "bytes", "30.79 MiB"),
    ("ten GiB and more read in GiB", 25_324_732_416, "bytes", "23.59 GiB"),
    ("a percentage reads with %", 5.373, "pct", "5.373 %"),
    ("a ratio has no unit word", 0.5, "ratio", "0.5"),
    ("other units are the registry's", 1.5, "Mbps", "1.5 Mbps"),
]


@pytest.mark.parametrize(("case", "x", "unit", "text"), AMOUNTS, ids=[c[0] for c in AMOUNTS])
def test_amount(case: str, x: float, unit: str, text: str) -> None:
    assert amount(x, unit) == text


def test_a_distribution_shows_every_statistic_in_one_unit() -> None:
    figure = Figure.of_distribution(
        MESSAGING.e2e_latency_ms, 3109, Stats(0.188, 0.709, 1.129, 1.454, 2.7, 0.7192)
    )
    shown = show(figure)
    assert shown.unit == "ms"
    assert shown.stats == {
        "min": "0.188",
        "p50": "0.709",
        "p95": "1.129",
        "p99": "1.454",
        "max": "2.7",
        "mean": "0.7192",
    }
    assert one_line(figure) == "p50 0.709  p95 1.129  p99 1.454  max 2.7 ms  n=3,109"


def test_a_value_with_a_spread_shows_value_and_spread_in_the_same_unit() -> None:
    figure = Figure.of_value(BACKEND.cpu_core_s_per_1k_delivered_msgs, 0.1351, 12, (0.1065, 0.1689))
    assert show(figure).stats == {"value": "0.1351", "p25": "0.1065", "p75": "0.1689"}
    assert count_matters(figure)


def test_a_byte_figure_is_scaled_once_for_all_of_its_statistics() -> None:
    figure = Figure.of_value(WIRE.bytes_total, 12_000_000, 55)
    assert show(figure).with_unit("value") == "11.44 MiB"


def test_a_figure_without_samples_is_a_dash_everywhere() -> None:
    empty = Figure.of_distribution(VIDEO.jitter_ms, 0, None)
    assert set(show(empty).stats.values()) == {DASH}
    assert one_line(empty) == DASH
    nothing_owed = Figure.of_value(MESSAGING.delivery_ratio, 0.0, 0)
    assert show(nothing_owed).stats == {"value": DASH} and one_line(nothing_owed) == DASH


def test_the_count_of_a_count_or_of_meter_readings_is_left_out() -> None:
    assert not count_matters(Figure.of_value(MESSAGING.messages_sent, 829, 829))
    assert not count_matters(Figure.of_value(BACKEND.rss_bytes_peak, 3e7, 13))
    assert not count_matters(Figure.of_value(VIDEO.wire_overhead_ratio, 1.07, 24))
    assert count_matters(Figure.of_value(VIDEO.loss_ratio, 0.0, 12_938))
    assert count_matters(Figure.of_value(MESSAGING.delivery_ratio, 1.0, 3109))
