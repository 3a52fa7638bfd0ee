"""The one reader of summary.json: a typed document back, or one BadInput naming file and fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.kernel.errors import BadInput
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary, parse_summary, read_summary

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str = "summary_messaging.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def test_a_summary_reads_back_as_the_document_it_was_written_from(tmp_path: Path) -> None:
    summary = read_summary_from(tmp_path, fixture())
    assert summary.status is RunStatus.OK and summary.partial is False
    assert summary.metrics["backend.cpu_core_s_per_1k_delivered_msgs"].spread is not None
    assert summary.metrics["messaging.e2e_latency_ms"].statistic("p99") == 3.5
    again = read_summary_from(tmp_path, summary.to_json())
    assert again == summary
    assert json.dumps(again.to_json()) == json.dumps(summary.to_json())


def read_summary_from(folder: Path, data: dict[str, Any]) -> Summary:
    (folder / "summary.json").write_text(json.dumps(data))
    return read_summary(folder)


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


def with_metric(name: str, entry: object) -> dict[str, Any]:
    data = fixture()
    data["metrics"] = {**data["metrics"], name: entry}
    return data


@pytest.mark.parametrize(
    ("case", "data", "field", "accepted"),
    [
        ("a summary without status", without(fixture(), "status"), "status", "one of ok, invalid"),
        ("a status of nobody's", {**fixture(), "status": "done"}, "status", "one of ok, invalid"),
        ("metrics that are not an object", {**fixture(), "metrics": [1]}, "metrics", "an object"),
        (
            "partial that is not a boolean",
            {**fixture(), "partial": "no"},
            "partial",
            "true or false",
        ),
        (
            "notes that are not a list of words",
            {**fixture(), "notes": "1 line dropped"},
            "notes",
            "a list of strings",
        ),
        (
            "a metric the registry lacks",
            with_metric("wire.byte_total", {"value": 1.0, "unit": "bytes", "n": 1}),
            "metrics.wire.byte_total",
            "did you mean 'wire.bytes_total'",
        ),
        (
            "a unit that is not the registered one",
            with_metric("wire.bytes_total", {"value": 1.0, "unit": "MB", "n": 1}),
            "metrics.wire.bytes_total.unit",
            "'bytes'",
        ),
        (
            "a spread on a metric that has none",
            with_metric("wire.mbps_mean", {"value": 1.0, "unit": "Mbps", "n": 1, "p25": 0.5}),
            "metrics.wire.mbps_mean.p25",
            "its keys are unit, n, value",
        ),
        (
            "a spread with one end",
            with_metric(
                "backend.cpu_core_s_per_1k_delivered_msgs",
                {"value": 0.4, "unit": "core_s/1k_msgs", "n": 9, "p25": 0.3},
            ),
            "metrics.backend.cpu_core_s_per_1k_delivered_msgs.p75",
            "a number",
        ),
        (
            "a distribution missing a statistic",
            with_metric(
                "chat.e2e_latency_ms",
                {"unit": "ms", "n": 3, "p50": 1, "p95": 2, "p99": 3, "max": 3, "mean": 2},
            ),
            "metrics.chat.e2e_latency_ms.min",
            "a number",
        ),
        (
            "a sample count that is not a count",
            with_metric("wire.bytes_total", {"value": 1.0, "unit": "bytes", "n": -1}),
            "metrics.wire.bytes_total.n",
            "an integer >= 0",
        ),
        (
            "a stream under target without its figures",
            {**fixture(), "media_under_target": [{"peer": "media-0/p1"}]},
            "media_under_target[0]",
            "achieved_mbps",
        ),
    ],
)
def test_a_malformed_summary_is_bad_input_naming_the_file_and_the_field(
    tmp_path: Path, case: str, data: dict[str, Any], field: str, accepted: str
) -> None:
    with pytest.raises(BadInput) as info:
        read_summary_from(tmp_path, data)
    assert [p.field for p in info.value.problems] == [field], case
    assert accepted in info.value.accepted, case
    assert info.value.source == str(tmp_path / "summary.json"), case


def test_every_mistake_in_a_summary_is_reported_at_once() -> None:
    data = {**without(fixture(), "status"), "metrics": {"wire.bytes_total": {"value": "x"}}}
    with pytest.raises(BadInput) as info:
        parse_summary(data, "s.json")
    assert [p.field for p in info.value.problems] == [
        "status",
        "metrics.wire.bytes_total.value",
        "metrics.wire.bytes_total.unit",
        "metrics.wire.bytes_total.n",
    ]
    assert str(info.value).startswith("4 problems:\n  s.json: status = None")


def test_a_summary_that_is_not_json_or_not_there_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"a run folder holding summary\.json"):
        read_summary(tmp_path)
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(BadInput, match="valid JSON"):
        read_summary(tmp_path)
    with pytest.raises(BadInput, match="a JSON object"):
        parse_summary([], "s.json")


def test_a_figure_that_is_not_a_number_is_kept_as_not_a_number() -> None:
    data = with_metric("group.room_size_mean", {"value": float("nan"), "unit": "users", "n": 0})
    value = parse_summary(data, "s.json").metrics["group.room_size_mean"].value
    assert value is not None and value != value


def test_the_video_fixture_reads_with_its_defaults() -> None:
    summary = parse_summary(fixture("summary_video.json"), "summary_video.json")
    assert summary.media_backend == "none" and summary.media_under_target == ()
    assert summary.figure("video.wire_mbps_per_stream") is not None
    assert summary.figure("video.loss_ratio") is None  # registered, not produced
