"""The pricing engine: canonical quantities x one price sheet -> the cheapest eligible bill.

Pure: no clock, no files. Each meter's usage (`cost_mapping.usage`) is bought under every
purchase option the sheet offers (pay as you go, each plan): free allowances, then the plan's
included quota, then the excess at the meter's tier mode or as top-up packs, plus the plan fee
and minimum fees. A plan that suspends service at quota cannot serve usage beyond it. The
cheapest option that can serve the usage wins; the others become notes on the bill.
"""

from __future__ import annotations

from decimal import Decimal

from cost_mapping import tiers
from cost_mapping.allowance import cheapest_cover, deduct, share_in_order
from cost_mapping.bill import COMPLETE, NONE, PARTIAL, Bill, LineItem
from cost_mapping.display import num, usd
from cost_mapping.quantities import Quantities
from cost_mapping.sheet import Plan, PriceSheet, SheetTopUp
from cost_mapping.usage import Usage, measure, quantity

ZERO = Decimal(0)
ONE = Decimal(1)
PAYG = "pay as you go"


def _line(
    sheet: PriceSheet, u: Usage, row: str, desc: str, c: tiers.Charge, ref: str = ""
) -> LineItem:
    unpublished = (
        f"{u.meter.id}: rate not published for {num(c.units)} {u.meter.unit} (contact sales)"
    )
    gaps = u.gaps + ((unpublished,) if c.amount_usd is None and c.units else ())
    return LineItem(
        row=f"{sheet.id}: {row}",
        description=desc,
        quantity=c.units,
        unit=u.meter.unit,
        rate_usd=c.rate_usd,
        per=c.per,
        amount_usd=c.amount_usd,
        derivation=u.derivation,
        ref=ref or u.meter.ref,
        evidence=u.meter.evidence,
        gaps=gaps,
    )


def _fixed(
    sheet: PriceSheet, row: str, desc: str, amount: Decimal, why: str, ref: str, ev: str
) -> LineItem:
    return LineItem(f"{sheet.id}: {row}", desc, ONE, "month", amount, ONE, amount, why, ref, ev)


def _charges(u: Usage, units: Decimal, plan: Plan | None) -> tuple[tiers.Charge, ...]:
    m = u.meter
    if m.mode == "graduated":
        return tiers.graduated(units, m.bands, m.per)
    if m.mode == "volume":
        return (tiers.volume(units, m.bands, m.per),)
    if m.mode == "block":
        assert m.block_units is not None
        return (tiers.blocks(units, m.block_units, m.rate_usd),)
    rate = plan.rates.get(m.id) if plan is not None else None
    for fallback in (u.class_rate_usd, m.rate_usd):
        rate = fallback if rate is None else rate
    return (tiers.per_unit(units, rate, m.per),)


def _excess(sheet: PriceSheet, u: Usage, units: Decimal, plan: Plan | None) -> list[LineItem]:
    """Lines for units beyond allowances: by tier mode, or top-up packs where cheaper."""
    name = u.meter.description or u.meter.id
    charges = _charges(u, units, plan)
    packs = [t for t in sheet.topups if t.meter == u.meter.id]
    if packs and u.meter.mode == "per_unit" and charges[0].rate_usd is not None:
        return _topped_up(sheet, u, charges[0], packs)
    lines = []
    for c in charges:
        band = "" if u.meter.mode in ("per_unit", "block") else f" tier {c.band + 1}"
        lines.append(_line(sheet, u, f"meters.{u.meter.id}{band}", f"{name}{band}", c))
    return lines


def _topped_up(
    sheet: PriceSheet, u: Usage, overage: tiers.Charge, packs: list[SheetTopUp]
) -> list[LineItem]:
    """The excess as the cheapest mix of whole top-up packs and overage."""
    assert overage.rate_usd is not None and overage.amount_usd is not None
    cover = cheapest_cover(overage.units, overage.rate_usd / overage.per, [t.topup for t in packs])
    lines = []
    for topup, count in cover.packs:
        c = tiers.Charge(
            0, count * topup.units, topup.price_usd, topup.units, count * topup.price_usd
        )
        ref = next(p.ref for p in packs if p.topup == topup)
        desc = f"{num(count)} top-up pack(s) of {num(topup.units)} (all at overage: {usd(overage.amount_usd)})"
        lines.append(_line(sheet, u, f"topups.{u.meter.id}", desc, c, ref))
    if cover.overage_units:
        c = tiers.per_unit(cover.overage_units, overage.rate_usd, overage.per)
        name = u.meter.description or u.meter.id
        lines.append(
            _line(sheet, u, f"meters.{u.meter.id}", f"{name} (overage)" if lines else name, c)
        )
    return lines


def _free_used(
    sheet: PriceSheet, usages: dict[str, Usage], plan: Plan | None
) -> dict[str, list[tuple[Decimal, int]]]:
    """Per meter: (units covered, allowance index) for each free allowance that applies."""
    used: dict[str, list[tuple[Decimal, int]]] = {m: [] for m in usages}
    left = {m: u.units for m, u in usages.items()}
    for i, free in enumerate(sheet.free):
        if plan is not None and free.lost_with_plan:
            continue
        covered = share_in_order(free.units, [left[m] for m in free.meters])
        for meter_id, units in zip(free.meters, covered, strict=True):
            if units:
                used[meter_id].append((units, i))
                left[meter_id] -= units
    return used


