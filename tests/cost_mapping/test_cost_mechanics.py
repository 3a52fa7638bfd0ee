"""Billing mechanics below the engine: allowances, top-ups, rounding, size units, resolution tiers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cost_mapping.allowance import TopUp, cheapest_cover, deduct, share_in_order
from cost_mapping.counting import (
    PixelClass,
    aggregate_pixels,
    fanout_count,
    pick_class,
    size_units,
    standard_minutes,
)
from cost_mapping.rounding import round_usage

AGORA = (
    PixelClass("HD", D(921600), D(4)),
    PixelClass("Full HD", D(2073600), D(9)),
    PixelClass("2K", D(3686400), D(16)),
    PixelClass("2K+", None, D(36)),
)


def test_deduct_covers_what_it_can() -> None:
    assert deduct(D(8000), D(10000)) == (D(8000), D(0))
    assert deduct(D(12000), D(10000)) == (D(10000), D(2000))


def test_a_shared_allowance_is_used_in_order() -> None:
    # TRTC: 10,000 free minutes, audio first: 4,000 audio, then 6,000 of the 9,000 video.
    assert share_in_order(D(10000), [D(4000), D(9000)]) == (D(4000), D(6000))
    assert share_in_order(D(10000), [D(12000), D(9000)]) == (D(10000), D(0))


AGORA_TOPUPS = [TopUp(D(25000), D("23.5")), TopUp(D(250000), D(230)), TopUp(D(1000000), D(891))]


@pytest.mark.parametrize(
    ("case", "excess", "packs", "overage_units", "amount"),
    [
        (
            "Agora: 100,000 over at $0.99/1,000: 4 x 25k packs ($94) beat overage ($99)",
            "100000",
            {25000: 4},
            "0",
            "94.0",
        ),
        ("10,000 over: overage $9.90 beats one $23.50 pack", "10000", {}, "10000", "9.90"),
        (
            "540,000 over: 2 x 250k ($460) + 1 x 25k ($23.50) + 15,000 overage ($14.85) = $498.35 "
            "(22 x 25k = $517; all overage $534.60)",
            "540000",
            {250000: 2, 25000: 1},
            "15000",
            "498.35",
        ),
        (
            "1,100,000 over: 1 x 1M ($891) + 4 x 25k ($94) = $985",
            "1100000",
            {1000000: 1, 25000: 4},
            "0",
            "985",
        ),
    ],
)
def test_cheapest_cover_mixes_whole_top_up_packs_and_overage(
    case: str, excess: str, packs: dict[int, int], overage_units: str, amount: str
) -> None:
    cover = cheapest_cover(D(excess), D("0.00099"), AGORA_TOPUPS)
    assert {int(t.units): int(n) for t, n in cover.packs} == packs, case
    assert (cover.overage_units, cover.amount_usd) == (D(overage_units), D(amount)), case


@given(st.decimals(min_value=0, max_value=10**7, places=0))
def test_top_ups_never_cost_more_than_overage(excess: D) -> None:
    cover = cheapest_cover(excess, D("0.00099"), AGORA_TOPUPS)
    assert cover.amount_usd <= excess * D("0.00099")


@pytest.mark.parametrize(
    ("case", "units", "step", "scope", "connections", "rounded"),
    [
        (
            "LiveKit: 1 connection of 70 s (1.1667 min) bills 2 minutes",
            "1.1666666",
            "1",
            "per_connection",
            "1",
            "2",
        ),
        (
            "1,000 connections of 10 s each bill 1,000 minutes, not 167",
            "166.66667",
            "1",
            "per_connection",
            "1000",
            "1000",
        ),
        (
            "Agora: 166.67 minutes in the month round up once to 167",
            "166.66667",
            "1",
            "per_month",
            "1000",
            "167",
        ),
        ("0.01 GB steps: 12.3401 GB -> 12.35 GB", "12.3401", "0.01", "per_month", "0", "12.35"),
        (
            "whole instances per hour: 24.25 vCPU-h = 0.0332/h -> 1 x 730 h",
            "24.25",
            "1",
            "per_hour",
            "0",
            "730",
        ),
        (
            "per day: 300 min over 30.42 days = 9.86/day -> 10 x 30.4167",
            "300",
            "1",
            "per_day",
            "0",
            "304.1666666666666666666666667",
        ),
        ("nothing used, nothing rounded", "0", "1", "per_connection", "5", "0"),
    ],
)
def test_round_usage_rounds_each_piece_of_its_scope(
    case: str, units: str, step: str, scope: str, connections: str, rounded: str
) -> None:
    assert round_usage(D(units), D(step), scope, D(connections)) == D(rounded), case


@given(
    st.decimals(min_value=0, max_value=10**6, places=3),
    st.sampled_from(["per_connection", "per_hour", "per_day", "per_month"]),
)
def test_rounding_never_lowers_usage(units: D, scope: str) -> None:
    assert round_usage(units, D(1), scope, D(37)) >= units


@pytest.mark.parametrize(
    ("case", "size", "unit", "units"),
    [
        ("Agora Signaling: a 10 KB (10,240 B) message is 10 units of 1 KB", "10240", "1024", "10"),
        ("a 100-byte message is still 1 unit", "100", "1024", "1"),
        ("PubNub: 2,049 B is 2 units of 2 KB", "2049", "2048", "2"),
        ("AWS API Gateway: 33 KB is 2 units of 32 KB", "33792", "32768", "2"),
        ("an empty message counts once", "0", "1024", "1"),
    ],
)
def test_size_units_count_whole_units_per_message(
    case: str, size: str, unit: str, units: str
) -> None:
    assert size_units(D(size), D(unit)) == D(units), case


def test_fanout_counts_the_publish_and_every_delivery() -> None:
    # Ably: 1 publish to 10 subscribers is 11 messages.
    assert fanout_count(D(1), D(10)) == D(11)
    # Agora Signaling: a 10 KB message to 100 subscribers = (1 + 100) x 10 units = 1,010.
    assert fanout_count(D(1), D(100)) * size_units(D(10240), D(1024)) == D(1010)


@pytest.mark.parametrize(
    ("case", "streams", "width", "height", "tier", "ratio"),
    [
        ("4-person grid at 640x360: 3 x 230,400 = 691,200 px -> HD", 3, 640, 360, "HD", 4),
        (
            "4-person grid at 960x540: 3 x 518,400 = 1,555,200 px -> Full HD",
            3,
            960,
            540,
            "Full HD",
            9,
        ),
        ("4-person grid at 1280x720: 3 x 921,600 = 2,764,800 px -> 2K", 3, 1280, 720, "2K", 16),
        ("1:1 at 1280x720: 921,600 px is exactly the HD edge -> HD", 1, 1280, 720, "HD", 4),
        (
            "5 tiles of 640x360 = 1,152,000 px: small tiles add up past HD",
            5,
            640,
            360,
            "Full HD",
            9,
        ),
    ],
)
def test_the_tier_follows_the_aggregate_received_resolution(
    case: str, streams: int, width: int, height: int, tier: str, ratio: int
) -> None:
    cls = pick_class(aggregate_pixels(D(streams), width, height), AGORA)
    assert (cls.name, cls.ratio) == (tier, D(ratio)), case


def test_screen_share_counts_towards_the_aggregate() -> None:
    # Agora's example: 3 hosts at 960x720 plus a 1920x1080 share = 4,147,200 px -> 2K+.
    pixels = aggregate_pixels(D(3), 960, 720) + aggregate_pixels(D(1), 1920, 1080)
    assert pixels == D(4147200)
    assert pick_class(pixels, AGORA).name == "2K+"


def test_standard_minutes_multiply_by_the_tier_ratio() -> None:
    # 1,000 Full HD minutes = 9,000 standard minutes; at $0.99/1,000 that is $8.91 (list $8.99).
    assert standard_minutes(D(1000), AGORA[1]) == D(9000)
