"""Reading summary.json back (harness/kernel/summary.py): a written summary reads back equal,
and each malformed part is one whole problem naming the file, the field, the value and what is
accepted; every problem of a document is reported at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.kernel.errors import BadInput, Problem
from harness.kernel.figures import Figure
from harness.kernel.metric_names import BACKEND, MESSAGING
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary, UnderTarget, parse_summary, read_summary

SRC = "r/summary.json"
UNDER = "a list of {peer, stream, achieved_mbps, target_mbps}"
UNAVAILABLE = "an object of registered metric name -> the reason the run cannot produce it"
SUMMARY = Summary(
    run_id="r", status=RunStatus.OK, partial=False, reasons=(), scenario="s", backend="embedded",
    media_backend="janus", net_method="netns", load_window_s=9.5,
    metrics={MESSAGING.messages_sent: Figure.of_value(MESSAGING.messages_sent, 12, 12)},
    media_under_target=(UnderTarget("media-0/p1", "video-0", 0.75, 1.5),),
    notes=("n",), unavailable={BACKEND.storage_bytes_per_stored_msg: "no_history"},
)  # fmt: skip


def _doc(**changes: object) -> dict[str, Any]:
    doc = json.loads(json.dumps(SUMMARY.to_json()))
    doc.update(changes)
    return doc


def _problems(doc: dict[str, Any]) -> list[Problem]:
    with pytest.raises(BadInput) as refused:
        parse_summary(doc, SRC)
    return list(refused.value.problems)


def test_a_written_summary_reads_back_equal(tmp_path: Path) -> None:
    assert parse_summary(_doc(), SRC) == SUMMARY
    (tmp_path / "summary.json").write_text(json.dumps(SUMMARY.to_json()), encoding="utf-8")
    assert read_summary(tmp_path) == SUMMARY


def test_a_missing_or_broken_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as missing:
        read_summary(tmp_path)
    assert (missing.value.source, missing.value.field, missing.value.value) == (
        str(tmp_path / "summary.json"), "", str(tmp_path),
    )  # fmt: skip
    assert missing.value.accepted == "a run folder holding summary.json (a finished or partial run)"
    (tmp_path / "summary.json").write_bytes(b"{\xff")
    with pytest.raises(BadInput) as broken:
        read_summary(tmp_path)
    assert broken.value.accepted == "valid JSON as docs/results.md describes"
    assert broken.value.source == str(tmp_path / "summary.json")


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("media_under_target", {}, ("media_under_target", {}, UNDER)),
        ("media_under_target", [3], ("media_under_target[0]", 3, UNDER)),
        (
            "media_under_target",
            [{"peer": "p", "stream": "s", "achieved_mbps": 1.0, "target_mbps": 1.5}, {"peer": "p"}],
            ("media_under_target[1]", {"peer": "p"}, UNDER),
        ),
        ("unavailable", [], ("unavailable", [], UNAVAILABLE)),
        (
            "unavailable",
            {MESSAGING.messages_sent: "no_history"},  # also a figure of the run
            (f"unavailable.{MESSAGING.messages_sent}", "no_history", UNAVAILABLE + " (and not also a figure)"),
        ),
        (
            "unavailable",
            {BACKEND.storage_bytes_per_stored_msg: ""},
            (f"unavailable.{BACKEND.storage_bytes_per_stored_msg}", "", UNAVAILABLE + " (and not also a figure)"),
        ),
        ("load_window_s", "9", ("load_window_s", "9", "seconds (a number)")),
        ("media_backend", 3, ("media_backend", 3, 'the SFU\'s name, or "none"')),
        ("notes", [1], ("notes", [1], "a list of strings (what the figures left out)")),
    ],
)  # fmt: skip
def test_each_malformed_part_is_one_whole_problem(
    field: str, value: object, problem: tuple[str, object, str]
) -> None:
    assert _problems(_doc(**{field: value})) == [Problem(SRC, *problem)]


def test_an_unknown_metric_marked_unavailable_is_refused_with_a_suggestion() -> None:
    (problem,) = _problems(_doc(unavailable={"backend.storage_bytes_per_msg": "no_history"}))
    assert (problem.field, problem.value) == (
        "unavailable.backend.storage_bytes_per_msg",
        "no_history",
    )
    assert problem.accepted.startswith(
        "unknown metric 'backend.storage_bytes_per_msg'; did you mean"
    )


def test_every_problem_is_reported_at_once_and_valid_parts_still_read() -> None:
    doc = _doc(
        media_under_target=[{"peer": "p", "stream": "s", "achieved_mbps": "x", "target_mbps": 1}],
        unavailable={"nope.x": "r", BACKEND.storage_bytes_per_stored_msg: "no_history"},
        load_window_s=None,
    )
    fields = [p.field for p in _problems(doc)]
    assert fields == ["load_window_s", "media_under_target[0]", "unavailable.nope.x"]


def test_optional_parts_may_be_absent() -> None:
    doc = _doc()
    for key in ("media_under_target", "unavailable", "notes", "media_backend"):
        del doc[key]
    summary = parse_summary(doc, SRC)
    assert (summary.media_under_target, dict(summary.unavailable), summary.notes) == ((), {}, ())
    assert summary.media_backend == "none"
