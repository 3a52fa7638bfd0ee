"""How numbers and money look in derivations, tables and CSV. Rounding happens only here."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal


def num(value: Decimal, places: int = 6) -> str:
    """A quantity for people: thousands separators, at most `places` decimals, no trailing zeros."""
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    if abs(value) < Decimal("0.001"):
        return f"{value:.3e}"
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,f}"
    return text.rstrip("0").rstrip(".")


def usd(value: Decimal | None, places: int = 2) -> str:
    """Money rounded half-even to `places` (more for sub-cent unit costs); `n/a` when unknown."""
    if value is None:
        return "n/a"
    if value != 0 and abs(value) < Decimal("0.01") and places == 2:
        places = 6
    return f"${value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,f}"


def plain(value: Decimal | None, places: int = 6) -> str:
    """A machine-readable decimal for CSV/JSON (no separators), empty when unknown."""
    if value is None:
        return ""
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):f}"


def rate(value: Decimal) -> str:
    """A (non-negative) price per unit as a price page writes it: every digit, no exponent."""
    whole, dot, frac = f"{value.normalize():f}".partition(".")
    return f"${int(whole):,}{dot}{frac}"
