"""Tiered prices: hand-worked cases per mechanic, and properties that hold for any bands."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cost_mapping.allowance import deduct
from cost_mapping.tiers import Band, band_problem, blocks, ceil_to, graduated, per_unit, volume

# AWS internet egress, us-east-1 (Infracost golden): 0.09 / 0.085 / 0.07 / 0.05 per GB.
AWS_EGRESS = (
    Band(D(0), D(10240), D("0.09")),
    Band(D(10240), D(51200), D("0.085")),
    Band(D(51200), D(153600), D("0.07")),
    Band(D(153600), None, D("0.05")),
)


def total(charges: tuple[object, ...]) -> D:
    return sum((c.amount_usd for c in charges), D(0))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("case", "units", "rate", "per", "amount"),
    [
        ("Twilio Video: 1,000 participant-minutes x $0.004 = $4", "1000", "0.004", "1", "4.000"),
        (
            "Agora: 2,040,000 std-min x $0.99 / 1,000 = $2,019.60",
            "2040000",
            "0.99",
            "1000",
            "2019.6",
        ),
        (
            "Ably: 3,000,000 messages x $2.50 / 1,000,000 = $7.50",
            "3000000",
            "2.5",
            "1000000",
            "7.5",
        ),
        ("zero usage costs nothing", "0", "0.99", "1000", "0"),
    ],
)
def test_per_unit_charges_units_times_rate_over_per(
    case: str, units: str, rate: str, per: str, amount: str
) -> None:
    assert per_unit(D(units), D(rate), D(per)).amount_usd == D(amount), case


def test_per_unit_without_a_published_rate_has_no_amount() -> None:
    assert per_unit(D(10), None).amount_usd is None


@pytest.mark.parametrize(
    ("case", "gb", "pieces", "amount"),
    [
        ("inside the first band: 100 GB x 0.09 = 9", "100", [("100", "9.00")], "9.00"),
        (
            "exactly at the first edge: 10,240 x 0.09 = 921.60",
            "10240",
            [("10240", "921.60")],
            "921.60",
        ),
        (
            "20,000 GB = 10,240 x 0.09 (921.60) + 9,760 x 0.085 (829.60) = 1,751.20",
            "20000",
            [("10240", "921.60"), ("9760", "829.600")],
            "1751.200",
        ),
        (
            "200,000 GB = 921.60 + 40,960 x 0.085 (3,481.60) + 102,400 x 0.07 (7,168) + 46,400 x 0.05 (2,320)",
            "200000",
            [
                ("10240", "921.60"),
                ("40960", "3481.600"),
                ("102400", "7168.00"),
                ("46400", "2320.00"),
            ],
            "13891.200",
        ),
    ],
)
def test_graduated_prices_each_band_only_for_units_inside_it(
    case: str, gb: str, pieces: list[tuple[str, str]], amount: str
) -> None:
    charges = graduated(D(gb), AWS_EGRESS)
    assert [(c.units, c.amount_usd) for c in charges] == [(D(u), D(a)) for u, a in pieces], case
    assert total(charges) == D(amount)


def test_graduated_marks_units_in_an_unpublished_band() -> None:
    # Twilio Conversations: above 20,000 MAU is "contact sales".
    bands = (
        Band(D(0), D(200), D(0)),
        Band(D(200), D(20000), D("0.05")),
        Band(D(20000), None, None),
    )
    charges = graduated(D(25000), bands)
    assert [c.amount_usd for c in charges] == [D(0), D("990.00"), None]
    assert charges[-1].units == D(5000)


@pytest.mark.parametrize(
    ("case", "units", "band", "amount"),
    [
        ("500 units fall in band 0: all 500 x 1.00 = 500", "500", 0, "500"),
        ("1,000 is the edge, still band 0: 1,000 x 1.00 = 1,000", "1000", 0, "1000"),
        ("1,100 falls in band 1: all 1,100 x 0.50 = 550", "1100", 1, "550.0"),
    ],
)
def test_volume_prices_every_unit_at_the_band_the_total_falls_in(
    case: str, units: str, band: int, amount: str
) -> None:
    bands = (Band(D(0), D(1000), D(1)), Band(D(1000), None, D("0.5")))
    charge = volume(D(units), bands)
    assert (charge.band, charge.amount_usd) == (band, D(amount)), case


@pytest.mark.parametrize(
    ("case", "mau", "billed", "amount"),
    [
        ("ZEGOCLOUD: 10,000 MAU is exactly 1 block: $449", "10000", "10000", "449"),
        ("10,001 MAU rounds up to 2 blocks: $898", "10001", "20000", "898"),
        ("25,000 MAU rounds up to 3 blocks: $1,347", "25000", "30000", "1347"),
        ("no users, no block", "0", "0", "0"),
    ],
)
def test_blocks_round_usage_up_to_whole_blocks(
    case: str, mau: str, billed: str, amount: str
) -> None:
    charge = blocks(D(mau), D(10000), D(449))
    assert (charge.units, charge.amount_usd) == (D(billed), D(amount)), case


def test_ceil_to_rounds_up_to_a_multiple_of_the_step() -> None:
    assert ceil_to(D("1.001"), D("0.01")) == D("1.01")
    assert ceil_to(D(70), D(60)) == D(120)
    assert ceil_to(D(60), D(60)) == D(60)


@pytest.mark.parametrize(
    ("case", "bands", "problem"),
    [
        ("bands must start at 0", [(5, None)], "must start at 0"),
        ("a second band starting inside the first overlaps", [(0, 100), (50, None)], "overlap"),
        (
            "a second band starting after the first ends leaves a gap",
            [(0, 100), (150, None)],
            "gap",
        ),
        (
            "a band ending below its start is unordered",
            [(0, 100), (100, 90), (90, None)],
            "unordered",
        ),
        ("an open band must be last", [(0, None), (0, None)], "only the last"),
        ("the last band must be open-ended", [(0, 100)], "open-ended"),
    ],
)
def test_band_problem_names_what_is_wrong(
    case: str, bands: list[tuple[int, int | None]], problem: str
) -> None:
    got = band_problem(tuple(Band(D(a), None if b is None else D(b), D(1)) for a, b in bands))
    assert got is not None and problem in got, case


def test_band_problem_accepts_contiguous_bands() -> None:
    assert band_problem(AWS_EGRESS) is None


# ---- properties -----------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=10, places=4, allow_nan=False, allow_infinity=False)


@st.composite
def band_sets(draw: st.DrawFn) -> tuple[Band, ...]:
    widths = draw(st.lists(st.integers(min_value=1, max_value=10**6), min_size=0, max_size=4))
    band_rates = draw(st.lists(rates, min_size=len(widths) + 1, max_size=len(widths) + 1))
    bands, start = [], D(0)
    for width, rate in zip(widths, band_rates, strict=False):
        bands.append(Band(start, start + width, rate))
        start += width
    bands.append(Band(start, None, band_rates[-1]))
    return tuple(bands)


@given(band_sets(), amounts, amounts)
def test_graduated_cost_is_monotone(bands: tuple[Band, ...], a: D, b: D) -> None:
    low, high = sorted((a, b))
    assert total(graduated(low, bands)) <= total(graduated(high, bands))


@given(band_sets())
def test_graduated_cost_is_continuous_at_every_edge(bands: tuple[Band, ...]) -> None:
    eps = D("0.0001")
    for band in bands[:-1]:
        edge = band.end
        assert edge is not None
        below, at, above = (total(graduated(x, bands)) for x in (edge - eps, edge, edge + eps))
        max_rate = max(b.rate_usd for b in bands if b.rate_usd is not None)
        assert at - below <= eps * max_rate
        assert above - at <= eps * max_rate


@given(band_sets(), amounts)
def test_volume_and_graduated_agree_below_the_first_break(
    bands: tuple[Band, ...], units: D
) -> None:
    first_end = bands[0].end
    if first_end is not None and units > first_end:
        units = first_end
    assert volume(units, bands).amount_usd == total(graduated(units, bands))


@given(band_sets(), amounts, amounts)
def test_a_free_allowance_never_raises_a_graduated_bill(
    bands: tuple[Band, ...], units: D, free: D
) -> None:
    _, left = deduct(units, free)
    assert total(graduated(left, bands)) <= total(graduated(units, bands))


@given(amounts, amounts, st.integers(min_value=1, max_value=10**5), rates)
def test_a_free_allowance_never_raises_a_block_bill(units: D, free: D, block: int, rate: D) -> None:
    _, left = deduct(units, free)
    assert blocks(left, D(block), rate).amount_usd <= blocks(units, D(block), rate).amount_usd  # type: ignore[operator]


def test_a_free_allowance_can_raise_a_volume_bill() -> None:
    """Volume tiers are not monotone: 200 free units drop 1,100 units to a dearer band.

    1,100 x 0.50 = 550 without the allowance; 900 x 1.00 = 900 with it. Sheets that use
    volume tiers should not also carry an allowance unless the vendor really works so.
    """
    bands = (Band(D(0), D(1000), D(1)), Band(D(1000), None, D("0.5")))
    _, left = deduct(D(1100), D(200))
    assert volume(left, bands).amount_usd == D(900) > volume(D(1100), bands).amount_usd  # type: ignore[operator]
