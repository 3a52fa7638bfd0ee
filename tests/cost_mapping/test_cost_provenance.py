"""Provenance of every quantity, line and total: measured, derived, or assumed from the profile.

The rule under test: nothing claims `measured` that the run did not measure, and AI usage comes
from the run's evidence where the run has it (message size, share of calls with audio).
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from cost_mapping.derive import derive
from cost_mapping.engine import price
from cost_mapping.profile import UsageProfile, load_profile, parse_profile
from cost_mapping.provenance import ASSUMED, DERIVED, FIXED, KINDS, MEASURED, combine
from cost_mapping.sheet_load import load_sheets
from cost_mapping.summary import RunSummary, parse_summary
from harness.kernel.config import Fields
from harness.kernel.errors import BadInput

FIXTURES = Path(__file__).parents[1] / "fixtures"
BASE = """
name = "p"
[users]
peak_ccu = 1000
mau = 10000
[messaging]
messages_per_user_per_day = 24
[calls]
call_minutes_per_user_per_month = 30
participants_per_call = 4
[ai]
"""


def profile(ai: str = "") -> UsageProfile:
    return parse_profile(Fields("p.toml", tomllib.loads(BASE + ai, parse_float=D)))


def run(name: str, extra: dict[str, Any] | None = None) -> RunSummary:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    data["metrics"].update(extra or {})
    return parse_summary(data, name)


@pytest.mark.parametrize(
    ("kinds", "combined"),
    [
        ((MEASURED,), MEASURED),
        ((ASSUMED, ASSUMED), ASSUMED),
        ((MEASURED, ASSUMED), DERIVED),
        ((DERIVED, ASSUMED, FIXED), DERIVED),
        ((FIXED,), FIXED),
        ((), FIXED),
    ],
)
def test_provenance_combines_as_documented(kinds: tuple[str, ...], combined: str) -> None:
    assert combine(kinds) == combined


def test_a_messaging_run_claims_nothing_measured() -> None:
    q = derive(load_profile(None), run("summary_messaging.json"))
    assert {x.provenance for x in q.values()} <= {DERIVED, ASSUMED}
    assert q["message_bytes"].provenance == DERIVED  # the run's 256 B mean x the profile's sends
    assert q["vcpu_hours"].provenance == DERIVED
    assert q["mau"].provenance == ASSUMED and q["llm_input_tokens"].provenance == ASSUMED
    assert "profile only" in q["llm_input_tokens"].derivation
    # no call streams in a messaging run: STT minutes rest on the profile alone, and say so
    assert q["stt_minutes"].provenance == ASSUMED
    assert "the run measured no call streams" in q["stt_minutes"].derivation


def test_every_line_and_total_of_a_messaging_run_shows_its_provenance() -> None:
    q = derive(load_profile(None), run("summary_messaging.json"))
    for bill in (price(s, q) for s in load_sheets(None)):
        assert bill.provenance in KINDS and bill.provenance != MEASURED, bill.sheet.id
        for line in bill.lines:
            assert line.provenance in KINDS and line.provenance != MEASURED, line.row
            assert line.coverage in ("complete", "partial")


def test_translation_characters_come_from_the_measured_message_size() -> None:
    """7,300,000 sends (10,000 MAU x 24/day x 30.4167) x 0.1 translated x 256 B measured
    = 186,880,000 characters; Google: (186,880,000 - 500,000 free) x $20/1M = $3,727.60."""
    p = profile("translated_message_share = 0.1\n")
    q = derive(p, run("summary_messaging.json"))
    assert q["translation_chars"].value == 186880000
    assert q["translation_chars"].provenance == DERIVED
    assert "messaging.payload_bytes_mean" in q["translation_chars"].derivation
    google = price(load_sheets(["ai-google-translation"])[0], q)
    assert google.total_usd == D("3727.60") and google.provenance == DERIVED


def test_without_a_measured_size_translation_is_an_assumption() -> None:
    """A video-only run has no message size: 7,300,000 x 0.1 x the profile's 200 B."""
    q = derive(profile("translated_message_share = 0.1\n"), run("summary_video.json"))
    assert q["translation_chars"].value == 146000000
    assert q["translation_chars"].provenance == ASSUMED


def test_stt_minutes_come_from_the_measured_share_of_calls_with_audio() -> None:
    """300,000 call min x 0.2 transcribed x (6 voice / 12 video streams = 0.5) = 30,000 min;
    whisper-1: 30,000 x $0.006 = $180."""
    streams = {
        "video.recv_streams": {"value": 12, "unit": "streams", "n": 1},
        "voice.recv_streams": {"value": 6, "unit": "streams", "n": 1},
    }
    q = derive(profile("stt_share_of_call_audio = 0.2\n"), run("summary_video.json", streams))
    assert q["stt_minutes"].value == 30000
    assert q["stt_minutes"].provenance == DERIVED
    assert (
        "0.5 of calls with audio (6 voice.recv_streams / 12 video.recv_streams"
        in q["stt_minutes"].derivation
    )
    whisper = price(load_sheets(["ai-openai-whisper"])[0], q)
    assert whisper.total_usd == D(180)


def test_silent_video_calls_measure_no_audio_to_transcribe() -> None:
    """The shipped video scenario sends no audio track: the run measured a share of 0."""
    streams = {"video.recv_streams": {"value": 12, "unit": "streams", "n": 1}}
    q = derive(profile("stt_share_of_call_audio = 0.2\n"), run("summary_video.json", streams))
    assert q["stt_minutes"].value == 0 and q["stt_minutes"].provenance == DERIVED


def test_per_user_ai_figures_are_profile_only_and_say_so() -> None:
    q = derive(profile("stt_minutes_per_user_per_month = 2\n"), run("summary_messaging.json"))
    assert (q["stt_minutes"].value, q["stt_minutes"].provenance) == (D(20000), ASSUMED)
    assert "ai.stt_minutes_per_user_per_month" in q["stt_minutes"].derivation


def test_a_profile_gives_the_share_or_the_per_user_figure_not_both() -> None:
    with pytest.raises(BadInput) as info:
        profile("translated_message_share = 0.1\ntranslation_chars_per_user_per_month = 5\n")
    assert info.value.field == "ai.translation_chars_per_user_per_month"
    assert "give one" in info.value.accepted


def test_echoes_follow_the_profile_flag() -> None:
    on = derive(profile(), run("summary_messaging.json"))
    assert on["message_echoes"].value == on["messages_sent"].value == 7300000
    text = BASE.replace("[calls]", "publisher_receives_own_messages = false\n[calls]")
    off = parse_profile(Fields("p.toml", tomllib.loads(text, parse_float=D)))
    assert derive(off, run("summary_messaging.json"))["message_echoes"].value == 0


def test_a_total_splits_its_amount_by_provenance() -> None:
    """Agora Signaling on the messaging fixture: messages priced from the measured size (derived),
    PCU from the profile (assumed), the plan fee fixed."""
    q = derive(load_profile(None), run("summary_messaging.json"))
    bill = price(load_sheets(["agora-signaling"])[0], q)
    split = bill.usd_by_provenance
    assert split[FIXED] == D(59) and split[ASSUMED] == D(15)
    assert split[DERIVED] == D("48.700005")  # 16,233,335 messages over Starter's 30M x $3/1M
    assert sum(split.values()) == bill.total_usd and bill.provenance == DERIVED
