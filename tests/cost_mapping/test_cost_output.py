"""Output a user can read: grouped and ranked tables, lines that say what was included and used,
option counts that count what they list, vendor dates that are the vendor's, rounding shown."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from cost_helpers import bill_for, shipped

from cost_mapping.bill_text import render_bill
from cost_mapping.commands import print_run_costs

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    shutil.copy(FIXTURES / "summary_messaging.json", folder / "summary.json")
    return folder


def _table(run_dir: Path) -> list[str]:
    out = io.StringIO()
    print_run_costs(run_dir, None, out)
    lines = out.getvalue().splitlines()
    return lines[: lines.index("")]


def test_the_table_groups_sheets_under_category_headings_in_order(run_dir: Path) -> None:
    headings = [line for line in _table(run_dir) if line.endswith(":")]
    assert headings == ["chat:", "signalling and pub/sub:", "self-hosting:", "AI:"]


def test_lower_bounds_rank_after_complete_totals(run_dir: Path) -> None:
    lines = _table(run_dir)
    chat = lines[lines.index("chat:") + 1 : lines.index("signalling and pub/sub:")]
    ids = [line.split()[0] for line in chat]
    # Sendbird's Starter 5K ($399, cheapest) has no published overage for 10,000 MAU: a lower
    # bound, listed after every complete chat total however dear.
    assert ids[-1] == "sendbird" and "lower bound (gaps)" in chat[-1]
    assert all("complete" in line for line in chat[:-1])
    totals = [
        float(re.sub(r"[$,]", "", re.findall(r"\$[\d,]+\.\d\d", line)[0])) for line in chat[:-1]
    ]
    assert totals == sorted(totals)


def test_each_row_shows_coverage_and_provenance_separately(run_dir: Path) -> None:
    row = next(line for line in _table(run_dir) if line.startswith("agora-signaling "))
    assert "complete" in row and "derived 76 %, assumed 24 %" in row  # 48.70 / 63.70 and 15 / 63.70
    doc = json.loads((run_dir / "cost.json").read_text())
    bill = next(b for b in doc["bills"] if b["sheet"] == "agora-signaling")
    assert bill["coverage"] == "complete" and bill["provenance"] == "derived"
    assert bill["usd_by_provenance"] == {
        "measured": "0",
        "derived": "48.700005",
        "assumed": "15",
        "fixed": "59",
    }
    for b in doc["bills"]:
        for line in b["lines"]:
            assert line["provenance"] in ("measured", "derived", "assumed", "fixed")
            assert line["coverage"] in ("complete", "partial")
    assert doc["sensitivity"]["agora-signaling"]["driver"] == "users.mau"


def test_included_and_free_lines_show_the_quantity_included_and_used() -> None:
    bill = bill_for("agora-chat", mau=12000)
    included = next(li for li in bill.lines if li.row == "agora-chat: plans.starter.included")
    assert included.description == "included in Starter: 5,000 user included, 12,000 user used"
    assert included.quantity == 5000
    free = next(
        li
        for li in bill_for("daily", subscriber_minutes=50000, audio_minutes=0).lines
        if li.row == "daily: free[0]"
    )
    assert free.description == "free allowance: 10,000 minute free a month, 50,000 minute used"


def test_cheapest_of_n_counts_what_it_lists() -> None:
    bill = bill_for("agora-chat", mau=12000)
    note = bill.notes[0]
    n = int(note.split()[2])
    listed = note.split(": ", 1)[1].split("; ")
    assert n == len(listed) == 2  # Starter and Pro; Free is refused and said so apart
    assert listed[0] == "Starter $699.00 (chosen)"
    assert (
        bill.notes[1]
        == "1 option(s) cannot serve it: Free: 11,500 user beyond its quota, where service is suspended"
    )
    assert len(bill.options) == 3


def test_a_vendor_effective_date_is_only_ever_the_vendor_s() -> None:
    agora = render_bill(bill_for("agora-rtc", audio_minutes=1, subscriber_minutes=0))
    assert "prices effective 2025-08-29 (the vendor's date); figures captured 2026-06-30" in agora
    twilio = render_bill(bill_for("twilio-video", participant_minutes=1))
    assert "effective date not stated by the vendor; figures captured 2026-09-23" in twilio
    assert shipped("twilio-video").effective_date is None
    assert "checked 2026-12-01: https://www.twilio.com/docs/video/faq (not_found)" in twilio


def test_rounding_shows_the_quantity_it_came_from() -> None:
    """LiveKit: 200,000 min over 15,000 connections = 13.333333 each, up to 14: 210,000."""
    bill = bill_for(
        "livekit-cloud", participant_minutes=200000, participant_sessions=15000, media_egress_gb=0
    )
    minutes = next(li for li in bill.lines if li.row == "livekit-cloud: meters.minutes")
    assert (
        "200,000 minute over 15,000 connections = 13.333333 per connection, rounded up to 14 per "
        "connection: 210,000 minute" in minutes.derivation
    )
