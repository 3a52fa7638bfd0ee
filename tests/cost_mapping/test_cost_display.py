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
