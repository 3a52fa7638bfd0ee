"""What drives each total: one driver per sheet, and its ±20 % figures worked by hand."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

from cost_mapping import table
from cost_mapping.derive import derive
from cost_mapping.engine import price
from cost_mapping.profile import load_profile
from cost_mapping.sensitivity import sensitivity
from cost_mapping.sheet_load import load_sheets
from cost_mapping.summary import parse_summary

FIXTURES = Path(__file__).parents[1] / "fixtures"
RUN = parse_summary(json.loads((FIXTURES / "summary_messaging.json").read_text()), "messaging")


def test_a_hand_worked_swing_names_the_driver() -> None:
    """Twilio Conversations (graduated per active user) at the shipped profile's 10,000 MAU:
    200 x $0 + 4,800 x $0.05 + 5,000 x $0.0475 = $477.50.
    -20 %: 8,000 MAU = $240 + 3,000 x $0.0475 = $382.50.
    +20 %: 12,000 MAU = $240 + $237.50 + 2,000 x $0.045 = $567.50. Swing $185."""
    (s,) = sensitivity(load_profile(None), RUN, load_sheets(["twilio-conversations"]))
    assert s.base_usd == D("477.5")
    driver = s.driver
    assert driver is not None
    assert (driver.input, driver.kind) == ("users.mau", "profile")
    assert (driver.low_value, driver.high_value) == (D(8000), D(12000))
    assert (driver.low_usd, driver.high_usd, driver.swing_usd) == (D("382.5"), D("567.5"), D(185))
    # nothing else moves an MAU-priced bill
    assert [w.input for w in s.swings if w.swing_usd] == ["users.mau"]


def test_a_measured_figure_can_be_the_driver() -> None:
    """Self-hosting on GCP: disk from measured storage per message is one swing among others,
    named as a run figure; the ranking is by swing, largest first."""
    (s,) = sensitivity(load_profile(None), RUN, load_sheets(["selfhost-gcp"]))
    kinds = {w.input: w.kind for w in s.swings if w.swing_usd}
    assert kinds["run: backend.storage_bytes_per_stored_msg"] == "measured"
    swings = [w.swing_usd for w in s.swings]
    assert swings == sorted(swings, reverse=True)


def test_the_storage_swing_is_worked_by_hand() -> None:
    """GCP disk: 12,166,667 sends a month x 24/730 x 365 days kept = 146,000,004 messages x 640 B
    measured / 10^9 = 93.44000256 GB x $0.04 = $3.7376001024; 512 B and 768 B move it by
    -/+ 20 %, a swing of 0.4 x $3.7376001024 = $1.49504004096."""
    (s,) = sensitivity(load_profile(None), RUN, load_sheets(["selfhost-gcp"]))
    w = next(w for w in s.swings if w.input == "run: backend.storage_bytes_per_stored_msg")
    assert (w.low_value, w.high_value) == (D("512.0"), D("768.0"))
    assert w.swing_usd == D("1.49504004096")


def test_every_sheet_that_applies_has_one_driver_or_says_nothing_moves_it() -> None:
    profile, sheets = load_profile(None), load_sheets(None)
    quantities = derive(profile, RUN)
    applies = {s.id for s in sheets if price(s, quantities).total_usd is not None}
    result = {s.sheet_id: s for s in sensitivity(profile, RUN, sheets)}
    assert set(result) == applies
    flat = {i for i, s in result.items() if s.driver is None}
    # a flat plan fee (one Azure VM, Sendbird's Starter 5K) is the only way to have no driver
    assert flat == {"selfhost-azure", "sendbird"}
    text = table.render_sensitivity(list(result.values()))
    assert text.count("\n") == len(result) + 1


def test_fractions_stop_at_one() -> None:
    profile = load_profile(None)
    (s,) = sensitivity(profile, RUN, load_sheets(["ai-openai-whisper"]))
    share = next(w for w in s.swings if w.input == "ai.stt_share_of_call_audio")
    assert (share.low_value, share.high_value) == (D("0.12"), D("0.18"))
    full = [w for w in s.swings if w.input == "calls.video_share"]
    assert full and full[0].high_value <= 1
