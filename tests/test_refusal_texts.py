"""The whole text of each refusal a reader of summary.json or a figure shows (error messages are
API: a user reads them, scripts match them), and the small defaults beside them — each pinned
because scripts/mutate found a changed word, value or field that no test saw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.kernel.errors import BadInput
from harness.kernel.figures import Figure, Spread, Stats, parse_figure
from harness.kernel.metric_names import MESSAGING, TURN
from harness.kernel.metrics import lookup, producible
from harness.kernel.records import MessagingProgress
from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary, parse_summary, read_summary

SRC = "r/summary.json"
SENT = Figure.of_value(MESSAGING.messages_sent, 12, 12)


def _summary(**changes: Any) -> Summary:
    base: dict[str, Any] = dict(
        run_id="r", status=RunStatus.OK, partial=False, reasons=(), scenario="s",
        backend="embedded", media_backend="none", net_method="netns", load_window_s=9.5,
        metrics={MESSAGING.messages_sent: SENT},
    )  # fmt: skip
    base.update(changes)
    return Summary(**base)


def _doc(**changes: object) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(_summary().to_json()))
    doc.update(changes)
    return doc


def _refusal(doc: object) -> str:
    with pytest.raises(BadInput) as refused:
        parse_summary(doc, SRC)
    assert all(isinstance(p.field, str) for p in refused.value.problems)
    return str(refused.value)


def test_a_summary_wrong_in_every_field_lists_each_problem_whole_in_order() -> None:
    doc = _doc(
        schema="imbench.summary/0", run_id="", status="running", partial="yes", reasons=[1],
        notes="n", scenario=3, backend=None, media_backend=4, net_method=[], load_window_s="9",
        metrics=[], media_under_target={}, unavailable=[],
    )  # fmt: skip
    assert _refusal(doc).splitlines() == [
        "14 problems:",
        "  r/summary.json: schema = 'imbench.summary/0': 'imbench.summary/1'",
        "  r/summary.json: run_id = '': the run's id (a non-empty string)",
        "  r/summary.json: status = 'running': one of ok, invalid, failed, aborted, error, abandoned",
        "  r/summary.json: partial = 'yes': true or false",
        "  r/summary.json: reasons = [1]: a list of strings (why the run ended as it did)",
        "  r/summary.json: notes = 'n': a list of strings (what the figures left out)",
        "  r/summary.json: scenario = 3: the scenario's name",
        "  r/summary.json: backend = None: the messaging backend's name",
        '  r/summary.json: media_backend = 4: the SFU\'s name, or "none"',
        "  r/summary.json: net_method = []: how the run's network was made (netns-veth, ...)",
        "  r/summary.json: load_window_s = '9': seconds (a number)",
        "  r/summary.json: metrics = []: an object of metric name -> {value, unit, n, ...}",
        "  r/summary.json: media_under_target = {}: a list of {peer, stream, achieved_mbps,"
        " target_mbps}",
        "  r/summary.json: unavailable = []: an object of registered metric name -> the reason"
        " the run cannot produce it",
    ]


def test_only_the_run_id_must_be_a_non_empty_string() -> None:
    assert (
        _refusal(_doc(run_id=7)) == "r/summary.json: run_id = 7: the run's id (a non-empty string)"
    )
    assert _refusal(_doc(scenario=None)) == "r/summary.json: scenario = None: the scenario's name"
    summary = parse_summary(_doc(scenario="", backend="", net_method=""), SRC)
    assert (summary.scenario, summary.backend, summary.net_method) == ("", "", "")


@pytest.mark.parametrize("data", [[], "summary", 3])
def test_a_summary_that_is_not_an_object_is_one_whole_problem(data: object) -> None:
    assert _refusal(data) == (
        f"r/summary.json = {type(data).__name__!r}: a JSON object (docs/results.md)"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"{\xff", "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte"),
        (b"{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ],
)
def test_a_summary_file_that_is_not_json_names_the_decoder_error(
    tmp_path: Path, text: bytes, value: str
) -> None:
    (tmp_path / "summary.json").write_bytes(text)
    with pytest.raises(BadInput) as refused:
        read_summary(tmp_path)
    path = tmp_path / "summary.json"
    assert str(refused.value) == f"{path} = {value!r}: valid JSON as docs/results.md describes"
    assert refused.value.field == ""  # the file itself, not one of its fields


def test_every_bad_stream_and_unavailable_entry_is_reported_not_only_the_first() -> None:
    good = {"peer": "p", "stream": "s", "achieved_mbps": 1.0, "target_mbps": 1.5}
    doc = _doc(
        media_under_target=[{**good, "stream": 1}, 2, {**good, "peer": None}],
        unavailable={"nope.x": "r", TURN.relay_mbps_mean: "", "nope.y": "r", TURN.relay_bytes_total: 3},
    )  # fmt: skip
    with pytest.raises(BadInput) as refused:
        parse_summary(doc, SRC)
    assert [p.field for p in refused.value.problems] == [
        "media_under_target[0]", "media_under_target[1]", "media_under_target[2]",
        "unavailable.nope.x", f"unavailable.{TURN.relay_mbps_mean}", "unavailable.nope.y",
        f"unavailable.{TURN.relay_bytes_total}",
    ]  # fmt: skip


def test_a_summary_refuses_a_figure_under_another_name_or_also_unavailable() -> None:
    with pytest.raises(ValueError) as misnamed:
        _summary(metrics={MESSAGING.messages_delivered: SENT})
    assert str(misnamed.value) == (
        f"metrics['{MESSAGING.messages_delivered}'] holds the figure of '{MESSAGING.messages_sent}'"
    )
    with pytest.raises(ValueError) as both:
        _summary(unavailable={MESSAGING.messages_sent: "no_history"})
    assert str(both.value) == f"'{MESSAGING.messages_sent}' is both a figure and unavailable"


def test_a_summary_keeps_its_figures_and_unavailable_sorted_and_read_only() -> None:
    late = Figure.of_value(MESSAGING.messages_delivered, 10, 12)
    summary = _summary(
        metrics={MESSAGING.messages_sent: SENT, MESSAGING.messages_delivered: late},
        unavailable={TURN.relay_mbps_mean: "no_turn", TURN.relay_bytes_total: "no_turn"},
    )
    assert list(summary.metrics) == sorted([MESSAGING.messages_sent, MESSAGING.messages_delivered])
    assert list(summary.unavailable) == sorted([TURN.relay_mbps_mean, TURN.relay_bytes_total])
    with pytest.raises(TypeError):
        summary.metrics[MESSAGING.messages_sent] = late  # type: ignore[index]
    with pytest.raises(TypeError):
        summary.unavailable[TURN.relay_mbps_mean] = "x"  # type: ignore[index]


def _construction_error(**fields: Any) -> str:
    with pytest.raises(ValueError) as refused:
        Figure(**fields)
    return str(refused.value)


LAT = MESSAGING.e2e_latency_ms
STATS = Stats(1, 2, 3, 4, 5, 2.5)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(name=MESSAGING.messages_sent, unit="msgs", n=-1, value=1.0), "n -1 is not a count"),
        (dict(name=MESSAGING.messages_sent, unit="msgs", n=True, value=1.0), "n True is not a count"),
        (
            dict(name=MESSAGING.messages_sent, unit="msgs", n=1),
            "a value metric needs a value and no distribution statistics",
        ),
        (
            dict(name=MESSAGING.messages_sent, unit="msgs", n=1, value=1.0, spread=Spread(0, 1)),
            "the registry gives it no p25/p75 spread",
        ),
        (dict(name=LAT, unit="ms", n=1, value=1.0, stats=STATS), "a distribution has statistics, not a value or spread"),
        (dict(name=LAT, unit="ms", n=1, spread=Spread(0, 1), stats=STATS), "a distribution has statistics, not a value or spread"),
        (dict(name=LAT, unit="ms", n=0, stats=STATS), "a distribution has statistics exactly when it has samples (n > 0)"),
        (
            dict(name=LAT, unit="s", n=-1, value=1.0),
            "unit 's', but the registry says 'ms'; n -1 is not a count; a distribution has statistics,"
            " not a value or spread; a distribution has statistics exactly when it has samples (n > 0)",
        ),
    ],
)  # fmt: skip
def test_a_figure_that_disagrees_with_its_registry_entry_says_each_way_whole(
    fields: dict[str, Any], message: str
) -> None:
    assert _construction_error(**fields) == f"figure {fields['name']}: {message}"


def test_a_distribution_with_a_bad_count_and_no_statistics_is_only_the_count_problem() -> None:
    figure, problems = parse_figure(SRC, LAT, {"unit": "ms", "n": -1})
    assert figure is None
    assert [str(p) for p in problems] == [
        f"{SRC}: metrics.{LAT}.n = -1: a sample count (an integer >= 0)"
    ]


def test_turn_figures_are_producible_only_when_asked_for_turn() -> None:
    turn = lookup(TURN.relay_mbps_mean)
    assert turn not in producible(["video"])
    assert turn in producible(["video"], turn=True)
    assert not turn.produced(frozenset(s for s in turn.produced_by))
    assert turn.produced(frozenset(turn.produced_by), turn=True)


def test_a_progress_line_that_is_not_an_object_says_so_whole() -> None:
    with pytest.raises(ValueError) as refused:
        MessagingProgress.from_json("[1]")
    assert str(refused.value) == "a progress line must be a JSON object"


def test_bad_input_of_no_problems_is_a_programming_error_said_whole() -> None:
    with pytest.raises(ValueError) as refused:
        BadInput.of([])
    assert str(refused.value) == "BadInput.of needs at least one problem"
