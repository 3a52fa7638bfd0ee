"""The engine on small synthetic sheets: one mechanic per test, arithmetic in the docstring."""

from __future__ import annotations

from decimal import Decimal as D

from cost_helpers import quantities, sheet_from
from hypothesis import given
from hypothesis import strategies as st

from cost_mapping.engine import price
from cost_mapping.quantities import Quantity

MAU_METER = """
[[meters]]
id = "mau"
quantity = "mau"
unit = "user"
rate = 0.05
ref = "prices.csv: test mau"
"""


def test_a_free_allowance_is_deducted_before_the_rate() -> None:
    """1,200 MAU - 500 free = 700 x 0.05 = 35."""
    sheet = sheet_from(
        MAU_METER + '[[free]]\nunits = 500\nmeters = ["mau"]\nref = "prices.csv: free"\n'
    )
    bill = price(sheet, quantities(mau=1200))
    assert bill.total_usd == D(35)
    assert [li.row for li in bill.lines] == ["t: free[0]", "t: meters.mau"]


PLAN_AND_FREE = (
    MAU_METER
    + """
[[free]]
units = 500
meters = ["mau"]
lost_with_plan = {lost}
ref = "prices.csv: free"

[[plans]]
id = "starter"
fee = 10
included = {{ mau = 300 }}
ref = "prices.csv: plan"
"""
)


def test_a_free_allowance_lost_with_a_plan_is_not_deducted_under_it() -> None:
    """Pay as you go: (1,200 - 500) x 0.05 = 35. Plan: 10 + (1,200 - 300) x 0.05 = 55. -> 35."""
    sheet = sheet_from("pay_as_you_go = true\n" + PLAN_AND_FREE.format(lost="true"))
    bill = price(sheet, quantities(mau=1200))
    assert (bill.option, bill.total_usd) == ("pay as you go", D(35))
    assert bill.notes == (
        "cheapest of 2 options that can serve this usage: pay as you go $35.00 (chosen); "
        "starter $55.00",
    )


def test_a_free_allowance_kept_with_a_plan_is_deducted_under_it() -> None:
    """Plan keeps the 500 free: 10 + (1,200 - 500 - 300) x 0.05 = 30, cheaper than 35."""
    sheet = sheet_from("pay_as_you_go = true\n" + PLAN_AND_FREE.format(lost="false"))
    bill = price(sheet, quantities(mau=1200))
    assert (bill.option, bill.total_usd) == ("starter", D(30))


def test_a_plan_that_suspends_at_quota_cannot_serve_more() -> None:
    sheet = sheet_from(
        MAU_METER
        + """
[[plans]]
id = "free"
fee = 0
included = { mau = 500 }
on_exceed = "suspend"
ref = "prices.csv: free plan"

[[plans]]
id = "paid"
fee = 100
included = { mau = 5000 }
ref = "prices.csv: paid plan"
"""
    )
    assert price(sheet, quantities(mau=400)).option == "free"
    bill = price(sheet, quantities(mau=600))
    assert (bill.option, bill.total_usd) == ("paid", D(100))
    assert bill.notes == (
        "1 option(s) cannot serve it: free: 100 user beyond its quota, where service is suspended",
    )
    assert [(o.name, o.total_usd, o.refused is not None) for o in bill.options] == [
        ("free", None, True),
        ("paid", D(100), False),
    ]


def test_when_no_option_serves_the_usage_the_bill_says_so() -> None:
    sheet = sheet_from(
        MAU_METER
        + '[[plans]]\nid = "free"\nfee = 0\nincluded = { mau = 500 }\non_exceed = "suspend"\nref = "prices.csv: x"\n'
    )
    bill = price(sheet, quantities(mau=600))
    assert not bill.eligible and bill.total_usd is None
    assert "no option of this sheet serves this usage" in bill.notes


def test_plan_rates_override_the_meter_rate() -> None:
    """LiveKit-style: Scale includes 1,000 and charges 0.01 beyond: 20 + 500 x 0.01 = 25."""
    sheet = sheet_from(
        MAU_METER
        + '[[plans]]\nid = "scale"\nfee = 20\nincluded = { mau = 1000 }\nrates = { mau = 0.01 }\nref = "prices.csv: x"\n'
    )
    assert price(sheet, quantities(mau=1500)).total_usd == D(25)


def test_a_minimum_monthly_fee_raises_a_small_bill_only() -> None:
    """100 x 0.05 = 5 < minimum 50 -> 50; 2,000 x 0.05 = 100 > 50 -> 100."""
    sheet = sheet_from("minimum_monthly_fee = 50\n" + MAU_METER)
    small = price(sheet, quantities(mau=100))
    assert small.total_usd == D(50)
    assert small.lines[-1].row == "t: minimum_monthly_fee"
    assert small.lines[-1].amount_usd == D(45)
    assert price(sheet, quantities(mau=2000)).total_usd == D(100)


def test_the_higher_of_two_measures_is_billed() -> None:
    """Stream-style: max(12,000 MAU, 800 connections x 20 = 16,000) = 16,000 x 0.05 = 800."""
    sheet = sheet_from(
        """
[[meters]]
id = "users"
unit = "mau_equivalent"
combine = "higher_of"
rate = 0.05
ref = "prices.csv: x"
terms = [{ quantity = "mau", factor = 1 }, { quantity = "peak_ccu", factor = 20 }]
"""
    )
    assert price(sheet, quantities(mau=12000, peak_ccu=800)).total_usd == D(800)
    assert price(sheet, quantities(mau=12000, peak_ccu=100)).total_usd == D(600)


