"""Kernel pieces that only full runs used to exercise, each checked on its own (found by
scripts/mutate): slots as JSON lists, media roles, run-status precedence and exit codes, record
file names, progress lines, line files, the harness-crash message, optional decimals."""

from __future__ import annotations

import itertools
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from harness.kernel import exitcodes
from harness.kernel.config import Fields
from harness.kernel.errors import BadInput, HarnessCrash, Problem
from harness.kernel.figures import Figure, parse_figure
from harness.kernel.metric_names import BACKEND, MESSAGING
from harness.kernel.metrics import UnknownMetric, did_you_mean, resolve
from harness.kernel.payload import Payload
from harness.kernel.records import (
    LineFile,
    MediaProgress,
    MessagingProgress,
    json_lines,
    raw_file,
)
from harness.kernel.slots import MediaRole, Slot
from harness.kernel.status import PRECEDENCE, RunStatus, parse_status, worse
from harness.kernel.summary import Summary, UnderTarget, parse_summary
from workloads.schedule import PoissonSchedule


def test_a_slot_survives_its_json_list_form() -> None:
    slot = Slot(17, 1, 3, 2.5, Payload("uniform", min_bytes=50, max_bytes=250))
    as_list = json.loads(json.dumps(slot.to_list()))
    assert as_list == [
        17,
        1,
        3,
        2.5,
        {**Payload("uniform").__dict__, "min_bytes": 50, "max_bytes": 250},
    ]
    assert Slot.from_list(as_list) == slot


@pytest.mark.parametrize(
    ("role", "publishes", "subscribes"),
    [
        (MediaRole.PARTICIPANT, True, True),
        (MediaRole.PUBLISHER, True, False),
        (MediaRole.VIEWER, False, True),
    ],
)
def test_media_roles_publish_and_subscribe_as_named(
    role: MediaRole, publishes: bool, subscribes: bool
) -> None:
    assert (role.publishes, role.subscribes) == (publishes, subscribes)


def test_status_precedence_is_error_aborted_failed_invalid_ok() -> None:
    order = [RunStatus.OK, RunStatus.INVALID, RunStatus.FAILED, RunStatus.ABORTED, RunStatus.ERROR]
    assert list(PRECEDENCE) == order
    for low, high in itertools.combinations(order, 2):
        assert worse(low, high) is high, (low, high)
        assert worse(high, low) is high, (high, low)
    for status in order:
        assert worse(status, status) is status


@pytest.mark.parametrize("other", [RunStatus.OK, RunStatus.FAILED, RunStatus.ERROR])
@pytest.mark.parametrize("outside", [RunStatus.RUNNING, RunStatus.ABANDONED])
def test_a_status_outside_the_precedence_is_kept_on_either_side(
    outside: RunStatus, other: RunStatus
) -> None:
    assert worse(outside, other) is outside
    assert worse(other, outside) is outside


def test_each_status_has_its_exit_code_and_says_whether_records_are_partial() -> None:
    expected = {
        RunStatus.RUNNING: (exitcodes.HARNESS_ERROR, True),
        RunStatus.OK: (exitcodes.OK, False),
        RunStatus.INVALID: (exitcodes.RUN_INVALID, False),
        RunStatus.FAILED: (exitcodes.RUN_FAILED, True),
        RunStatus.ABORTED: (exitcodes.ABORTED, True),
        RunStatus.ERROR: (exitcodes.HARNESS_ERROR, True),
        RunStatus.ABANDONED: (exitcodes.HARNESS_ERROR, True),
    }
    assert {s: (s.exit_code, s.partial) for s in RunStatus} == expected
    assert (exitcodes.OK, exitcodes.RUN_INVALID, exitcodes.RUN_FAILED) == (0, 3, 4)
    assert exitcodes.HARNESS_ERROR == 70


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("ok", RunStatus.OK),
        ("abandoned", RunStatus.ABANDONED),
        ("OK", None),
        (None, None),
        (3, None),
    ],
)
def test_a_status_read_from_a_file_is_ours_or_none(text: object, status: RunStatus | None) -> None:
    assert parse_status(text) is status


@pytest.mark.parametrize(
    ("kind", "generator", "name"),
    [
        ("sent", 0, "sent-0.csv"),
        ("recv", 3, "recv-3.csv"),
        ("events", 1, "events-1.csv"),
        ("stats", 2, "stats-2.jsonl"),
    ],
)
def test_raw_file_names(kind: str, generator: int, name: str) -> None:
    assert raw_file(kind, generator) == name


