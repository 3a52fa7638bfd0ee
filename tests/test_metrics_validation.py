"""The registry validator's every refusal, whole (harness.kernel.metrics.validate): the problem
names the registry source, the dotted field, the bad value and what is accepted, so a broken
entry is fixed from the message alone. (The shipped registry: tests/test_metrics_registry.py.)"""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.kernel.errors import Problem
from harness.kernel.metric_names import BACKEND
from harness.kernel.metrics import (
    REGISTRY,
    REGISTRY_SOURCE,
    Better,
    Shape,
    UnknownMetric,
    WorkloadKind,
    lookup,
    references,
    suggest,
    validate,
)

ENTRY = REGISTRY[BACKEND.cpu_core_s]
ALL_KINDS = frozenset(WorkloadKind)


def _problem(field: str, value: object, accepted: str) -> Problem:
    return Problem(REGISTRY_SOURCE, field, value, accepted)


@pytest.mark.parametrize(
    ("broken", "problems"),
    [
        (
            replace(ENTRY, name="Backend.cpu_core_s"),
            [("Backend.cpu_core_s.name", "Backend.cpu_core_s",
              "lowercase `<area>.<figure_with_unit>` ([a-z0-9_], one dot)")],
        ),
        (replace(ENTRY, unit=" "), [("backend.cpu_core_s.unit", " ", "a unit (bytes, ms, Mbps, core_s, ratio, ...)")]),
        (replace(ENTRY, unit="s"), [("backend.cpu_core_s.unit", "s", "'core_s', as the name ends in _core_s")]),
        (
            replace(ENTRY, brief="cpu seconds."),
            [("backend.cpu_core_s.brief", "cpu seconds.", "one sentence of meaning, capitalised, a full stop")],
        ),
        (
            replace(ENTRY, brief="CPU seconds"),
            [("backend.cpu_core_s.brief", "CPU seconds", "one sentence of meaning, capitalised, a full stop")],
        ),
        (replace(ENTRY, brief="(Approximate) CPU seconds."), []),
        (replace(ENTRY, shape="value"), [("backend.cpu_core_s.shape", "value", "value or distribution")]),
        (replace(ENTRY, better="lower"), [("backend.cpu_core_s.better", "lower", "lower or higher or neither")]),
        (replace(ENTRY, produced_by=ALL_KINDS), []),
        (
            replace(ENTRY, shape=Shape.DISTRIBUTION, spread=True),
            [("backend.cpu_core_s.spread", True, "a spread only on a single value")],
        ),
        (
            replace(ENTRY, produced_by=frozenset({WorkloadKind.CHAT, "fax"})),
            [("backend.cpu_core_s.produced_by", ["chat", "fax"], "some of chat, group, video, voice")],
        ),
    ],
)  # fmt: skip
def test_each_broken_field_is_one_whole_problem(
    broken: object, problems: list[tuple[str, object, str]]
) -> None:
    assert validate([broken]) == [_problem(*p) for p in problems]


def test_the_enums_are_spelled_as_the_validator_says() -> None:
    assert list(Shape) == ["value", "distribution"]
    assert list(Better) == ["lower", "higher", "neither"]
    assert sorted(ALL_KINDS) == ["chat", "group", "video", "voice"]


def test_a_name_registered_twice_is_refused_the_second_time() -> None:
    assert validate([ENTRY, ENTRY]) == [
        _problem("backend.cpu_core_s.name", "backend.cpu_core_s", "each name registered once")
    ]


def test_summary_rows_must_name_registered_metrics_with_unique_non_blank_labels() -> None:
    other = replace(ENTRY, name="backend.rss_mb_max", unit="MB")
    rows = [
        ("backend.cpu_core_s", "CPU"),
        ("backend.rss_mb_max", "CPU"),  # a label used twice
        ("backend.nothing", "nothing"),  # not registered
        ("backend.cpu_core_s", "  "),  # blank
    ]
    assert validate([ENTRY, other], rows) == [
        _problem("backend.rss_mb_max.label", "CPU", "a short label, unique"),
        _problem("backend.nothing", "nothing", "a row of a registered metric"),
        _problem("backend.cpu_core_s.label", "  ", "a short label, unique"),
    ]
    assert validate([ENTRY, other], [*rows[:1], ("backend.rss_mb_max", "memory")]) == []


def test_an_unknown_name_keeps_what_was_asked_and_its_suggestions() -> None:
    with pytest.raises(UnknownMetric) as unknown:
        lookup("backend.cpu_core")
    assert unknown.value.name == "backend.cpu_core"
    assert unknown.value.suggestions[0] == "backend.cpu_core_s"
    assert str(unknown.value).startswith("unknown metric 'backend.cpu_core'; did you mean")


def test_suggestions_are_limited_and_close() -> None:
    pool = ["wire.bytes_a", "wire.bytes_b", "wire.bytes_c", "wire.bytes_d", "video.fps_x"]
    assert len(suggest("wire.bytes_", pool)) == 3  # three by default
    four = {"wire.bytes_a", "wire.bytes_b", "wire.bytes_c", "wire.bytes_d"}
    assert set(suggest("wire.bytes_", pool, limit=4)) == four
    assert len(suggest("wire.bytes_", pool, limit=1)) == 1
    assert suggest("backend.storage", pool) == []  # nothing close: cutoff 0.6


def test_claim_references_are_bare_names_for_values_and_dotted_for_statistics() -> None:
    refs = set(references())
    assert "backend.cpu_core_s" in refs and "backend.cpu_core_s.value" not in refs
    assert "messaging.e2e_latency_ms.p95" in refs and "messaging.e2e_latency_ms" not in refs