def test_volume_tiers_price_all_units_at_the_band_reached() -> None:
    """1,500 MAU reaches band 2: all 1,500 x 0.04 = 60 (graduated would be 50 + 20 = 70)."""
    sheet = sheet_from(
        """
[[meters]]
id = "mau"
quantity = "mau"
unit = "user"
mode = "volume"
tiers = [{ from = 0, to = 1000, rate = 0.05 }, { from = 1000, rate = 0.04 }]
ref = "prices.csv: x"
"""
    )
    assert price(sheet, quantities(mau=1500)).total_usd == D(60)


def test_per_message_units_count_fanout_and_size() -> None:
    """1 send + 100 deliveries of 10 KB = 101 x 10 units of 1 KB = 1,010 x $3 / 1M = $0.00303."""
    sheet = sheet_from(
        """
[[meters]]
id = "messages"
unit = "message"
per = 1000000
rate = 3
size_unit_bytes = 1024
ref = "prices.csv: x"
terms = [{ quantity = "messages_sent" }, { quantity = "message_deliveries" }]
"""
    )
    bill = price(sheet, quantities(messages_sent=1, message_deliveries=100, message_bytes=10240))
    assert bill.lines[0].quantity == D(1010)
    assert bill.total_usd == D("0.00303")


def test_message_bytes_convert_to_gigabytes() -> None:
    """2.5 x 10^9 message bytes billed per GB at 0.25 = 0.625."""
    sheet = sheet_from(
        '[[meters]]\nid = "bw"\nquantity = "message_bytes"\nunit = "GB"\nrate = 0.25\nref = "prices.csv: x"\n'
    )
    assert price(sheet, quantities(message_bytes=2500000000)).total_usd == D("0.625")


def test_a_missing_quantity_makes_the_bill_not_applicable() -> None:
    sheet = sheet_from(
        '[[meters]]\nid = "min"\nquantity = "participant_minutes"\nunit = "minute"\nrate = 0.004\nref = "prices.csv: x"\n'
    )
    q = quantities()
    q["participant_minutes"] = Quantity(
        "participant_minutes", D(0), "would be 600,000", ("run r has no video",)
    )
    bill = price(sheet, q)
    assert (bill.coverage, bill.total_usd) == ("none", None)
    assert bill.gaps == ("run r has no video",)
    assert bill.lines[0].amount_usd is None


def test_a_partly_known_quantity_gives_a_lower_bound() -> None:
    sheet = sheet_from(
        '[[meters]]\nid = "gb"\nquantity = "egress_gb"\nunit = "GB"\nrate = 0.1\nref = "prices.csv: x"\n'
    )
    q = quantities()
    q["egress_gb"] = Quantity(
        "egress_gb", D(100), "messaging part", ("egress_gb: video part not measured",)
    )
    bill = price(sheet, q)
    assert (bill.coverage, bill.total_usd) == ("partial", D(10))


def test_class_rates_price_a_resolution_tier_directly() -> None:
    """TRTC-style: 2,000 min at 1,555,200 px = Full HD at 8.99/1,000 = 17.98."""
    sheet = sheet_from(
        """
[[meters]]
id = "video"
unit = "minute"
per = 1000
ref = "prices.csv: x"

[[meters.terms]]
quantity = "subscriber_minutes"
classify_by = "subscriber_aggregate_pixels"
classes = [{ name = "HD", max_pixels = 921600, rate = 3.99 }, { name = "FHD", max_pixels = 2073600, rate = 8.99 }, { name = "2K+", rate = 35.99 }]
"""
    )
    bill = price(sheet, quantities(subscriber_minutes=2000, subscriber_aggregate_pixels=1555200))
    assert bill.total_usd == D("17.98")
    assert "tier FHD" in bill.lines[0].derivation


def test_money_is_exact_decimal() -> None:
    """0.1 + 0.2 is 0.3 here: 3 users at 0.1 = 0.3 exactly."""
    sheet = sheet_from(MAU_METER.replace("0.05", "0.1"))
    assert price(sheet, quantities(mau=3)).total_usd == D("0.3")


fee = st.decimals(min_value=0, max_value=1000, places=2)
units = st.integers(min_value=0, max_value=10**7)


@given(units, units, st.booleans(), fee)
def test_a_free_allowance_never_raises_a_bill(mau: int, free: int, lost: bool, plan_fee: D) -> None:
    with_free = sheet_from(
        "pay_as_you_go = true\n"
        + MAU_METER
        + f'[[free]]\nunits = {free}\nmeters = ["mau"]\nlost_with_plan = {str(lost).lower()}\nref = "prices.csv: f"\n'
        + f'[[plans]]\nid = "p"\nfee = {plan_fee}\nincluded = {{ mau = 1000 }}\nref = "prices.csv: p"\n'
    )
    without = sheet_from(
        "pay_as_you_go = true\n"
        + MAU_METER
        + f'[[plans]]\nid = "p"\nfee = {plan_fee}\nincluded = {{ mau = 1000 }}\nref = "prices.csv: p"\n'
    )
    a = price(with_free, quantities(mau=mau)).total_usd
    b = price(without, quantities(mau=mau)).total_usd
    assert a is not None and b is not None and a <= b
