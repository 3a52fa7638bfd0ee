"""A run priced under a usage profile against every shipped sheet, through cost_mapping's own
API (derive the quantities, price each sheet, the table's rows), as `imbench cost` does — and
the report's cost blocks: bars of cost per concurrent user grouped by category, the unit-cost
table, the quantities and every line item with its provenance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cost_mapping import table
from cost_mapping.bill import NONE, PARTIAL, Bill
from cost_mapping.derive import bitrate_note, derive
from cost_mapping.display import num, rate, usd
from cost_mapping.engine import price
from cost_mapping.profile import UsageProfile, load_profile
from cost_mapping.quantities import Quantity
from cost_mapping.sheet import CATEGORIES
from cost_mapping.sheet_load import load_sheets
from cost_mapping.summary import read_summary
from harness.report import charts
from harness.report.document import Chart, Row, Table, Text


@dataclass(frozen=True)
class RunCosts:
    profile: UsageProfile
    quantities: Mapping[str, Quantity]
    rows: tuple[table.Row, ...]
    """One per shipped sheet, by category, then cheapest first (as `imbench cost` orders them)."""
    note: str | None


def run_costs(run_dir: Path, profile_path: Path | None) -> RunCosts:
    """Price the run in `run_dir` under the profile (the shipped one when None)."""
    summary = read_summary(run_dir)
    profile = load_profile(profile_path)
    quantities = derive(profile, summary)
    bills = [price(sheet, quantities) for sheet in load_sheets(None)]
    bills.sort(
        key=lambda b: (CATEGORIES.index(b.sheet.category), b.total_usd is None, b.total_usd or 0)
    )
    rows = tuple(table.row(b, quantities) for b in bills)
    return RunCosts(profile, quantities, rows, bitrate_note(profile, summary))


def lower_bound(bill: Bill) -> bool:
    return bill.coverage == PARTIAL


def money(row: table.Row, value: Decimal | None) -> str:
    """A unit cost as the cost table writes it, `≥` before a lower bound, blank when none."""
    if value is None:
        return ""
    text = usd(value, 4)
    return f"≥ {text}" if lower_bound(row.bill) else text


def coverage_text(bill: Bill) -> str:
    if not bill.eligible:
        return "no option fits"
    return {NONE: "n/a for this run", PARTIAL: "partial: lower bound"}.get(
        bill.coverage, bill.coverage
    )


def unit_cost_table(costs: RunCosts) -> Table:
    rows = []
    for r in costs.rows:
        if r.bill.coverage == NONE:
            continue
        s = r.bill.sheet
        monthly = usd(r.monthly_usd)
        rows.append(
            Row(
                (
                    s.category,
                    s.id,
                    f"{s.vendor} {s.product}",
                    r.bill.option,
                    f"≥ {monthly}"
                    if lower_bound(r.bill) and r.monthly_usd is not None
                    else monthly,
                    money(r, r.usd_per_ccu_month),
                    money(r, r.usd_per_mau),
                    money(r, r.usd_per_1k_msgs),
                    money(r, r.usd_per_participant_min),
                    r.bill.evidence,
                    coverage_text(r.bill),
                ),
                key=s.id,
                flagged=r.bill.coverage != "complete" or not r.bill.eligible,
            )
        )
    head = (
        "category",
        "sheet",
        "product",
        "option",
        "monthly",
        "/CCU-month",
        "/MAU",
        "/1k msgs",
        "/part-min",
        "evidence",
        "coverage",
    )
    return Table(
        "Cost per month and per unit, by category", head, tuple(rows), True, (4, 5, 6, 7, 8)
    )


def cost_bars(costs: RunCosts) -> list[charts.CostBar]:
    return [
        charts.CostBar(
            r.bill.sheet.id,
            r.bill.sheet.category,
            float(r.usd_per_ccu_month),
            lower_bound(r.bill),
            money(r, r.usd_per_ccu_month),
        )
        for r in costs.rows
        if r.usd_per_ccu_month is not None
    ]


def quantity_table(costs: RunCosts) -> Table:
    rows = tuple(
        Row((q.name, num(q.value), q.unit, q.derivation, "; ".join(q.gaps)), key=q.name)
        for q in costs.quantities.values()
    )
    head = ("quantity", "per month", "unit", "derived from", "gaps")
    return Table("Monthly quantities: the run's figures × the profile", head, rows, numeric=(1,))


def _rate(rate_usd: Decimal | None, per: Decimal) -> str:
    if rate_usd is None:
        return "—"
    return rate(rate_usd) if per == 1 else f"{rate(rate_usd)} per {num(per)}"


def line_item_table(bill: Bill) -> Table:
    s = bill.sheet
    rows = tuple(
        Row(
            (
                li.row,
                li.description,
                f"{num(li.quantity)} {li.unit}",
                _rate(li.rate_usd, li.per),
                usd(li.amount_usd),
                li.derivation,
                li.ref,
                li.evidence,
                "; ".join(li.gaps),
            ),
            key=f"{s.id}/{li.row}",
            flagged=bool(li.gaps),
        )
        for li in bill.lines
    )
    caption = (
        f"{s.id} — {s.vendor} {s.product} ({s.category}), {bill.option}: total "
        f"{usd(bill.total_usd)} ({coverage_text(bill)}); prices effective {s.effective_date}, "
        f"from {s.source_url}, retrieved {s.retrieved_date}, evidence {s.evidence}"
    )
    head = (
        "sheet row",
        "charge",
        "quantity",
        "rate",
        "amount",
        "derivation",
        "price ref",
        "evidence",
        "gaps",
    )
    return Table(caption, head, rows, numeric=(2, 3, 4))


def gap_table(costs: RunCosts) -> Table | None:
    """Each gap once (what a partial total lacks, why no option fits), with the sheets it hits."""
    sheets: dict[str, list[str]] = {}
    for r in costs.rows:
        for gap in (*r.bill.gaps, *(() if r.bill.eligible else r.bill.notes)):
            sheets.setdefault(gap, []).append(r.bill.sheet.id)
    if not sheets:
        return None
    rows = tuple(Row((gap, ", ".join(ids)), key=gap, flagged=True) for gap, ids in sheets.items())
    caption = "Gaps: what the totals marked ≥ (lower bounds) and the n/a sheets lack"
    return Table(caption, ("gap", "sheets"), rows)


def cost_blocks(costs: RunCosts, label: str, key: str) -> list[Chart | Table | Text]:
    p = costs.profile
    blocks: list[Chart | Table | Text] = [
        Text(
            f"Run {label} under usage profile {p.name} ({p.source}): {num(p.peak_ccu)} peak "
            f"concurrent users, {num(p.mau)} MAU, per month. Totals marked ≥ are lower bounds.",
            in_summary=True,
        )
    ]
    if costs.note:
        blocks.append(Text(costs.note, in_summary=True, warning=True))
    bars = cost_bars(costs)
    if bars:
        title = f"Cost per concurrent user per month\n{label}"
        svg = charts.cost_chart(bars, title, f"{key}-cost")
        blocks.append(Chart(svg, "USD per peak concurrent user per month, per sheet, by category."))
    blocks.append(unit_cost_table(costs))
    absent = [r.bill.sheet.id for r in costs.rows if r.bill.coverage == NONE]
    if absent:
        blocks.append(
            Text(f"n/a for this run (nothing they bill was measured): {', '.join(absent)}.", True)
        )
    gaps = gap_table(costs)
    if gaps is not None:
        blocks.append(gaps)
    blocks.append(quantity_table(costs))
    blocks += [line_item_table(r.bill) for r in costs.rows if r.bill.coverage != NONE]
    return blocks