def _allowance_line(
    sheet: PriceSheet, u: Usage, row: str, desc: str, units: Decimal, ref: str
) -> LineItem:
    return _line(sheet, u, row, desc, tiers.Charge(0, units, ZERO, ONE, ZERO), ref)


def _meter_lines(
    sheet: PriceSheet, u: Usage, free: list[tuple[Decimal, int]], plan: Plan | None
) -> tuple[list[LineItem], Decimal]:
    """Lines for one meter under one option, and the units left beyond every allowance."""
    if u.missing:
        return [
            _line(
                sheet,
                u,
                f"meters.{u.meter.id}",
                u.meter.description or u.meter.id,
                tiers.Charge(0, ZERO, None, u.meter.per, None),
            )
        ], ZERO
    lines, units = [], u.units
    for covered, i in free:
        lines.append(
            _allowance_line(sheet, u, f"free[{i}]", "free allowance", covered, sheet.free[i].ref)
        )
        units -= covered
    if plan is not None and plan.included.get(u.meter.id):
        covered, units = deduct(units, plan.included[u.meter.id])
        if covered:
            desc = f"included in {plan.name}"
            lines.append(
                _allowance_line(sheet, u, f"plans.{plan.id}.included", desc, covered, plan.ref)
            )
    return lines, units


def _option(
    sheet: PriceSheet, usages: dict[str, Usage], plan: Plan | None
) -> tuple[list[LineItem], str | None]:
    """Lines for one purchase option, or the reason it cannot serve this usage."""
    lines: list[LineItem] = []
    if plan is not None:
        why = "one plan per month"
        lines.append(
            _fixed(
                sheet,
                f"plans.{plan.id}",
                f"plan {plan.name}: monthly fee",
                plan.fee_usd,
                why,
                plan.ref,
                plan.evidence,
            )
        )
    free = _free_used(sheet, usages, plan)
    for meter_id, u in usages.items():
        meter_lines, left = _meter_lines(sheet, u, free[meter_id], plan)
        lines.extend(meter_lines)
        if left and plan is not None and plan.on_exceed == "suspend":
            return (
                lines,
                f"{plan.name}: {num(left)} {u.meter.unit} beyond its quota, where service is suspended",
            )
        if left:
            lines.extend(_excess(sheet, u, left, plan))
    if plan is not None:
        lines = _floor(
            sheet, lines, plan.minimum_usd, f"plans.{plan.id}.minimum", plan.ref, plan.evidence
        )
    return _floor(
        sheet,
        lines,
        sheet.minimum_monthly_fee_usd,
        "minimum_monthly_fee",
        "sheet minimum",
        sheet.evidence,
    ), None


def _floor(
    sheet: PriceSheet, lines: list[LineItem], floor: Decimal, row: str, ref: str, ev: str
) -> list[LineItem]:
    """Raise the charges so far to a minimum monthly amount."""
    total = sum((li.amount_usd or ZERO for li in lines), ZERO)
    if total >= floor:
        return lines
    why = f"charges {usd(total)} are below the minimum {usd(floor)}"
    return [
        *lines,
        _fixed(sheet, row, f"top-up to the minimum {usd(floor)}", floor - total, why, ref, ev),
    ]


def _unpriced(sheet: PriceSheet, quantities: Quantities) -> list[LineItem]:
    out = []
    for name, reason in sheet.unpriced.items():
        q = quantity(quantities, name)
        if q.value:
            out.append(
                LineItem(
                    f"{sheet.id}: unpriced.{name}",
                    f"{name}: not priced",
                    q.value,
                    q.unit,
                    None,
                    ONE,
                    None,
                    q.derivation,
                    "",
                    sheet.evidence,
                    (f"{name}: {reason}",),
                )
            )
    return out


def _coverage(usages: dict[str, Usage]) -> str:
    if all(u.missing for u in usages.values()):
        return NONE
    return PARTIAL if any(u.gaps for u in usages.values()) else COMPLETE


def _rank(bill: Bill) -> tuple[bool, Decimal]:
    unknown = any(li.amount_usd is None and li.quantity for li in bill.lines)
    return unknown, bill.total_usd or ZERO


def price(sheet: PriceSheet, quantities: Quantities) -> Bill:
    """The cheapest eligible bill for `quantities` under `sheet`; the other options become notes."""
    usages = {m.id: measure(m, quantities) for m in sheet.meters}
    options: list[Plan | None] = [None] if sheet.pay_as_you_go else []
    options.extend(sheet.plans)
    coverage = _coverage(usages)
    extra = _unpriced(sheet, quantities)
    candidates: list[Bill] = []
    refused: list[str] = []
    for plan in options:
        lines, reason = _option(sheet, usages, plan)
        if reason is not None:
            refused.append(reason)
            continue
        name = PAYG if plan is None else plan.name
        candidates.append(Bill(sheet, name, (*lines, *extra), (), coverage))
    if not candidates:
        notes = (*refused, "no option of this sheet serves this usage")
        return Bill(sheet, "none", tuple(extra), notes, coverage, eligible=False)
    best = min(candidates, key=_rank)
    others = tuple(f"{b.option}: {usd(b.total_usd)}" for b in candidates if b is not best)
    notes = (
        (f"cheapest of {len(candidates)} option(s)", *others, *refused) if len(options) > 1 else ()
    )
    if coverage == COMPLETE and _rank(best)[0]:
        coverage = PARTIAL
    return Bill(sheet, best.option, best.lines, notes, coverage)
