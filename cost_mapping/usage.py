"""A meter's billable units from canonical quantities, before allowances and plans.

Sum (or take the higher of) the meter's terms, each converted to the billing unit and, for
video, classified by resolution (ratio to standard minutes or the tier's own rate); multiply
by message size units; round up within the meter's rounding scope. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cost_mapping.counting import pick_class, size_units
from cost_mapping.display import num
from cost_mapping.quantities import Quantities, Quantity
from cost_mapping.rounding import round_usage
from cost_mapping.sheet import Meter, Term

ZERO = Decimal(0)


@dataclass(frozen=True)
class Usage:
    """A meter's billable units, how they were reached, and what is missing from them."""

    meter: Meter
    units: Decimal
    derivation: str
    class_rate_usd: Decimal | None
    """The resolution tier's own rate, when the meter's single term picked one."""
    gaps: tuple[str, ...]

    @property
    def missing(self) -> bool:
        """Nothing known: every part of the quantity is a gap."""
        return bool(self.gaps) and self.units == 0


@dataclass(frozen=True)
class Part:
    units: Decimal
    text: str
    rate_usd: Decimal | None
    gaps: tuple[str, ...]


def quantity(quantities: Quantities, name: str) -> Quantity:
    return quantities.get(name) or Quantity(name, ZERO, "not given (0)")


def term_part(term: Term, quantities: Quantities) -> Part:
    q = quantity(quantities, term.quantity)
    units = q.value * term.factor
    text = f"{term.quantity} {num(q.value)} [{q.derivation}]"
    if term.factor != 1:
        text += f" x {num(term.factor, 12)}"
    rate = None
    if term.classify_by is not None:
        pixels = quantity(quantities, term.classify_by).value
        cls = pick_class(pixels, term.classes)
        limit = "no limit" if cls.max_pixels is None else f"<= {num(cls.max_pixels)} px"
        text += f", tier {cls.name} ({limit}; {term.classify_by} = {num(pixels)})"
        if cls.ratio != 1:
            units *= cls.ratio
            text += f" x ratio {num(cls.ratio)}"
        rate = cls.rate_usd
    return Part(units, text, rate, q.gaps)


def measure(meter: Meter, quantities: Quantities) -> Usage:
    """Billable units of `meter` from the quantities (before free allowance and plans)."""
    parts = [term_part(t, quantities) for t in meter.terms]
    gaps = tuple(g for p in parts for g in p.gaps)
    if meter.combine == "higher_of":
        units = max(p.units for p in parts)
        text = "higher of (" + "; ".join(p.text for p in parts) + f") = {num(units)}"
    else:
        units = sum((p.units for p in parts), ZERO)
        text = " + ".join(p.text for p in parts)
    if meter.size_unit_bytes is not None:
        sent = quantity(quantities, "messages_sent").value
        body = quantity(quantities, "message_bytes").value
        mean = body / sent if sent else ZERO
        per_msg = size_units(mean, meter.size_unit_bytes)
        units *= per_msg
        text += f"; x {num(per_msg)} unit(s) of {num(meter.size_unit_bytes)} B per message"
        text += f" (mean {num(mean, 1)} B)"
    if meter.rounding is not None:
        sessions = quantity(quantities, "participant_sessions").value
        rounded = round_usage(units, meter.rounding.step, meter.rounding.scope, sessions)
        if rounded != units:
            text += (
                f"; rounded up to {num(meter.rounding.step)} {meter.unit} {meter.rounding.scope}"
            )
        units = rounded
    return Usage(meter, units, text, parts[0].rate_usd if len(parts) == 1 else None, gaps)
