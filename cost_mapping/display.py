"""How numbers and money look in derivations, tables and CSV. Rounding happens only here.

Every function takes any finite `Decimal`, however large: rounding runs in a context wide
enough for the number's own digits, so 10^40 dollars prints instead of raising.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext


def fixed(value: Decimal, places: int) -> Decimal:
    """`value` rounded half-even to `places` decimals, exactly, whatever its size."""
    with localcontext() as ctx:
        ctx.prec = max(28, value.adjusted() + places + 3)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def num(value: Decimal, places: int = 6) -> str:
    """A quantity for people: thousands separators, at most `places` decimals, no trailing zeros."""
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value():
        return f"{fixed(value, 0):,f}"
    if abs(value) < Decimal("0.001"):
        return f"{value:.3e}"
    text = f"{fixed(value, places):,f}"
    return text.rstrip("0").rstrip(".")


def usd(value: Decimal | None, places: int = 2) -> str:
    """Money rounded half-even to `places` (more for sub-cent unit costs); `n/a` when unknown."""
    if value is None:
        return "n/a"
    if not value.is_finite():
        return str(value)
    if value != 0 and abs(value) < Decimal("0.01") and places == 2:
        places = 6
    return f"${fixed(value, places):,f}"


def plain(value: Decimal | None, places: int = 6) -> str:
    """A machine-readable decimal for CSV/JSON (no separators), empty when unknown."""
    if value is None:
        return ""
    if not value.is_finite():
        return str(value)
    return f"{fixed(value, places):f}"


def rate(value: Decimal) -> str:
    """A (non-negative) price per unit as a price page writes it: every digit, no exponent."""
    whole, dot, frac = f"{value.normalize():f}".partition(".")
    return f"${int(whole):,}{dot}{frac}"


def percent(part: Decimal, whole: Decimal) -> str:
    """`part` as a whole-number percentage of `whole` ("62 %"); "0 %" of nothing."""
    if whole == 0:
        return "0 %"
    return f"{fixed(part * 100 / whole, 0):f} %"
