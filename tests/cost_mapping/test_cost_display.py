"""Money and quantities are rounded only when shown, half-even, and read plainly."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cost_mapping.display import num, plain, rate, usd


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1217.99", "$1,217.99"),
        ("0.005", "$0.005000"),
        ("2.675", "$2.68"),
        ("2.665", "$2.66"),
        ("0", "$0.00"),
    ],
)
def test_usd_rounds_half_even_and_keeps_sub_cent_amounts_visible(value: str, shown: str) -> None:
    assert usd(D(value)) == shown


def test_unknown_money_is_not_applicable() -> None:
    assert usd(None) == "n/a" and plain(None) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0.000123", "$0.000123"), ("1217.99", "$1,217.99"), ("3.3E-5", "$0.000033"), ("45", "$45")],
)
def test_rates_show_every_digit_without_exponent(value: str, shown: str) -> None:
    assert rate(D(value)) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1500000", "1,500,000"),
        ("13.3333333", "13.333333"),
        ("2.50", "2.5"),
        ("0.0001", "1.000e-4"),
    ],
)
def test_quantities_read_plainly(value: str, shown: str) -> None:
    assert num(D(value)) == shown


def test_plain_is_machine_readable() -> None:
    assert plain(D("1234.5")) == "1234.500000"


@pytest.mark.parametrize(
    ("value", "shown_usd", "shown_plain"),
    [
        ("1e26", "$100,000,000,000,000,000,000,000,000.00", "100000000000000000000000000.000000"),
        (
            "123456789012345678901234567890.125",
            "$123,456,789,012,345,678,901,234,567,890.12",
            "123456789012345678901234567890.125000",
        ),
        ("1e40", "$10" + ",000" * 13 + ".00", "1" + "0" * 40 + ".000000"),
    ],
)
def test_money_of_any_size_prints_instead_of_raising(
    value: str, shown_usd: str, shown_plain: str
) -> None:
    """Decimal's 28-digit context made quantize fail from about 10^26 (usd) and 10^22 (plain)."""
    assert usd(D(value)) == shown_usd
    assert plain(D(value)) == shown_plain


def test_quantities_of_any_size_print() -> None:
    assert num(D("1e30")) == "1" + ",000" * 10
    assert num(D("123456789012345678901234567.5")) == "123,456,789,012,345,678,901,234,567.5"
