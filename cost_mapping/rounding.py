"""Rounding granularity: where a vendor rounds usage up, and over what scope.

The same 70 seconds cost 2 minutes when LiveKit rounds each connection up, but barely a
minute when Agora rounds the month's total once. Usage here is a monthly total, so the
scope says how that total is cut before each piece is rounded up to a `step`:

    per_connection  total / connections, each rounded up, times connections
    per_hour        total / 730 hours, rounded up, times 730 (whole instances every hour)
    per_day         total / 30.42 days, rounded up, times the days
    per_month       the total, rounded up once

Cutting the total evenly assumes equal pieces; real uneven pieces round up at least as much.
"""

from __future__ import annotations

from decimal import Decimal

from cost_mapping.display import num
from cost_mapping.meters import DAYS_PER_MONTH, HOURS_PER_MONTH
from cost_mapping.tiers import ceil_to

SCOPES = ("per_connection", "per_hour", "per_day", "per_month")


PIECE = {"per_connection": "connection", "per_hour": "hour", "per_day": "day"}


def _pieces(scope: str, connections: Decimal) -> Decimal:
    pieces = {
        "per_connection": connections,
        "per_hour": HOURS_PER_MONTH,
        "per_day": DAYS_PER_MONTH,
        "per_month": Decimal(1),
    }[scope]
    return pieces if pieces > 0 else Decimal(1)


def round_usage(units: Decimal, step: Decimal, scope: str, connections: Decimal) -> Decimal:
    """`units` (a monthly total) rounded up to `step` within each piece of `scope`."""
    if units == 0:
        return units
    pieces = _pieces(scope, connections)
    return ceil_to(units / pieces, step) * pieces


def explain(units: Decimal, step: Decimal, scope: str, connections: Decimal, unit: str) -> str:
    """How `round_usage` got its answer, the quantity it started from included."""
    rounded = round_usage(units, step, scope, connections)
    if scope == "per_month" or units == 0:
        return f"{num(units)} {unit} rounded up to {num(step)} {unit}: {num(rounded)} {unit}"
    pieces = _pieces(scope, connections)
    each, rounded_each = units / pieces, ceil_to(units / pieces, step)
    piece = PIECE[scope]
    return (
        f"{num(units)} {unit} over {num(pieces)} {piece}s = {num(each)} per {piece}, "
        f"rounded up to {num(rounded_each)} per {piece}: {num(rounded)} {unit}"
    )
