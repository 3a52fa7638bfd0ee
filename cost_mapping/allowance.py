"""Free allowances, plan quotas and top-up packs: what is deducted before a rate applies.

Order on a bill: free allowance first (if the chosen plan keeps it), then the plan's included
quota, then the excess is priced at the overage rate — or covered by top-up packs when whole
packs are cheaper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cost_mapping.tiers import ceil_to


def deduct(units: Decimal, allowance: Decimal) -> tuple[Decimal, Decimal]:
    """(covered, remaining): the allowance covers what it can, never more than the usage."""
    covered = min(units, allowance)
    return covered, units - covered


def share_in_order(allowance: Decimal, demands: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """One allowance consumed by several meters in a fixed order (Agora: audio first, then HD...)."""
    used = []
    left = allowance
    for demand in demands:
        covered, _ = deduct(demand, left)
        used.append(covered)
        left -= covered
    return tuple(used)


@dataclass(frozen=True)
class TopUp:
    """A prepaid pack of `units` for `price_usd`, bought in whole packs."""

    units: Decimal
    price_usd: Decimal


@dataclass(frozen=True)
class ExcessCover:
    """How an excess is paid: `packs` whole top-ups of `topup` (or overage when topup is None)."""

    amount_usd: Decimal
    topup: TopUp | None
    packs: Decimal


def cheapest_cover(excess: Decimal, overage_usd: Decimal, topups: Sequence[TopUp]) -> ExcessCover:
    """The cheaper of paying overage or buying whole packs of one top-up size."""
    best = ExcessCover(overage_usd, None, Decimal(0))
    for topup in topups:
        packs = ceil_to(excess, topup.units) / topup.units
        cost = packs * topup.price_usd
        if excess > 0 and cost < best.amount_usd:
            best = ExcessCover(cost, topup, packs)
    return best
