"""The one config reader (harness.kernel.config): every problem of a file at once, each naming file,
dotted field, value and what is accepted; a typo is named with the key it stands for; nothing cascades."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from harness.kernel import exitcodes
from harness.kernel.config import Fields, as_decimal, read_toml
from harness.kernel.errors import BadInput


def problems_of(read: Callable[[Fields], object], doc: dict[str, object]) -> list[str]:
    """What finishing `doc` after `read` reports, without the file name ([] when nothing)."""
    f = Fields("f.toml", doc)
    read(f)
    try:
        f.finish()
    except BadInput as err:
        assert all(p.source == "f.toml" for p in err.problems)
        return [str(p).removeprefix("f.toml: ") for p in err.problems]
    return []


# Reading files


@pytest.mark.parametrize(
    ("case", "content", "accepted"),
    [
        (
            "broken TOML is one problem naming the line",
            b'[scenario\nname = "x"\n',
            "is not valid TOML: Expected ']' at the end of a table declaration (at line 1",
        ),
        (
            "a file that is not UTF-8 is one problem",
            b'name = "caf\xe9"\n',
            "must be UTF-8 text (byte 11 is not)",
        ),
        (
            "a duplicated key is broken TOML",
            b"a = 1\na = 2\n",
            "is not valid TOML: Cannot overwrite a value (at line 2",
        ),
    ],
)
def test_a_file_that_is_not_toml_is_one_clear_problem(
    tmp_path: Path, case: str, content: bytes, accepted: str
) -> None:
    path = tmp_path / "f.toml"
    path.write_bytes(content)
    with pytest.raises(BadInput) as err:
        read_toml(path, exact=True)
    (problem,) = err.value.problems
    assert (problem.source, problem.field) == (str(path), ""), case
    assert problem.accepted.startswith(accepted), (case, problem.accepted)
    assert err.value.exit_code == exitcodes.BAD_INPUT


@pytest.mark.parametrize(
    ("case", "name", "reason"),
    [
        ("a missing file says it cannot be read", "nope.toml", "No such file or directory"),
        ("a folder is not a file", ".", "Is a directory"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_clear_problem(
    tmp_path: Path, case: str, name: str, reason: str
) -> None:
    path = tmp_path / name
    with pytest.raises(BadInput) as err:
        read_toml(path, exact=False)
    assert str(err.value) == (
        f"{path} = {str(path)!r}: must be an existing TOML file (cannot be read: {reason})"
    ), case


def test_exact_reading_keeps_decimals_as_written_and_plain_reading_gives_floats(
    tmp_path: Path,
) -> None:
    path = tmp_path / "n.toml"
    path.write_text("rate = 0.0041\ncount = 3\n")
    assert read_toml(path, exact=True) == {"rate": Decimal("0.0041"), "count": 3}
    plain = read_toml(path, exact=False)
    assert plain == {"rate": 0.0041, "count": 3} and isinstance(plain["rate"], float)


# Every problem at once, with file, field, value and what is accepted


def test_every_problem_in_a_file_is_reported_in_one_error() -> None:
    def read(f: Fields) -> None:
        f.integer("users", minimum=1)
        f.choice("codec", ("vp8", "h264"))
        inner = f.table("payload")
        inner.decimal("rate")
        f.tables("meters")[1].date("since")

    doc = {
        "users": 0,
        "codec": "av1",
        "payload": {"rate": "-0.5"},
        "meters": [{}, {"since": "2026"}],
    }
    assert problems_of(read, doc) == [
        "users = 0: must be an integer >= 1",
        "codec = 'av1': must be one of: vp8, h264",
        "payload.rate = '-0.5': must be a number >= 0",
        "meters[1].since = '2026': must be a TOML date such as 2026-06-30",
    ]


def test_a_clean_file_finishes_without_error_and_reads_its_values() -> None:
    f = Fields("f.toml", {"name": "x", "n": 2, "rate": Decimal("1.5"), "on": True})
    values = (f.text("name"), f.integer("n"), f.decimal("rate"), f.flag("on", False))
    f.finish()
    assert values == ("x", 2, Decimal("1.5"), True)


@pytest.mark.parametrize(
    ("case", "read", "value", "expected"),
    [
        ("a boolean is not an integer", lambda f: f.integer("k"), True, "an integer >= 0"),
        ("a float is not an integer", lambda f: f.integer("k"), 2.0, "an integer >= 0"),
        ("a string is not a number", lambda f: f.number("k"), "60s", "a number >= 0"),
        ("a boolean is not a number", lambda f: f.number("k"), False, "a number >= 0"),
        ("infinity is not a number", lambda f: f.number("k"), float("inf"), "a number >= 0"),
        (
            "an integer beyond any float is not a number",
            lambda f: f.number("k"),
            10**400,
            "a number",
        ),
        (
            "a number at an exclusive minimum is refused",
            lambda f: f.number("k", minimum=0.0, above=True),
            0,
            "a number > 0",
        ),
        ("a boolean is not a decimal", lambda f: f.decimal("k"), True, "a number >= 0"),
        ("NaN is not a decimal", lambda f: f.decimal("k"), Decimal("NaN"), "a number >= 0"),
        ("words are not a decimal", lambda f: f.decimal("k"), "five", "a number >= 0"),
        ("a blank required text is refused", lambda f: f.text("k"), "  ", "a non-empty string"),
        ("a number is not a text", lambda f: f.text("k", "d"), 5, "a non-empty string"),
        ("a string is not a flag", lambda f: f.flag("k", False), "yes", "true or false"),
        (
            "a date and time is not a date",
            lambda f: f.date("k"),
            dt.datetime(2026, 1, 1),
            "a TOML date",
        ),
        ("a list of numbers is not texts", lambda f: f.texts("k"), [1], "an array of strings"),
        ("a number is not a table", lambda f: f.table("k"), 1, "a table"),
        ("a table is not an array of tables", lambda f: f.tables("k"), {}, "an array of tables"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_saying_what_is_accepted(
    case: str, read: Callable[[Fields], object], value: object, expected: str
) -> None:
    (problem,) = problems_of(read, {"k": value})
    assert problem.startswith("k = "), case
    assert problem.split(": ", 1)[1].startswith(f"must be {expected}"), (case, problem)


@pytest.mark.parametrize(
    ("case", "value", "shown"),
    [
        ("a decimal reads as written", Decimal("-0.50"), "-0.50"),
        ("a list of decimals reads as written", [Decimal("1.0"), "a"], "[1.0, 'a']"),
        ("a table reads as TOML", {"a": Decimal("2.5"), "b": "x"}, "{a = 2.5, b = 'x'}"),
    ],
)
def test_a_bad_value_is_shown_as_written(case: str, value: object, shown: str) -> None:
    assert problems_of(lambda f: f.integer("k"), {"k": value}) == [
        f"k = {shown}: must be an integer >= 0"
    ], case


def test_decimals_accept_quoted_numbers_exactly() -> None:
    f = Fields("f.toml", {"a": "0.0041", "b": "1_000", "c": 7})
    assert (f.decimal("a"), f.decimal("b"), f.decimal("c")) == (
        Decimal("0.0041"),
        Decimal(1000),
        Decimal(7),
    )
    f.finish()
    assert as_decimal(Decimal("Infinity")) is None and as_decimal(None) is None


def test_defaults_fill_absent_keys_and_a_required_key_is_reported_once() -> None:
    def read(f: Fields) -> None:
        assert f.integer("seed", 1) == 1
        assert f.choice("mode", ("auto", "netns"), "auto") == "auto"
        assert f.flag("turn", False) is False
        assert f.tables("extra") == []
        f.text("name")
        f.text("name")

    assert problems_of(read, {}) == ["name = None: is required: a non-empty string"]


# Misspelt keys


@pytest.mark.parametrize(
    ("case", "doc", "expected"),
    [
        (
            "a typo of a required key is the one problem, naming the typo and the key",
            {"duraton_s": 5, "name": "x"},
            [
                "duraton_s = 5: unknown key (did you mean duration_s? duration_s is required "
                "and missing); a known field: drain_s, duration_s, name"
            ],
        ),
        (
            "a typo of an optional key names the key it resembles",
            {"duration_s": 5, "name": "x", "dran_s": 1},
            [
                "dran_s = 1: unknown key (did you mean drain_s?); a known field: drain_s, duration_s, name"
            ],
        ),
        (
            "a typo in other letter case is still recognised",
            {"Duration_s": 5, "name": "x"},
            [
                "Duration_s = 5: unknown key (did you mean duration_s? duration_s is required and missing)"
            ],
        ),
        (
            "a key like no other lists what is known",
            {"duration_s": 5, "name": "x", "colour": "red"},
            ["colour = 'red': unknown key; a known field: drain_s, duration_s, name"],
        ),
        (
            "two typos of two required keys are two problems and nothing more",
            {"duraton_s": 5, "nme": "x"},
            [
                "duraton_s = 5: unknown key (did you mean duration_s? duration_s is required",
                "nme = 'x': unknown key (did you mean name? name is required and missing)",
            ],
        ),
        (
            "a required key missing with no typo in sight is reported as required",
            {"name": "x"},
            ["duration_s = None: is required: a number > 0"],
        ),
    ],
)
def test_misspelt_keys_are_named_with_a_suggestion(
    case: str, doc: dict[str, object], expected: list[str]
) -> None:
    def read(f: Fields) -> None:
        f.text("name")
        f.number("duration_s", above=True)
        f.number("drain_s", 2.0)

    found = problems_of(read, doc)
    assert len(found) == len(expected), (case, found)
    for text, start in zip(found, expected, strict=True):
        assert text.startswith(start), (case, text)


@pytest.mark.parametrize("parent_first", [True, False], ids=["parent closed first", "child first"])
def test_a_typo_of_a_table_name_stands_for_the_required_keys_in_it(parent_first: bool) -> None:
    f = Fields("f.toml", {"scenaro": {"name": "x"}})
    head = f.table("scenario")
    head.text("name")
    head.number("duration_s", above=True)
    first, second = (f, head) if parent_first else (head, f)
    first.done()
    second.done()
    with pytest.raises(BadInput) as err:
        f.finish()
    assert [str(p) for p in err.value.problems] == [
        "f.toml: scenaro = {name = 'x'}: unknown key (did you mean scenario?); "
        "a known field: scenario"
    ]


def test_allowed_keys_are_known_without_being_read_and_name_themselves() -> None:
    def read(f: Fields) -> None:
        f.allow(("mau", "peak_ccu"), "a meter id of this sheet")

    assert problems_of(read, {"mau": 1, "minutes": 5}) == [
        "minutes = 5: unknown key; a meter id of this sheet: mau, peak_ccu"
    ]


def test_a_table_left_open_is_still_judged_at_finish() -> None:
    def read(f: Fields) -> None:
        f.table("users").text("name")

    assert problems_of(read, {"users": {"name": "x", "nmae": "y"}}) == [
        "users.nmae = 'y': unknown key (did you mean name?); a known field: name"
    ]


# No cascade


def test_validity_covers_the_field_its_tables_and_what_lies_inside_it() -> None:
    f = Fields("f.toml", {"w": [{"users": -1, "room_size": 2}], "g": {"n": 1}})
    (w,) = f.tables("w")
    w.integer("users", minimum=1)
    w.integer("room_size", minimum=2)
    g = f.table("g")
    g.integer("n")
    assert not w.valid("users") and w.valid("room_size")
    assert not f.valid("w") and not f.valid("w[0]") and not w.valid()
    assert g.valid() and f.valid("g.n") and not f.valid()
    f.bad("g", 1, "made up")
    assert not g.valid("n")


def test_a_value_that_is_not_a_table_silences_everything_inside_it() -> None:
    def read(f: Fields) -> None:
        users = f.table("users")
        assert users.decimal("mau", above=True) == 0
        assert users.table("deeper").text("name") == ""
        assert users.tables("list") == []
        assert not users.valid("mau")

    assert problems_of(read, {"users": 5}) == ["users = 5: must be a table"]


def test_an_abandoned_table_reports_only_its_missing_required_keys() -> None:
    def read(f: Fields) -> None:
        (w,) = f.tables("workload")
        w.choice("kind", ("chat", "video"))
        w.abandon()

    assert problems_of(read, {"workload": [{"knd": "chat", "users": 4, "rate": 1}]}) == [
        "workload[0].knd = 'chat': unknown key (did you mean kind? kind is required and "
        "missing); a known field: kind"
    ]


def test_a_cross_field_check_on_a_bad_field_is_skipped_by_asking_valid() -> None:
    def read(f: Fields) -> None:
        users = f.integer("users", minimum=1)
        room = f.integer("room_size", minimum=2)
        if f.valid("users", "room_size") and users % room:
            f.bad("users", users, "must be a multiple of room_size")

    assert problems_of(read, {"users": 7, "room_size": 0}) == [
        "room_size = 0: must be an integer >= 2"
    ]
    assert problems_of(read, {"users": 7, "room_size": 3}) == [
        "users = 7: must be a multiple of room_size"
    ]


def test_a_value_read_twice_is_reported_once() -> None:
    def read(f: Fields) -> None:
        f.flag("on", True)
        f.flag("on", False)

    assert problems_of(read, {"on": "no"}) == ["on = 'no': must be true or false"]


def test_a_part_view_reads_under_the_same_names() -> None:
    def read(f: Fields) -> None:
        f.allow(("quantity", "unit"))
        part = f.part(("quantity",))
        part.allow(("quantity", "factor"))
        part.choice("quantity", ("mau",))

    assert problems_of(read, {"quantity": "minutes", "unit": "user"}) == [
        "quantity = 'minutes': must be one of: mau"
    ]
