"""Free allowances, plan quotas and top-up packs: what is deducted before a rate applies.

Order on a bill: free allowance first (if the chosen plan keeps it), then the plan's included
quota, then the excess is priced at the overage rate — or covered by top-up packs when whole
packs are cheaper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal


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
    """How an excess is paid: whole top-up packs (pack, count), and overage for what is left."""

    amount_usd: Decimal
    packs: tuple[tuple[TopUp, Decimal], ...]
    overage_units: Decimal
    overage_usd: Decimal


def cheapest_cover(
    excess: Decimal, overage_per_unit_usd: Decimal, topups: Sequence[TopUp]
) -> ExcessCover:
    """The cheapest mix of whole top-up packs and overage for `excess` units.

    Packs are tried largest first, each as none, as many as fit, or one more than fit; what
    no pack covers is paid as overage. (Agora: 540,000 over = 2 x 250k + 1 x 25k packs + 15,000
    at overage, $498.35, against $534.60 all overage.)
    """
    ordered = tuple(sorted(topups, key=lambda t: t.units, reverse=True))
    cover = _cover(excess, overage_per_unit_usd, ordered)
    assert cover is not None
    return cover


def cheapest_packs(excess: Decimal, topups: Sequence[TopUp]) -> ExcessCover | None:
    """The cheapest whole packs that cover all of `excess`, with no overage (a plan that
    suspends at quota: Agora's Free package runs on top-up minutes, then stops); None if the
    sheet sells no packs."""
    ordered = tuple(sorted(topups, key=lambda t: t.units, reverse=True))
    return _cover(excess, None, ordered)


def _cover(
    excess: Decimal, per_unit: Decimal | None, packs: tuple[TopUp, ...]
) -> ExcessCover | None:
    """Cheapest cover; `per_unit` None means what packs leave cannot be bought (None result)."""
    if excess <= 0:
        return ExcessCover(Decimal(0), (), Decimal(0), Decimal(0))
    best = (
        None if per_unit is None else ExcessCover(excess * per_unit, (), excess, excess * per_unit)
    )
    if not packs:
        return best
    first, rest = packs[0], packs[1:]
    fit = (excess / first.units).to_integral_value(rounding=ROUND_FLOOR)
    for count in sorted({Decimal(0), fit, fit + 1}):
        sub = _cover(max(excess - count * first.units, Decimal(0)), per_unit, rest)
        if sub is None:
            continue
        used = ((first, count),) if count else ()
        cost = count * first.price_usd + sub.amount_usd
        if best is None or cost < best.amount_usd:
            best = ExcessCover(cost, used + sub.packs, sub.overage_units, sub.overage_usd)
    return best