def test_progress_lines_round_trip_and_ignore_fields_they_do_not_know() -> None:
    messaging = MessagingProgress(123, 2, 40, 1000, 990, 3.5, 9.25, 1.0, 0.5)
    assert MessagingProgress.from_json(messaging.to_json()) == messaging
    assert json.loads(messaging.to_json())["latency_ms_p95"] == 9.25
    media = MediaProgress(4, 5.5, 2, 4, 0.75)
    extra = json.dumps({**json.loads(media.to_json()), "from_a_newer_driver": 1})
    assert MediaProgress.from_json(extra) == media
    assert MediaProgress.from_json(extra.encode()) == media


@pytest.mark.parametrize("line", ["[1, 2]", '"text"', "7"])
def test_a_progress_line_that_is_not_an_object_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="must be a JSON object"):
        MessagingProgress.from_json(line)


def test_a_progress_line_missing_a_field_is_refused() -> None:
    with pytest.raises(TypeError):
        MediaProgress.from_json('{"recv_streams": 1}')


def test_a_line_file_holds_each_line_as_soon_as_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "progress.jsonl"
    lines = LineFile(path)
    lines.write('{"a": 1}')
    assert path.read_text() == '{"a": 1}\n'  # flushed, not buffered
    lines.write('{"b": 2}')
    lines.close()
    assert path.read_text(encoding="utf-8") == '{"a": 1}\n{"b": 2}\n'


def test_a_line_file_starts_empty_and_writes_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("old\n")
    lines = LineFile(path)
    lines.write("é")
    lines.close()
    assert path.read_bytes() == "é\n".encode()


@pytest.mark.parametrize(
    ("log", "message"),
    [
        (Path("/r/run/imbench.log"), "harness error: boom; traceback in /r/run/imbench.log"),
        (None, "harness error: boom"),
    ],
)
def test_a_harness_crash_says_where_its_traceback_is(log: Path | None, message: str) -> None:
    crash = HarnessCrash("boom", log)
    assert str(crash) == message
    assert crash.log_path == log
    assert crash.exit_code == exitcodes.HARNESS_ERROR


def _finish(fields: Fields) -> list[str]:
    try:
        fields.finish()
    except BadInput as err:
        return [str(p).removeprefix("f.toml: ") for p in err.problems]
    return []


def test_an_optional_decimal_is_none_when_absent_and_checked_when_given() -> None:
    absent = Fields("f.toml", {})
    assert absent.optional_decimal("price", minimum=Decimal("1"), above=True) is None
    assert _finish(absent) == []

    given = Fields("f.toml", {"price": "2.5", "at_minimum": 1, "low": "0.5"})
    assert given.optional_decimal("price", minimum=Decimal("1"), above=True) == Decimal("2.5")
    assert given.optional_decimal("at_minimum", minimum=Decimal("1")) == Decimal("1")
    given.optional_decimal("low", minimum=Decimal("1"))
    assert _finish(given) == ["low = '0.5': must be a number >= 1"]

    strict = Fields("f.toml", {"at_minimum": 1})
    strict.optional_decimal("at_minimum", minimum=Decimal("1"), above=True)
    assert _finish(strict) == ["at_minimum = 1: must be a number > 1"]


def test_summary_json_names_every_field() -> None:
    figure = Figure.of_value(MESSAGING.messages_sent, 12, 12)
    summary = Summary(
        run_id="r", status=RunStatus.OK, partial=False, reasons=("x",), scenario="s",
        backend="embedded", media_backend="janus", net_method="netns", load_window_s=9.5,
        metrics={MESSAGING.messages_sent: figure},
        media_under_target=(UnderTarget("media-0/p1", "video-0", 0.75, 1.5),),
        notes=("n",), unavailable={BACKEND.storage_bytes_per_stored_msg: "no_history"},
    )  # fmt: skip
    assert summary.to_json() == {
        "schema": "imbench.summary/1",
        "run_id": "r",
        "status": "ok",
        "partial": False,
        "reasons": ["x"],
        "scenario": "s",
        "backend": "embedded",
        "media_backend": "janus",
        "net_method": "netns",
        "load_window_s": 9.5,
        "metrics": {MESSAGING.messages_sent: figure.to_json()},
        "unavailable": {BACKEND.storage_bytes_per_stored_msg: "no_history"},
        "media_under_target": [
            {"peer": "media-0/p1", "stream": "video-0", "achieved_mbps": 0.75, "target_mbps": 1.5}
        ],
        "notes": ["n"],
    }


