"""No silent defaults: what a usage file lacks is a gap with a sentence or derived from what it
gives; what contradicts itself, or is not a whole count, or is beyond 10^18, is bad input."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from cost_mapping.bill import NONE, PARTIAL, Bill
from cost_mapping.engine import price
from cost_mapping.quantities import Quantity, load_usage
from cost_mapping.sheet_load import load_sheet, shipped_dir, shipped_ids
from harness.kernel import exitcodes
from harness.kernel.errors import BadInput

EXAMPLE = Path(__file__).parents[2] / "cost_mapping" / "profiles" / "quantities_example.toml"


def usage(tmp_path: Path, text: str) -> dict[str, Quantity]:
    path = tmp_path / "q.toml"
    path.write_text(text)
    return load_usage(path)


def bill(sheet_id: str, tmp_path: Path, text: str) -> Bill:
    return price(load_sheet(shipped_dir() / f"{sheet_id}.toml"), usage(tmp_path, text))


def test_an_unknown_aggregate_resolution_is_a_gap_priced_at_the_lowest_tier(tmp_path: Path) -> None:
    """Agora: 10,000 video minutes with no subscriber_aggregate_pixels. Priced at HD (x4) =
    40,000 std-min: Free + 2 top-ups ($47) loses to Starter $45.99 — and marked a lower bound."""
    b = bill("agora-rtc", tmp_path, "subscriber_minutes = 10000\naudio_minutes = 0\n")
    assert (b.coverage, b.total_usd, b.option) == (PARTIAL, D("45.99"), "Starter package")
    assert "subscriber_aggregate_pixels not given in q.toml" in " ".join(b.gaps)
    assert "subscriber_minutes: tier unknown, priced at the lowest (HD)" in b.gaps


def test_participant_minutes_without_their_split_leave_agora_not_applicable(tmp_path: Path) -> None:
    b = bill("agora-rtc", tmp_path, "participant_minutes = 600000\n")
    assert (b.coverage, b.total_usd) == (NONE, None)
    assert any(g.startswith("audio_minutes not given in q.toml") for g in b.gaps)
    assert any(g.startswith("subscriber_minutes not given in q.toml") for g in b.gaps)


def test_the_third_call_quantity_is_derived_from_the_two_given(tmp_path: Path) -> None:
    """600,000 participant - 480,000 subscriber = 120,000 audio minutes; RealtimeKit:
    480,000 x $0.002 + 120,000 x $0.0005 = $960 + $60 = $1,020."""
    q = usage(tmp_path, "participant_minutes = 600000\nsubscriber_minutes = 480000\n")
    audio = q["audio_minutes"]
    assert audio.value == 120000 and not audio.gaps
    assert "participant_minutes - subscriber_minutes given in q.toml" in audio.derivation
    b = bill(
        "cloudflare-realtimekit",
        tmp_path,
        "participant_minutes = 600000\nsubscriber_minutes = 480000\n",
    )
    assert (b.total_usd, b.coverage) == (D(1020), "complete")


def test_unknown_message_sizes_count_one_unit_and_say_so(tmp_path: Path) -> None:
    """Agora Signaling: 1M sends + 9M deliveries, sizes unknown: 10M units, Lite $39 includes
    18M (and 300 PCU of the 0 given) — a lower bound, since real sizes may need more units."""
    b = bill(
        "agora-signaling",
        tmp_path,
        "messages_sent = 1000000\nmessage_deliveries = 9000000\npeak_ccu = 0\n",
    )
    assert (b.total_usd, b.coverage) == (D(39), PARTIAL)
    assert "messages: message size unknown, counted as 1 unit of 1,024 B each" in b.gaps


def test_unknown_connection_counts_skip_per_connection_rounding_and_say_so(tmp_path: Path) -> None:
    """LiveKit Ship: 200,000 unrounded minutes: $50 + 50,000 x $0.0005 = $75, a lower bound."""
    b = bill("livekit-cloud", tmp_path, "participant_minutes = 200000\nmedia_egress_gb = 0\n")
    assert (b.total_usd, b.coverage) == (D(75), PARTIAL)
    assert "minutes: connection count unknown, per-connection rounding not applied" in b.gaps


def test_the_shipped_example_prices_without_any_not_given_gap() -> None:
    q = load_usage(EXAMPLE)
    for sheet_id in shipped_ids():
        b = price(load_sheet(shipped_dir() / f"{sheet_id}.toml"), q)
        assert not [g for g in b.gaps if "not given" in g], sheet_id


@pytest.mark.parametrize(
    ("case", "text", "field", "accepted"),
    [
        (
            "fewer participant minutes than subscriber minutes in a call",
            "participant_minutes = 100\nsubscriber_minutes = 480\n",
            "participant_minutes",
            "must be at least subscriber_minutes (480)",
        ),
        (
            "participant minutes that are not subscriber + audio",
            "participant_minutes = 600\nsubscriber_minutes = 480\naudio_minutes = 100\n",
            "participant_minutes",
            "must equal subscriber_minutes + audio_minutes (580)",
        ),
        (
            "more peak users than MAU",
            "mau = 10\npeak_ccu = 11\n",
            "mau",
            "must be at least peak_ccu (11)",
        ),
        (
            "more echoes than sends",
            "messages_sent = 5\nmessage_echoes = 6\n",
            "messages_sent",
            "at most once",
        ),
        (
            "media egress above all egress",
            "egress_gb = 1\nmedia_egress_gb = 2\n",
            "egress_gb",
            "includes the media egress",
        ),
        (
            "bytes of no message",
            "messages_sent = 0\nmessage_bytes = 10\n",
            "message_bytes",
            "must be 0",
        ),
        ("a fractional user count", "mau = 10.5\n", "mau", "a whole number of users"),
        (
            "a fractional session count",
            "participant_sessions = 2.5\n",
            "participant_sessions",
            "a whole number",
        ),
        (
            "a quantity beyond 10^18",
            "participant_minutes = 1e19\n",
            "participant_minutes",
            "at most 10^18",
        ),
        ("a number too large for any float", "mau = 1e999999\n", "mau", "at most 10^18"),
    ],
)
def test_an_inconsistent_or_impossible_usage_file_is_bad_input(
    tmp_path: Path, case: str, text: str, field: str, accepted: str
) -> None:
    with pytest.raises(BadInput) as info:
        usage(tmp_path, text)
    assert info.value.exit_code == exitcodes.BAD_INPUT
    assert info.value.field == field, case
    assert accepted in info.value.accepted, case


def test_fractional_minutes_and_gigabytes_are_fine(tmp_path: Path) -> None:
    q = usage(tmp_path, "participant_minutes = 10.5\negress_gb = 0.25\n")
    assert q["participant_minutes"].value == D("10.5")


PROFILE = (Path(__file__).parents[2] / "cost_mapping" / "profiles" / "default.toml").read_text()


@pytest.mark.parametrize(
    ("case", "change", "field", "accepted"),
    [
        ("a fractional user count", ("mau = 10000", "mau = 10000.5"), "users.mau", "whole number"),
        ("a number beyond 10^18", ("mau = 10000", "mau = 1e30"), "users.mau", "at most 10^18"),
        (
            "a per-user figure beyond 10^18",
            ("messages_per_user_per_day = 40", "messages_per_user_per_day = 1e999999"),
            "messaging.messages_per_user_per_day",
            "at most 10^18",
        ),
    ],
)
def test_an_impossible_profile_is_bad_input(
    tmp_path: Path, case: str, change: tuple[str, str], field: str, accepted: str
) -> None:
    from cost_mapping.profile import load_profile

    path = tmp_path / "p.toml"
    path.write_text(PROFILE.replace(*change))
    with pytest.raises(BadInput) as info:
        load_profile(path)
    assert (info.value.field, info.value.exit_code) == (field, exitcodes.BAD_INPUT), case
    assert accepted in info.value.accepted, case


def test_a_profile_whose_month_passes_10_18_is_bad_input_not_a_crash(tmp_path: Path) -> None:
    """10^18 MAU x 40 messages a day: 1.2 x 10^21 sends a month cannot be priced exactly."""
    import json

    from cost_mapping.derive import derive
    from cost_mapping.profile import load_profile
    from cost_mapping.summary import parse_summary

    path = tmp_path / "p.toml"
    path.write_text(PROFILE.replace("mau = 10000", "mau = 1000000000000000000"))
    fixture = Path(__file__).parents[1] / "fixtures" / "summary_messaging.json"
    run = parse_summary(json.loads(fixture.read_text()), "messaging")
    with pytest.raises(BadInput) as info:
        derive(load_profile(path), run)
    assert "at most 10^18" in info.value.accepted and info.value.exit_code == exitcodes.BAD_INPUT
