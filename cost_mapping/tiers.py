"""Tiered prices: per-unit, graduated, volume (all-units) and whole-block.

Pure arithmetic on `Decimal`. A rate is money per `per` billing units (0.99 per 1,000 minutes is
`rate=0.99, per=1000`). Each function returns the charge pieces it used, so a bill can show
which band priced which units. A band whose rate is `None` is "not published" (contact sales):
units falling in it are charged `amount=None`, and the bill says so instead of guessing.

    graduated: each band prices only the units inside it (AWS egress, Twilio Conversations).
    volume:    the band the *total* falls in prices every unit (all-units discounts).
    blocks:    usage rounds up to whole blocks, each at a flat price (ZEGOCLOUD per 10k MAU).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

ONE = Decimal(1)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Band:
    """Units in (start, end] are priced at `rate` per `per` units; `end=None` is open-ended."""

    start: Decimal
    end: Decimal | None
    rate_usd: Decimal | None


@dataclass(frozen=True)
class Charge:
    """A piece of a tiered charge: `units` priced at `rate` per `per` units gives `amount`."""

    band: int
    units: Decimal
    rate_usd: Decimal | None
    per: Decimal
    amount_usd: Decimal | None


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """`value` rounded up to a whole multiple of `step` (step > 0)."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def _amount(units: Decimal, rate: Decimal | None, per: Decimal) -> Decimal | None:
    return None if rate is None else units * rate / per


def per_unit(units: Decimal, rate: Decimal | None, per: Decimal = ONE) -> Charge:
    """One flat rate: amount = units x rate / per."""
    return Charge(0, units, rate, per, _amount(units, rate, per))


def graduated(units: Decimal, bands: tuple[Band, ...], per: Decimal = ONE) -> tuple[Charge, ...]:
    """Each band prices only the units that fall inside it; empty bands are left out."""
    pieces = []
    for i, band in enumerate(bands):
        if units <= band.start:
            break
        top = units if band.end is None else min(units, band.end)
        inside = top - band.start
        pieces.append(Charge(i, inside, band.rate_usd, per, _amount(inside, band.rate_usd, per)))
    return tuple(pieces)


def band_of(units: Decimal, bands: tuple[Band, ...]) -> int:
    """Index of the band that holds `units` (zero units fall in the first band)."""
    for i, band in enumerate(bands):
        if band.end is None or units <= band.end:
            return i
    return len(bands) - 1


def volume(units: Decimal, bands: tuple[Band, ...], per: Decimal = ONE) -> Charge:
    """All units at the rate of the band the total falls in (not monotone: see docs/cost.md)."""
    i = band_of(units, bands)
    return Charge(i, units, bands[i].rate_usd, per, _amount(units, bands[i].rate_usd, per))


def blocks(units: Decimal, block_units: Decimal, rate_per_block: Decimal | None) -> Charge:
    """Usage rounded up to whole blocks of `block_units`, each block at `rate_per_block`."""
    billed = ceil_to(units, block_units)
    return Charge(
        0, billed, rate_per_block, block_units, _amount(billed, rate_per_block, block_units)
    )


def band_problem(bands: tuple[Band, ...]) -> str | None:
    """Why these bands cannot price every quantity, or None if they can.

    Bands must start at 0, each start where the previous ended (no gap, no overlap), grow,
    and the last must be open-ended.
    """
    if not bands:
        return "at least one band"
    expected = ZERO
    for i, band in enumerate(bands):
        if band.start < expected:
            return f"band {i} starts at {band.start}, inside band {i - 1} (overlap); it must start at {expected}"
        if band.start > expected:
            return f"band {i} starts at {band.start}, leaving a gap; it must start at {expected}"
        if band.end is None:
            if i != len(bands) - 1:
                return (
                    f"band {i} is open-ended but is not the last band; only the last may omit `to`"
                )
            return None
        if band.end <= band.start:
            return f"band {i} ends at {band.end}, not above its start {band.start} (unordered)"
        expected = band.end
    return f"the last band (ending at {expected}) to be open-ended: omit its `to`"