@pytest.mark.parametrize(
    ("name", "raw", "accepted"),
    [
        (
            MESSAGING.messages_sent,
            {"unit": "msgs", "n": 3},
            "a number (messaging.messages_sent is a value: its keys are unit, n, value)",
        ),
        (
            MESSAGING.e2e_latency_ms,
            {"unit": "ms", "n": 3},
            "a number (messaging.e2e_latency_ms is a distribution: its keys are unit, n, "
            "min, p50, p95, p99, max, mean)",
        ),
    ],
)
def test_a_figure_missing_its_statistics_says_which_keys_its_shape_has(
    name: str, raw: dict[str, object], accepted: str
) -> None:
    figure, problems = parse_figure("summary.json", name, raw)
    assert figure is None
    assert problems and {p.accepted for p in problems} == {accepted}


@pytest.mark.parametrize(
    ("suggestions", "text"),
    [((), ""), (("a.b",), "; did you mean 'a.b'?"), (("a", "b"), "; did you mean 'a' or 'b'?")],
)
def test_did_you_mean(suggestions: tuple[str, ...], text: str) -> None:
    assert did_you_mean(suggestions) == text


def test_json_lines_keeps_objects_and_counts_every_other_line() -> None:
    data = b'{"a": 1}\n[1]\n\n"text"\nnot json\n{"b": 2}\n\xff\n{"c": 3}\n'
    rows, dropped = json_lines(data)
    assert rows == [{"a": 1}, {"b": 2}, {"c": 3}]  # reading goes on after a bad line
    assert dropped == 4  # [1], "text", not json, the undecodable byte; the blank line is skipped


def test_a_schedule_rate_under_one_hertz_is_accepted() -> None:
    schedule = PoissonSchedule(0.5, 0, random.Random(1))
    assert schedule.next_ns > 0


def test_the_first_send_is_one_exponential_gap_after_the_start() -> None:
    """Rate per nanosecond = rate_hz / 1e9, exactly: the same seed draws the same gaps."""
    start_ns = 7_000_000_000
    schedule = PoissonSchedule(20.0, start_ns, random.Random(5))
    draws = random.Random(5)
    first = start_ns + int(draws.expovariate(20.0 / 1e9))
    second = first + int(draws.expovariate(20.0 / 1e9))
    assert schedule.next_ns == first > start_ns
    assert schedule.advance() == first
    assert schedule.next_ns == second


def test_a_required_integer_or_number_absent_is_reported_and_reads_its_minimum() -> None:
    fields = Fields("f.toml", {})
    assert fields.integer("users", minimum=5) == 5
    assert fields.number("rate_hz", minimum=0.5) == 0.5
    problems = _finish(fields)
    assert len(problems) == 2 and all("required" in p or "missing" in p for p in problems), problems
    assert any(p.startswith("users") for p in problems) and any(
        p.startswith("rate_hz") for p in problems
    )


def test_an_absent_integer_with_a_default_reads_the_default_silently() -> None:
    fields = Fields("f.toml", {})
    assert fields.integer("users", 20, minimum=5) == 20
    assert fields.number("rate_hz", 2.5, minimum=0.5) == 2.5
    assert _finish(fields) == []


def test_a_number_at_its_minimum_is_accepted_unless_the_minimum_is_exclusive() -> None:
    fields = Fields("f.toml", {"a": 1, "b": 1.0})
    assert fields.number("a", minimum=1.0) == 1.0
    fields.number("b", minimum=1.0, above=True)
    assert _finish(fields) == ["b = 1.0: must be a number > 1"]


def test_a_summary_field_of_the_wrong_type_is_named_with_its_value() -> None:
    with pytest.raises(BadInput) as refused:
        parse_summary({"schema": "imbench.summary/0", "run_id": "r"}, "summary.json")
    first = refused.value.problems[0]
    assert (first.field, first.value) == ("schema", "imbench.summary/0")


def test_bad_input_of_several_problems_lists_each_on_its_line() -> None:
    err = BadInput.of([Problem("f.toml", "a", 1, "x"), Problem("f.toml", "b", 2, "y")])
    assert str(err) == "2 problems:\n  f.toml: a = 1: x\n  f.toml: b = 2: y"
    assert (err.field, err.value) == ("a", 1)
    with pytest.raises(ValueError, match=r"BadInput\.of needs at least one problem"):
        BadInput.of([])


def test_an_unknown_reference_is_called_a_metric_reference() -> None:
    with pytest.raises(UnknownMetric, match=r"^unknown metric reference 'backend\.cpu'") as unknown:
        resolve("backend.cpu")
    assert unknown.value.name == "backend.cpu"
