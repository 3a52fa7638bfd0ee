"""Reading one summary.json figure (harness.kernel.figures.parse_figure): each malformed entry is
refused with every problem whole — file, dotted field, the value found, what is accepted."""

from __future__ import annotations

import pytest

from harness.kernel.errors import Problem
from harness.kernel.figures import Figure, Spread, Stats, parse_figure

SRC = "summary.json"
SENT = "messaging.messages_sent"
LAT = "messaging.e2e_latency_ms"
CPU = "backend.cpu_core_s_per_1k_delivered_msgs"  # a value with a p25/p75 spread
SENT_KEYS = f"{SENT} is a value: its keys are unit, n, value"
LAT_KEYS = f"{LAT} is a distribution: its keys are unit, n, min, p50, p95, p99, max, mean"
STATS = {"min": 1, "p50": 2, "p95": 3, "p99": 4, "max": 5, "mean": 2.5}


def _p(field: str, value: object, accepted: str) -> Problem:
    return Problem(SRC, field, value, accepted)


@pytest.mark.parametrize(
    ("name", "raw", "problems"),
    [
        ("messaging.messages_snt", {}, [_p("metrics.messaging.messages_snt", "messaging.messages_snt",
            "a metric of the registry (docs/results.md); did you mean 'messaging.messages_sent' or 'messaging.messages_delivered' or "
            "'chat.messages_sent'?")]),
        (SENT, [1], [_p(f"metrics.{SENT}", [1], f"an object with unit, n and {SENT_KEYS}")]),
        (SENT, {"unit": "msgs", "n": 3, "value": 3, "p95": 1},
            [_p(f"metrics.{SENT}.p95", 1, SENT_KEYS)]),
        (SENT, {"unit": "msgs", "n": 3, "value": "3"}, [_p(f"metrics.{SENT}.value", "3", "a number")]),
        (SENT, {"unit": "messages", "n": 3, "value": 3},
            [_p(f"metrics.{SENT}.unit", "messages", "'msgs' (its registered unit)")]),
        (SENT, {"unit": "msgs", "n": -1, "value": 3},
            [_p(f"metrics.{SENT}.n", -1, "a sample count (an integer >= 0)")]),
        (SENT, {"unit": "msgs", "n": True, "value": 3},
            [_p(f"metrics.{SENT}.n", True, "a sample count (an integer >= 0)")]),
        (SENT, {"unit": "msgs", "n": 3}, [_p(f"metrics.{SENT}.value", None, f"a number ({SENT_KEYS})")]),
        (LAT, {"unit": "ms", "n": 2, **{k: v for k, v in STATS.items() if k != "p99"}},
            [_p(f"metrics.{LAT}.p99", None, f"a number ({LAT_KEYS})")]),
        (LAT, {"unit": "ms", "n": 0, "p50": 2, "max": 5}, [
            _p(f"metrics.{LAT}.p50", 2, "no statistics: n = 0 (no samples)"),
            _p(f"metrics.{LAT}.max", 5, "no statistics: n = 0 (no samples)"),
        ]),
        (CPU, {"unit": "core_s/1k_msgs", "n": 4, "value": 1.0, "p25": 0.5},
            [_p(f"metrics.{CPU}.p75", None, f"a number ({CPU} is a value: its keys are unit, n, value, p25, p75)")]),
    ],
)  # fmt: skip
def test_each_malformed_figure_is_refused_whole(
    name: str, raw: object, problems: list[Problem]
) -> None:
    assert parse_figure(SRC, name, raw) == (None, problems)


def test_a_distribution_of_one_sample_and_one_of_none_read_as_written() -> None:
    one = parse_figure(SRC, LAT, {"unit": "ms", "n": 1, **STATS})
    assert one == (Figure(LAT, "ms", 1, stats=Stats(1, 2, 3, 4, 5, 2.5)), [])
    assert parse_figure(SRC, LAT, {"unit": "ms", "n": 0}) == (Figure(LAT, "ms", 0), [])


def test_a_value_reads_with_or_without_its_spread() -> None:
    bare = parse_figure(SRC, CPU, {"unit": "core_s/1k_msgs", "n": 4, "value": 1.0})
    assert bare == (Figure(CPU, "core_s/1k_msgs", 4, 1.0), [])
    spread = parse_figure(
        SRC, CPU, {"unit": "core_s/1k_msgs", "n": 4, "value": 1.0, "p25": 0.5, "p75": 2.0}
    )
    assert spread == (Figure(CPU, "core_s/1k_msgs", 4, 1.0, Spread(0.5, 2.0)), [])
