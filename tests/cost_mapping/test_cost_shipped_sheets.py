"""One hand-worked bill per shipped sheet: the arithmetic is written in each case."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from cost_helpers import bill_for, shipped
from hypothesis import given, settings
from hypothesis import strategies as st

from cost_mapping.sheet_load import shipped_ids

# sheet id -> [(case, quantities, expected option, expected monthly total)]
CASES: dict[str, list[tuple[str, dict[str, str | int], str, str]]] = {
    "agora-rtc": [
        (
            "1:1 at 640x360 (230,400 px, HD x4): 5,000 audio + 10,000 x 4 = 45,000 std-min; "
            "Free suspends above 10,000; Starter $45.99 includes 50,000",
            {
                "audio_minutes": 5000,
                "subscriber_minutes": 10000,
                "subscriber_aggregate_pixels": 230400,
            },
            "Starter package",
            "45.99",
        ),
        (
            "4-person grid at 1280x720 (2,764,800 px, 2K x16): 100,000 x 16 = 1,600,000 std-min; "
            "Business Plus $1,217.99 covers 1.5M, the 100,000 over cost 4 top-ups x $23.50 = $94 "
            "(overage would be $99): $1,311.99",
            {"subscriber_minutes": 100000, "subscriber_aggregate_pixels": 2764800},
            "Business Plus package",
            "1311.99",
        ),
    ],
    "agora-chat": [
        (
            "12,000 MAU: Starter $349 + 7,000 x $0.05 = $699 beats Pro $699 + 2,000 x $0.05 = $799",
            {"mau": 12000},
            "Starter",
            "699.00",
        ),
        ("400 MAU fit the Free plan's 500", {"mau": 400}, "Free", "0"),
    ],
    "agora-signaling": [
        (
            "1M sends + 9M deliveries of 1,500 B (2 units of 1 KB) = 20M units, 400 PCU: "
            "Lite $39 + 2M x $3/1M ($6) + 100 PCU x $30/1,000 ($3) = $48",
            {
                "messages_sent": 1000000,
                "message_deliveries": 9000000,
                "message_bytes": 1500000000,
                "peak_ccu": 400,
            },
            "Lite",
            "48",
        ),
    ],
    "twilio-video": [
        (
            "250,000 participant-min x $0.004 = $1,000",
            {"participant_minutes": 250000},
            "pay as you go",
            "1000",
        )
    ],
    "twilio-conversations": [
        (
            "12,000 MAU: 200 x 0 + 4,800 x 0.05 (240) + 5,000 x 0.0475 (237.50) + 2,000 x 0.045 (90) "
            "= 567.50; 10 GB-month media x 0.25 = 2.50; total 570",
            {"mau": 12000, "object_storage_gb_month": 10},
            "pay as you go",
            "570",
        ),
    ],
    "vonage-video": [
        (
            "100,000 participant-min x $0.0041 = $410",
            {"participant_minutes": 100000},
            "pay as you go",
            "410",
        )
    ],
    "livekit-cloud": [
        (
            "200,000 min over 15,000 connections = 13.33 min each, rounded up to 14: 210,000 min; "
            "Ship $50 + 60,000 x $0.0005 ($30) + (300 - 250) GB x $0.12 ($6) = $86",
            {"participant_minutes": 200000, "participant_sessions": 15000, "media_egress_gb": 300},
            "Ship",
            "86",
        ),
    ],
    "daily": [
        (
            "50,000 video min - 10,000 free = 40,000 x $0.004 ($160) + 20,000 audio x $0.00099 ($19.80) = $179.80",
            {"subscriber_minutes": 50000, "audio_minutes": 20000},
            "pay as you go",
            "179.8",
        ),
    ],
    "cloudflare-realtime": [
        (
            "3,500 GB - 1,000 free = 2,500 x $0.05 = $125",
            {"media_egress_gb": 3500},
            "pay as you go",
            "125",
        ),
    ],
    "cloudflare-realtimekit": [
        (
            "100,000 A/V min x $0.002 ($200) + 40,000 audio x $0.0005 ($20) = $220",
            {"subscriber_minutes": 100000, "audio_minutes": 40000},
            "pay as you go",
            "220",
        ),
    ],
    "ably-pubsub": [
        (
            "10M sends + 80M deliveries + 10M echoes = 100M: 50M x $2.50/M ($125) + 50M x $2.25/M "
            "($112.50); 20M connection-min x $1/M ($20); Standard $29; total $286.50 (Free suspends "
            "above 6M)",
            {
                "messages_sent": 10000000,
                "message_deliveries": 80000000,
                "message_echoes": 10000000,
                "connection_minutes": 20000000,
            },
            "Standard",
            "286.5",
        ),
    ],
    "ably-mau": [("8,000 MAU x $0.05 = $400", {"mau": 8000}, "pay as you go", "400")],
    "pubnub": [
        (
            "2M publishes + 6M deliveries of 3,000 B (2 units of 2 KB): 4M + 12M transactions; "
            "1M free off publishes: 3M x $0.000123 ($369) + 12M x $0.000033 ($396) = $765",
            {"messages_sent": 2000000, "message_deliveries": 6000000, "message_bytes": 6000000000},
            "Launch/Grow prepay",
            "765",
        ),
        (
            "200,000 + 1,000,000 transactions: 1M free, 200,000 x $0.000033 = $6.60 < the $49 prepay",
            {"messages_sent": 200000, "message_deliveries": 1000000, "message_bytes": 20000000},
            "Launch/Grow prepay",
            "49",
        ),
        (
            "100,000 + 300,000 transactions fit the free 1M",
            {"messages_sent": 100000, "message_deliveries": 300000, "message_bytes": 10000000},
            "Free",
            "0",
        ),
    ],
    "sendbird": [
        ("4,000 MAU fit Starter 5K at $399 (Pro 5K is $599)", {"mau": 4000}, "Starter 5K", "399")
    ],
    "stream-chat": [
        (
            "12,000 MAU vs 800 connections x 20 = 16,000: the higher, 16,000; Start $499 + 6,000 x $0.08 ($480) = $979",
            {"mau": 12000, "peak_ccu": 800},
            "Start",
            "979",
        ),
    ],
    "tencent-trtc": [
        (
            "3,650 audio min (120/day) + 18,250 HD video min (600/day): whole minutes per day change nothing; "
            "10,000 free: 3,650 audio first, then 6,350 video; 11,900 x $3.99/1,000 = $47.481",
            {
                "audio_minutes": 3650,
                "subscriber_minutes": 18250,
                "subscriber_aggregate_pixels": 691200,
            },
            "pay as you go",
            "47.481",
        ),
    ],
    "alibaba-artc": [
        (
            "10,000 audio x $0.00086 ($8.60) + 50,000 video published at 640x360 (<=480p) x $0.00171 ($85.50) = $94.10",
            {
                "audio_minutes": 10000,
                "subscriber_minutes": 50000,
                "publisher_stream_pixels": 230400,
                "participant_sessions": 1000,
            },
            "pay as you go",
            "94.1",
        ),
    ],
    "amazon-chime-sdk": [
        (
            "100,000 attendee-min x $0.0017 = $170",
            {"participant_minutes": 100000},
            "pay as you go",
            "170",
        )
    ],
    "zegocloud-chat": [
        (
            "25,000 MAU: Pro edition $449 with 10,000, 15,000 over = 2 whole blocks x $449 = $1,347",
            {"mau": 25000},
            "Pro edition",
            "1347",
        )
    ],
    "selfhost-aws": [
        (
            "2 vCPU (1,460 vCPU-h) and 8 GiB (5,840 GiB-h) = 1 m6i.large x 730 h x $0.096 ($70.08); "
            "20,000 GB egress - 100 GB free = 19,900 = 10,240 x 0.09 + 9,660 x 0.085 ($1,742.70); "
            "100 GB gp3 x 0.08 ($8); 1,000 GB S3 x 0.023 ($23): $1,843.78",
            {
                "vcpu_hours": 1460,
                "ram_gib_hours": 5840,
                "egress_gb": 20000,
                "storage_gb_month": 100,
                "object_storage_gb_month": 1000,
            },
            "pay as you go",
            "1843.78",
        ),
    ],
    "selfhost-gcp": [
        (
            "1,000 vCPU-h = 1.37 vCPU, whole vCPUs: 2 x 730 = 1,460 x 0.031611 ($46.15206); "
            "2,920 GiB-h x 0.004237 ($12.37204); 2,000 GB = 1,024 x 0.12 + 976 x 0.11 ($230.24); "
            "50 GB disk x 0.04 ($2): $290.7641",
            {"vcpu_hours": 1000, "ram_gib_hours": 2920, "egress_gb": 2000, "storage_gb_month": 50},
            "pay as you go",
            "290.7641",
        ),
    ],
    "selfhost-azure": [
        (
            "1,460 vCPU-h (2 vCPU) vs 2,920 GiB-h (4 GiB): 1 D2s_v3 x 730 h x $0.096 ($70.08); "
            "600 GB = 100 free + 500 x 0.087 ($43.50): $113.58",
            {"vcpu_hours": 1460, "ram_gib_hours": 2920, "egress_gb": 600},
            "pay as you go",
            "113.58",
        ),
    ],
    "ai-openai-whisper": [
        ("10,000 min x $0.006 = $60", {"stt_minutes": 10000}, "pay as you go", "60")
    ],
    "ai-agora-realtime-stt": [
        ("10,000 min x $16.99/1,000 = $169.90", {"stt_minutes": 10000}, "pay as you go", "169.9")
    ],
    "ai-anthropic-claude-haiku": [
        (
            "200M in x $1/M ($200) + 20M out x $5/M ($100) = $300",
            {"llm_input_tokens": 200000000, "llm_output_tokens": 20000000},
            "pay as you go",
            "300",
        ),
    ],
    "ai-openai-gpt-5": [
        (
            "200M in x $1.25/M ($250) + 20M out x $10/M ($200) = $450",
            {"llm_input_tokens": 200000000, "llm_output_tokens": 20000000},
            "pay as you go",
            "450",
        ),
    ],
    "ai-google-translation": [
        (
            "50M chars - 500,000 free = 49.5M x $20/M = $990",
            {"translation_chars": 50000000},
            "pay as you go",
            "990",
        ),
    ],
}

FLAT = [(sheet_id, *case) for sheet_id, cases in CASES.items() for case in cases]


def test_every_shipped_sheet_has_a_worked_example() -> None:
    assert set(CASES) == set(shipped_ids())


@pytest.mark.parametrize(
    ("sheet_id", "case", "values", "option", "total"),
    FLAT,
    ids=[f"{f[0]}: {f[1][:60]}" for f in FLAT],
)
def test_shipped_sheet_bills_the_worked_example(
    sheet_id: str, case: str, values: dict[str, str | int], option: str, total: str
) -> None:
    bill = bill_for(sheet_id, **values)
    assert bill.eligible, bill.notes
    assert (bill.option, bill.total_usd) == (option, D(total)), case


@pytest.mark.parametrize("sheet_id", sorted(CASES))
def test_every_line_of_the_worked_example_carries_its_provenance(sheet_id: str) -> None:
    _, values, _, _ = CASES[sheet_id][0]
    for line in bill_for(sheet_id, **values).lines:
        assert line.row.startswith(f"{sheet_id}: ")
        assert line.ref and line.derivation and line.evidence


@pytest.mark.parametrize("sheet_id", sorted(CASES))
def test_every_shipped_sheet_cites_prices_csv_and_a_dated_source(sheet_id: str) -> None:
    sheet = shipped(sheet_id)
    assert sheet.source_url.startswith("https://")
    assert sheet.retrieved_date.year >= 2021
    # An effective date is the vendor's own; a capture date is never passed off as one.
    assert sheet.effective_date is None or sheet.effective_date.year >= 2021
    assert all(m.ref.startswith("prices.csv: ") for m in sheet.meters)
    assert all(p.ref.startswith("prices.csv: ") for p in sheet.plans)


def test_recalled_figures_keep_their_tag() -> None:
    # TRTC's video prices and Azure's egress were recalled, not seen: the tag must reach the bill.
    trtc = bill_for("tencent-trtc", subscriber_minutes=50000, subscriber_aggregate_pixels=691200)
    assert trtc.evidence == "recalled"
    azure = bill_for("selfhost-azure", egress_gb=600)
    assert azure.evidence == "recalled"
    assert bill_for("twilio-video", participant_minutes=1).evidence == "seen_3rd_party"


def test_usage_beyond_a_published_plan_is_a_gap_not_a_guess() -> None:
    bill = bill_for("sendbird", mau=6000)
    assert bill.coverage == "partial"
    assert any("not published" in g for g in bill.gaps)
    # Twilio Conversations above 20,000 MAU: contact sales.
    assert any("not published" in g for g in bill_for("twilio-conversations", mau=25000).gaps)


def test_unpriced_quantities_are_named_on_the_bill() -> None:
    bill = bill_for("amazon-chime-sdk", participant_minutes=100000, messages_sent=5000)
    assert bill.total_usd == D(170)
    assert any("Chime SDK messaging" in g for g in bill.gaps)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(CASES)),
    st.decimals(min_value=0, max_value=20, places=3),
    st.decimals(min_value=0, max_value=20, places=3),
)
def test_more_usage_never_costs_less_on_a_shipped_sheet(sheet_id: str, a: D, b: D) -> None:
    """Scale a worked example's quantities (attributes like pixels stay): the bill is monotone."""
    _, values, _, _ = CASES[sheet_id][0]
    attributes = ("subscriber_aggregate_pixels", "publisher_stream_pixels")
    low, high = sorted((a, b))

    def total(scale: D) -> D:
        scaled = {k: (v if k in attributes else D(v) * scale) for k, v in values.items()}
        bill = bill_for(sheet_id, **{k: str(v) for k, v in scaled.items()})
        assert bill.total_usd is not None
        return bill.total_usd

    assert total(low) <= total(high)
