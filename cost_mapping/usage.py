"""A meter's billable units from canonical quantities, before allowances and plans.

Sum (or take the higher of) the meter's terms, each converted to the billing unit and, for
video, classified by resolution (ratio to standard minutes or the tier's own rate); multiply
by message size units; round up within the meter's rounding scope. Pure.

What the meter needs but the quantities lack is never filled in silently: an unknown resolution
is priced at the lowest tier, unknown message sizes at one size unit, unknown connection counts
without per-connection rounding, and each says so as a gap (the bill is a lower bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cost_mapping.counting import pick_class, size_units
from cost_mapping.display import num
from cost_mapping.provenance import combine
from cost_mapping.quantities import Quantities, Quantity, not_given
from cost_mapping.rounding import explain, round_usage
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
    provenance: str = "assumed"
    """Combined provenance of every quantity that shaped the units (`cost_mapping.provenance`)."""

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
    provenance: tuple[str, ...]


def quantity(quantities: Quantities, name: str) -> Quantity:
    return quantities.get(name) or not_given(name, "the usage")


def term_part(term: Term, quantities: Quantities) -> Part:
    q = quantity(quantities, term.quantity)
    units = q.value * term.factor
    text = f"{term.quantity} {num(q.value)} [{q.derivation}]"
    if term.factor != 1:
        text += f" x {num(term.factor, 12)}"
    rate, gaps = None, q.gaps
    kinds: tuple[str, ...] = (q.provenance,)
    if term.classify_by is not None:
        attr = quantity(quantities, term.classify_by)
        cls = pick_class(attr.value, term.classes)
        if attr.gaps and q.value:
            cls = term.classes[0]
            gaps = (
                *gaps,
                *attr.gaps,
                f"{term.quantity}: tier unknown, priced at the lowest ({cls.name})",
            )
        elif q.value:
            kinds = (*kinds, attr.provenance)
        limit = "no limit" if cls.max_pixels is None else f"<= {num(cls.max_pixels)} px"
        text += f", tier {cls.name} ({limit}; {term.classify_by} = {num(attr.value)} [{attr.derivation}])"
        if cls.ratio != 1:
            units *= cls.ratio
            text += f" x ratio {num(cls.ratio)}"
        rate = cls.rate_usd
    return Part(units, text, rate, gaps, kinds)


def _sized(
    meter: Meter, units: Decimal, quantities: Quantities
) -> tuple[Decimal, str, tuple[str, ...], tuple[str, ...]]:
    """Units times size units per message, from the mean message size."""
    assert meter.size_unit_bytes is not None
    sent, body = quantity(quantities, "messages_sent"), quantity(quantities, "message_bytes")
    if not units:
        return units, "", (), ()
    if body.gaps or sent.gaps or not sent.value:
        gap = f"{meter.id}: message size unknown, counted as 1 unit of {num(meter.size_unit_bytes)} B each"
        return (
            units,
            f"; 1 unit of {num(meter.size_unit_bytes)} B per message (size unknown)",
            (*body.gaps, gap),
            (),
        )
    mean = body.value / sent.value
    per_msg = size_units(mean, meter.size_unit_bytes)
    text = f"; x {num(per_msg)} unit(s) of {num(meter.size_unit_bytes)} B per message"
    text += f" (mean {num(mean, 1)} B = message_bytes / messages_sent)"
    return units * per_msg, text, (), (body.provenance, sent.provenance)


def _rounded(
    meter: Meter, units: Decimal, quantities: Quantities
) -> tuple[Decimal, str, tuple[str, ...], tuple[str, ...]]:
    """Units rounded up within the meter's scope; per connection needs the connection count."""
    assert meter.rounding is not None
    step, scope = meter.rounding.step, meter.rounding.scope
    if not units:
        return units, "", (), ()
    sessions = quantity(quantities, "participant_sessions")
    if scope == "per_connection" and (sessions.gaps or not sessions.value):
        gap = f"{meter.id}: connection count unknown, per-connection rounding not applied"
        return (
            units,
            "; not rounded per connection (connections unknown)",
            (*sessions.gaps, gap),
            (),
        )
    rounded = round_usage(units, step, scope, sessions.value)
    text = "; " + explain(units, step, scope, sessions.value, meter.unit)
    kinds = (sessions.provenance,) if scope == "per_connection" else ()
    return rounded, text, (), kinds


def measure(meter: Meter, quantities: Quantities) -> Usage:
    """Billable units of `meter` from the quantities (before free allowance and plans)."""
    parts = [term_part(t, quantities) for t in meter.terms]
    gaps = tuple(g for p in parts for g in p.gaps)
    kinds = [k for p in parts for k in p.provenance]
    if meter.combine == "higher_of":
        units = max(p.units for p in parts)
        text = "higher of (" + "; ".join(p.text for p in parts) + f") = {num(units)}"
    else:
        units = sum((p.units for p in parts), ZERO)
        text = " + ".join(p.text for p in parts)
    for step in (
        _sized if meter.size_unit_bytes is not None else None,
        _rounded if meter.rounding is not None else None,
    ):
        if step is not None:
            units, more, more_gaps, more_kinds = step(meter, units, quantities)
            text, gaps, kinds = text + more, gaps + more_gaps, [*kinds, *more_kinds]
    rate = parts[0].rate_usd if len(parts) == 1 else None
    return Usage(meter, units, text, rate, tuple(dict.fromkeys(gaps)), combine(kinds))
