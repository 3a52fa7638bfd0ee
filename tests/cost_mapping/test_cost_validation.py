"""Malformed sheets, profiles, usage files and summaries are rejected with precise messages.

Each fixture file holds one mistake; the error must name the file, the field, the bad value and
what would be accepted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cost_mapping.profile import load_profile
from cost_mapping.quantities import load_usage
from cost_mapping.sheet_load import find_sheet, load_sheet
from cost_mapping.summary import read_summary
from harness.kernel import exitcodes
from harness.kernel.errors import BadInput

FIXTURES = Path(__file__).parent / "fixtures"

SHEETS = [
    ("overlapping_tiers", "meters[0].tiers", "overlap"),
    ("unordered_tiers", "meters[0].tiers", "unordered"),
    ("gap_in_tiers", "meters[0].tiers", "gap"),
    ("unknown_unit", "meters[0].unit", "one of: GB, GB_month"),
    ("unknown_meter", "meters[0].quantity", "one of: participant_minutes, subscriber_minutes"),
    ("units_do_not_convert", "meters[0].factor", "do not convert"),
    ("negative_rate", "meters[0].rate", "a number >= 0"),
    ("negative_tier_rate", "meters[0].tiers[1].rate", "a number >= 0"),
    ("rate_not_a_number", "meters[0].rate", "a number >= 0"),
    ("unknown_field", "meters[0].prize", "a known field"),
    ("no_meters", "meters", "at least one [[meters]]"),
    ("missing_source", "source_url", "required"),
    ("missing_retrieved_date", "retrieved_date", "a TOML date"),
    ("date_as_text", "effective_date", "a TOML date"),
    ("unknown_evidence", "evidence", "seen_vendor, seen_tool_fixture, seen_3rd_party, recalled"),
    ("not_usd", "currency", "one of: USD"),
    ("id_not_file_name", "id", "the file's name"),
    ("plan_includes_unknown_meter", "plans[0].included.minutes", "a meter id of this sheet: mau"),
    ("free_for_unknown_meter", "free[0].meters", "a meter id of this sheet: mau"),
    ("classes_out_of_order", "meters[0].terms[0].classes", "max_pixels must grow"),
    ("not_toml", "", "valid TOML"),
    ("nothing_to_buy", "pay_as_you_go", "at least one [[plans]]"),
]


@pytest.mark.parametrize(("name", "field", "accepted"), SHEETS, ids=[s[0] for s in SHEETS])
def test_a_malformed_sheet_is_rejected_naming_file_field_and_what_is_accepted(
    name: str, field: str, accepted: str
) -> None:
    path = FIXTURES / "bad_sheets" / f"{name}.toml"
    with pytest.raises(BadInput) as info:
        load_sheet(path)
    err = info.value
    assert len(err.problems) == 1, f"one mistake is one problem, not a cascade: {err}"
    assert err.source == str(path)
    assert err.field == field
    assert accepted in err.accepted
    assert err.exit_code == exitcodes.BAD_INPUT
    assert str(path) in str(err)


def test_every_bad_sheet_fixture_has_a_case() -> None:
    assert {p.stem for p in (FIXTURES / "bad_sheets").glob("*.toml")} == {s[0] for s in SHEETS}


def test_the_bad_value_is_in_the_message() -> None:
    with pytest.raises(BadInput, match=r"meters\[0\]\.unit = 'furlong'"):
        load_sheet(FIXTURES / "bad_sheets" / "unknown_unit.toml")
    with pytest.raises(BadInput, match=r"meters\[0\]\.rate = -0\.05"):
        load_sheet(FIXTURES / "bad_sheets" / "negative_rate.toml")


def test_an_unknown_sheet_id_lists_the_shipped_ones() -> None:
    with pytest.raises(BadInput) as info:
        find_sheet("agora-rtx")
    assert "agora-rtc" in info.value.accepted


PROFILES = [
    ("ccu_above_mau", "users.peak_ccu", "at most users.mau"),
    ("negative_messages", "messaging.messages_per_user_per_day", "a number >= 0"),
    ("share_above_one", "messaging.group_message_share", "a fraction between 0 and 1"),
    ("bad_resolution", "calls.resolution", "WIDTHxHEIGHT"),
    ("utilisation_zero", "self_hosting.target_cpu_utilisation", "above 0"),
    ("fractional_participants", "calls.participants_per_call", "a whole number"),
    ("group_of_one", "messaging.group_size", "a number >= 2"),
    ("unknown_field", "users.monthly_users", "a known field: mau, peak_ccu"),
    ("unknown_section", "selfhosting", "a known field"),
    ("missing_mau", "users.mau", "required"),
    ("mau_as_text", "users.mau", "a number"),
]


@pytest.mark.parametrize(("name", "field", "accepted"), PROFILES, ids=[p[0] for p in PROFILES])
def test_a_malformed_profile_is_rejected_naming_file_field_and_what_is_accepted(
    name: str, field: str, accepted: str
) -> None:
    path = FIXTURES / "bad_profiles" / f"{name}.toml"
    with pytest.raises(BadInput) as info:
        load_profile(path)
    assert len(info.value.problems) == 1, f"one mistake is one problem: {info.value}"
    assert (info.value.source, info.value.field) == (str(path), field)
    assert accepted in info.value.accepted


def test_every_bad_profile_fixture_has_a_case() -> None:
    assert {p.stem for p in (FIXTURES / "bad_profiles").glob("*.toml")} == {p[0] for p in PROFILES}


def test_a_missing_profile_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="an existing TOML file"):
        load_profile(tmp_path / "nope.toml")


def test_a_usage_file_accepts_only_canonical_meters(tmp_path: Path) -> None:
    path = tmp_path / "q.toml"
    path.write_text("mau = 100\nvideo_minutes = 5\n")
    with pytest.raises(BadInput) as info:
        load_usage(path)
    assert info.value.field == "video_minutes"
    assert "participant_minutes" in info.value.accepted


def test_a_usage_file_names_a_misspelt_meter_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "q.toml"
    path.write_text("mau = 100\nparticipant_minute = 5\n")
    with pytest.raises(BadInput) as info:
        load_usage(path)
    assert info.value.accepted.startswith("unknown key (did you mean participant_minutes?)")


def test_a_usage_file_rejects_negative_quantities(tmp_path: Path) -> None:
    path = tmp_path / "q.toml"
    path.write_text("mau = -1\n")
    with pytest.raises(BadInput, match="mau = -1"):
        load_usage(path)


SUMMARY = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "summary_messaging.json").read_text()
)


def _with(**changes: object) -> dict[str, object]:
    """The messaging fixture with top-level fields replaced (None: removed)."""
    data = {**SUMMARY, **changes}
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("case", "summary", "field", "accepted"),
    [
        ("wrong schema", _with(schema="other/9"), "schema", "imbench.summary/1"),
        ("no metrics", _with(metrics=None), "metrics", "an object"),
        ("no run id", _with(run_id=None), "run_id", "the run's id"),
        (
            "a value that is not a number",
            _with(metrics={"wire.bytes_total": {"value": "lots", "unit": "bytes", "n": 1}}),
            "metrics.wire.bytes_total.value",
            "a number",
        ),
    ],
)
def test_a_malformed_summary_is_bad_input(
    tmp_path: Path, case: str, summary: dict[str, object], field: str, accepted: str
) -> None:
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(BadInput) as info:
        read_summary(tmp_path)
    assert [p.field for p in info.value.problems] == [field], case
    assert accepted in info.value.accepted, case
    assert info.value.source == str(tmp_path / "summary.json")


def test_a_folder_without_summary_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"a run folder holding summary\.json"):
        read_summary(tmp_path)


SHEET_HEADER = """\
id = "s"
vendor = "Test"
product = "test product"
category = "chat"
currency = "USD"
effective_date = 2026-01-01
source_url = "https://example.com/pricing"
retrieved_date = 2026-01-02
evidence = "seen_vendor"
"""
METER = """
[[meters]]
id = "mau"
quantity = "mau"
unit = "user"
rate = 0.05
ref = "prices.csv: test"
"""


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        (
            "a misspelt required meter key is named, with the key it stands for",
            SHEET_HEADER + METER.replace('unit = "user"', 'uint = "user"'),
            [
                "meters[0].uint = 'user': unknown key (did you mean unit? unit is required and "
                "missing); a known field: "
            ],
        ),
        (
            "a misspelt top-level key is named with a suggestion",
            SHEET_HEADER.replace("vendor =", "vendr =") + METER,
            ["vendr = 'Test': unknown key (did you mean vendor? vendor is required and missing)"],
        ),
        (
            "a misspelt optional key is named with the key it resembles",
            SHEET_HEADER + METER.replace("rate =", "rat ="),
            ["meters[0].rat = 0.05: unknown key (did you mean rate?); a known field: "],
        ),
        (
            "three mistakes in different tables are all reported",
            SHEET_HEADER.replace('"seen_vendor"', '"rumour"')
            + METER.replace("0.05", "-0.05").replace('ref = "prices.csv: test"\n', "")
            + '[[plans]]\nid = "p"\nfee = 10\nref = "r"\nincluded = { minutes = 5 }\n',
            [
                "evidence = 'rumour': must be one of: seen_vendor, seen_tool_fixture, "
                "seen_3rd_party, recalled",
                "meters[0].rate = -0.05: must be a number >= 0",
                "meters[0].ref = None: is required: a non-empty string",
                "plans[0].included.minutes = 5: unknown key; a meter id of this sheet: mau",
            ],
        ),
        (
            "a meter with a bad id does not make the plans' meter names unknown",
            SHEET_HEADER
            + METER.replace('id = "mau"', "id = 5")
            + '[[plans]]\nid = "p"\nfee = 10\nref = "r"\nincluded = { mau = 5 }\n',
            ["meters[0].id = 5: must be a non-empty string"],
        ),
    ],
)
def test_a_sheet_reports_every_mistake_once(
    tmp_path: Path, case: str, text: str, expected: list[str]
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(BadInput) as info:
        load_sheet(path)
    found = [str(p) for p in info.value.problems]
    assert len(found) == len(expected), (case, found)
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(f"{path}: {start}"), (case, problem)


DEFAULT_PROFILE = (Path(__file__).parents[2] / "cost_mapping/profiles/default.toml").read_text()


@pytest.mark.parametrize(
    ("case", "change", "expected"),
    [
        (
            "a misspelt required key is named, with the key it stands for",
            ("peak_ccu =", "peak_cuu ="),
            [
                ": users.peak_cuu = 1000: unknown key (did you mean peak_ccu? peak_ccu is "
                "required and missing); a known field: mau, peak_ccu"
            ],
        ),
        (
            "a misspelt section is named with the section it resembles",
            ("[self_hosting]", "[self-hosting]"),
            [
                ": self-hosting = {target_cpu_utilisation = 0.6, headroom = 0.25}: unknown key "
                "(did you mean self_hosting?)"
            ],
        ),
        (
            "broken TOML is one problem",
            ("[users]", "[users"),
            [
                " = (file): is not valid TOML: Expected ']' at the end of a table declaration (at line 6"
            ],
        ),
    ],
)
def test_a_profile_names_a_misspelt_key_with_a_suggestion(
    tmp_path: Path, case: str, change: tuple[str, str], expected: list[str]
) -> None:
    assert change[0] in DEFAULT_PROFILE, case
    path = tmp_path / "p.toml"
    path.write_text(DEFAULT_PROFILE.replace(*change))
    with pytest.raises(BadInput) as info:
        load_profile(path)
    found = [str(p) for p in info.value.problems]
    assert len(found) == len(expected), (case, found)
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(f"{path}{start}"), (case, problem)
