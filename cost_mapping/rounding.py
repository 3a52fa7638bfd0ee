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

from cost_mapping.meters import DAYS_PER_MONTH, HOURS_PER_MONTH
from cost_mapping.tiers import ceil_to

SCOPES = ("per_connection", "per_hour", "per_day", "per_month")


def round_usage(units: Decimal, step: Decimal, scope: str, connections: Decimal) -> Decimal:
    """`units` (a monthly total) rounded up to `step` within each piece of `scope`."""
    if units == 0:
        return units
    pieces = {
        "per_connection": connections,
        "per_hour": HOURS_PER_MONTH,
        "per_day": DAYS_PER_MONTH,
        "per_month": Decimal(1),
    }[scope]
    if pieces <= 0:
        pieces = Decimal(1)
    return ceil_to(units / pieces, step) * pieces
