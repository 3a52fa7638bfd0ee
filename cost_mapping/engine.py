"""The pricing engine: canonical quantities x one price sheet -> the cheapest eligible bill.

Pure: no clock, no files. Each meter's usage (`cost_mapping.usage`) is bought under every
purchase option the sheet offers (pay as you go, each plan): free allowances, then the plan's
included quota, then the excess at the meter's tier mode or as top-up packs, plus the plan fee
and minimum fees. A plan that suspends service at quota can still serve more when the sheet
sells top-up packs (Agora: top-ups can be bought on any package, the Free package included):
whole packs must then cover all of the excess. The cheapest option that can serve the usage
wins; every option considered is kept on the bill, and listed in its notes.
"""

from __future__ import annotations

from decimal import Decimal

from cost_mapping import tiers
from cost_mapping.allowance import (
    ExcessCover,
    cheapest_cover,
    cheapest_packs,
    deduct,
    share_in_order,
)
from cost_mapping.bill import ALLOWANCE, COMPLETE, FEE, NONE, PARTIAL, Bill, LineItem, Option
from cost_mapping.display import num, usd
from cost_mapping.provenance import FIXED
from cost_mapping.quantities import Quantities
from cost_mapping.sheet import Plan, PriceSheet, SheetTopUp
from cost_mapping.usage import Usage, measure, quantity

ZERO = Decimal(0)
ONE = Decimal(1)
PAYG = "pay as you go"


def _line(
    sheet: PriceSheet,
    u: Usage,
    row: str,
    desc: str,
    c: tiers.Charge,
    ref: str = "",
    kind: str = "charge",
    evidence: str = "",
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
        evidence=evidence or u.meter.evidence,
        gaps=gaps,
        provenance=u.provenance,
        kind=kind,
    )


def _fixed(
    sheet: PriceSheet, row: str, desc: str, amount: Decimal, why: str, ref: str, ev: str
) -> LineItem:
    return LineItem(
        f"{sheet.id}: {row}", desc, ONE, "month", amount, ONE, amount, why, ref, ev, (), FIXED, FEE
    )


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
        rate = charges[0].rate_usd / charges[0].per
        cover = cheapest_cover(charges[0].units, rate, [t.topup for t in packs])
        return _topped_up(sheet, u, charges[0], packs, cover)
    lines = []
    for c in charges:
        band = "" if u.meter.mode in ("per_unit", "block") else f" tier {c.band + 1}"
        lines.append(_line(sheet, u, f"meters.{u.meter.id}{band}", f"{name}{band}", c))
    return lines


def _topped_up(
    sheet: PriceSheet,
    u: Usage,
    overage: tiers.Charge | None,
    packs: list[SheetTopUp],
    cover: ExcessCover,
) -> list[LineItem]:
    """The excess as whole top-up packs, and overage for what they leave (if overage exists)."""
    lines = []
    for topup, count in cover.packs:
        c = tiers.Charge(
            0, count * topup.units, topup.price_usd, topup.units, count * topup.price_usd
        )
        ref = next(p.ref for p in packs if p.topup == topup)
        if overage is not None and overage.amount_usd is not None:
            why = f"all at overage: {usd(overage.amount_usd)}"
        else:
            why = "the plan suspends beyond its quota and its top-ups"
        desc = f"{num(count)} top-up pack(s) of {num(topup.units)} {u.meter.unit} ({why})"
        lines.append(_line(sheet, u, f"topups.{u.meter.id}", desc, c, ref))
    if cover.overage_units and overage is not None and overage.rate_usd is not None:
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
    sheet: PriceSheet, u: Usage, row: str, desc: str, units: Decimal, ref: str, ev: str
) -> LineItem:
    charge = tiers.Charge(0, units, ZERO, ONE, ZERO)
    return _line(sheet, u, row, desc, charge, ref, ALLOWANCE, ev)


def _meter_lines(
    sheet: PriceSheet, u: Usage, free: list[tuple[Decimal, int]], plan: Plan | None
) -> tuple[list[LineItem], Decimal]:
    """Lines for one meter under one option, and the units left beyond every allowance."""
    if u.missing:
        charge = tiers.Charge(0, ZERO, None, u.meter.per, None)
        return [
            _line(sheet, u, f"meters.{u.meter.id}", u.meter.description or u.meter.id, charge)
        ], ZERO
    lines, units, unit = [], u.units, u.meter.unit
    for covered, i in free:
        allowance = sheet.free[i]
        desc = f"free allowance: {num(allowance.units)} {unit} free a month, {num(u.units)} {unit} used"
        lines.append(
            _allowance_line(
                sheet, u, f"free[{i}]", desc, covered, allowance.ref, allowance.evidence
            )
        )
        units -= covered
    if plan is not None and plan.included.get(u.meter.id):
        included = plan.included[u.meter.id]
        covered, units = deduct(units, included)
        if covered:
            desc = f"included in {plan.name}: {num(included)} {unit} included, {num(u.units)} {unit} used"
            lines.append(
                _allowance_line(
                    sheet, u, f"plans.{plan.id}.included", desc, covered, plan.ref, plan.evidence
                )
            )
    return lines, units


def _suspended_excess(
    sheet: PriceSheet, u: Usage, left: Decimal, plan: Plan
) -> tuple[list[LineItem], str | None]:
    """Beyond a suspending plan's quota: whole top-up packs if the sheet sells them, else refused."""
    packs = [t for t in sheet.topups if t.meter == u.meter.id]
    cover = cheapest_packs(left, [t.topup for t in packs]) if packs else None
    if cover is None:
        return (
            [],
            f"{plan.name}: {num(left)} {u.meter.unit} beyond its quota, where service is suspended",
        )
    return _topped_up(sheet, u, None, packs, cover), None


def _option(
    sheet: PriceSheet, usages: dict[str, Usage], plan: Plan | None
) -> tuple[list[LineItem], str | None]:
    """Lines for one purchase option, or the reason it cannot serve this usage."""
    lines: list[LineItem] = []
    if plan is not None:
        desc = f"plan {plan.name}: monthly fee"
        lines.append(
            _fixed(
                sheet,
                f"plans.{plan.id}",
                desc,
                plan.fee_usd,
                "one plan per month",
                plan.ref,
                plan.evidence,
            )
        )
    free = _free_used(sheet, usages, plan)
    for meter_id, u in usages.items():
        meter_lines, left = _meter_lines(sheet, u, free[meter_id], plan)
        lines.extend(meter_lines)
        if left and plan is not None and plan.on_exceed == "suspend":
            more, refused = _suspended_excess(sheet, u, left, plan)
            if refused is not None:
                return lines, refused
            lines.extend(more)
        elif left:
            lines.extend(_excess(sheet, u, left, plan))
    if plan is not None:
        lines = _floor(
            sheet, lines, plan.minimum_usd, f"plans.{plan.id}.minimum", plan.ref, plan.evidence
        )
    floor = sheet.minimum_monthly_fee_usd
    return _floor(sheet, lines, floor, "minimum_monthly_fee", "sheet minimum", sheet.evidence), None


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
                    q.provenance,
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


def _notes(best: Bill, candidates: list[Bill], refused: list[str]) -> tuple[str, ...]:
    """The options considered: each that can serve the usage with its total, then the others."""
    notes = []
    if len(candidates) > 1:
        listed = "; ".join(
            f"{b.option} {usd(b.total_usd)}{' (chosen)' if b is best else ''}" for b in candidates
        )
        notes.append(f"cheapest of {len(candidates)} options that can serve this usage: {listed}")
    if refused:
        notes.append(f"{len(refused)} option(s) cannot serve it: " + "; ".join(refused))
    return tuple(notes)


def price(sheet: PriceSheet, quantities: Quantities) -> Bill:
    """The cheapest eligible bill for `quantities` under `sheet`; the other options become notes."""
    usages = {m.id: measure(m, quantities) for m in sheet.meters}
    options: list[Plan | None] = [None] if sheet.pay_as_you_go else []
    options.extend(sheet.plans)
    coverage = _coverage(usages)
    extra = _unpriced(sheet, quantities)
    candidates: list[Bill] = []
    refused: list[str] = []
    considered: list[Option] = []
    for plan in options:
        name = PAYG if plan is None else plan.name
        lines, reason = _option(sheet, usages, plan)
        if reason is not None:
            refused.append(reason)
            considered.append(Option(name, None, reason))
            continue
        candidates.append(Bill(sheet, name, (*lines, *extra), (), coverage))
        considered.append(Option(name, candidates[-1].total_usd))
    if not candidates:
        notes = (*refused, "no option of this sheet serves this usage")
        return Bill(sheet, "none", tuple(extra), notes, coverage, False, tuple(considered))
    best = min(candidates, key=_rank)
    if coverage == COMPLETE and _rank(best)[0]:
        coverage = PARTIAL
    notes = _notes(best, candidates, refused)
    return Bill(sheet, best.option, best.lines, notes, coverage, True, tuple(considered))
