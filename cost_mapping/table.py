"""Side by side: each sheet's monthly bill and unit costs, as text, CSV and JSON.

Sheets are grouped under category headings (chat, signalling and pub/sub, RTC, self-hosting,
AI); within a group complete totals come first, cheapest first, then lower bounds (totals with
gaps), then sheets with no option that fits. Each row shows both judgements of its total:
coverage (complete or lower bound) and provenance (measured, derived, assumed, or a mix).

Unit costs divide the monthly total by the profile's denominators: peak concurrent users, MAU,
thousands of messages sent, participant-minutes. A denominator is used only where it is what the
product sells (per 1,000 messages for messaging and self-hosting, per participant-minute for
real-time media) and only when it is known; otherwise the cell is blank.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cost_mapping.bill import COMPLETE, NONE, PARTIAL, Bill
from cost_mapping.display import num, percent, plain, usd
from cost_mapping.provenance import FIXED
from cost_mapping.quantities import Quantity
from cost_mapping.sensitivity import SheetSensitivity

PER_MESSAGE = ("chat", "signaling", "pubsub", "selfhost")
PER_MINUTE = ("rtc", "selfhost")
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("chat", ("chat",)),
    ("signalling and pub/sub", ("signaling", "pubsub")),
    ("RTC", ("rtc",)),
    ("self-hosting", ("selfhost",)),
    ("AI", ("ai",)),
)
COLUMNS = (
    "sheet",
    "category",
    "option",
    "monthly_usd",
    "usd_per_ccu_month",
    "usd_per_mau",
    "usd_per_1k_msgs",
    "usd_per_participant_min",
    "coverage",
    "evidence",
    "provenance",
)


@dataclass(frozen=True)
class Row:
    """One sheet's totals and unit costs (None where not applicable or unknown)."""

    bill: Bill
    monthly_usd: Decimal | None
    usd_per_ccu_month: Decimal | None
    usd_per_mau: Decimal | None
    usd_per_1k_msgs: Decimal | None
    usd_per_participant_min: Decimal | None


def _per(total: Decimal | None, q: Quantity | None, scale: Decimal = Decimal(1)) -> Decimal | None:
    if total is None or q is None or q.gaps or q.value == 0:
        return None
    return total / q.value * scale


def row(bill: Bill, quantities: Mapping[str, Quantity]) -> Row:
    total = bill.total_usd
    cat = bill.sheet.category
    return Row(
        bill=bill,
        monthly_usd=total,
        usd_per_ccu_month=_per(total, quantities.get("peak_ccu")),
        usd_per_mau=_per(total, quantities.get("mau")),
        usd_per_1k_msgs=_per(total, quantities.get("messages_sent"), Decimal(1000))
        if cat in PER_MESSAGE
        else None,
        usd_per_participant_min=_per(total, quantities.get("participant_minutes"))
        if cat in PER_MINUTE
        else None,
    )


def group_of(category: str) -> int:
    return next(i for i, (_, cats) in enumerate(GROUPS) if category in cats)


def rank(bill: Bill) -> tuple[int, int, Decimal]:
    """Sort key: category group, then complete / lower bound / no option fits / n/a, then total."""
    state = 2 if not bill.eligible else {COMPLETE: 0, PARTIAL: 1, NONE: 3}[bill.coverage]
    return group_of(bill.sheet.category), state, bill.total_usd or Decimal(0)


def ordered(rows: Sequence[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: rank(r.bill))


def coverage_label(bill: Bill) -> str:
    if not bill.eligible:
        return "no option fits"
    return {COMPLETE: "complete", NONE: "n/a for this run"}.get(bill.coverage, "lower bound (gaps)")


def provenance_label(bill: Bill) -> str:
    """One word when the total rests on one kind of quantity, else each kind's share of the
    usage-priced amount (fees follow the usage that chose the plan, so they are not a kind)."""
    if bill.coverage == NONE:
        return ""
    shares = {k: v for k, v in bill.usd_by_provenance.items() if v and k != FIXED}
    total = sum(shares.values(), Decimal(0))
    if len(shares) <= 1:
        return bill.provenance
    return ", ".join(f"{k} {percent(v, total)}" for k, v in shares.items())


HEAD = (
    "sheet",
    "option",
    "monthly",
    "/CCU-month",
    "/MAU",
    "/1k msgs",
    "/part-min",
    "evidence",
    "coverage",
    "provenance",
)


def _cells(r: Row) -> tuple[str, ...]:
    return (
        r.bill.sheet.id,
        r.bill.option,
        usd(r.monthly_usd),
        _cell(r.usd_per_ccu_month),
        _cell(r.usd_per_mau),
        _cell(r.usd_per_1k_msgs),
        _cell(r.usd_per_participant_min),
        r.bill.evidence,
        coverage_label(r.bill),
        provenance_label(r.bill),
    )


def render(rows: Sequence[Row]) -> str:
    """Fixed-width tables under category headings; sheets that do not apply named once; every
    gap once."""
    shown = [r for r in ordered(rows) if r.bill.coverage != NONE]
    cells = [_cells(r) for r in shown]
    widths = [max(len(x[i]) for x in (HEAD, *cells)) for i in range(len(HEAD))]

    def line(x: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)).rstrip()

    lines = [line(HEAD), "  ".join("-" * w for w in widths)]
    for i, (title, _) in enumerate(GROUPS):
        group = [
            c for r, c in zip(shown, cells, strict=True) if group_of(r.bill.sheet.category) == i
        ]
        if group:
            lines += [f"{title}:", *(line(c) for c in group)]
    absent = [r.bill.sheet.id for r in ordered(rows) if r.bill.coverage == NONE]
    if absent:
        lines += [
            "",
            f"n/a for this run (nothing they bill was measured; see gaps): {', '.join(absent)}",
        ]
    notes = _footnotes(rows)
    if notes:
        lines += ["", "gaps (totals marked lower bound are lower bounds):", *notes]
    return "\n".join(lines) + "\n"


def _footnotes(rows: Sequence[Row]) -> list[str]:
    """Each gap once, with the sheets it affects."""
    sheets: dict[str, list[str]] = {}
    for r in ordered(rows):
        for gap in (*r.bill.gaps, *_refusals(r.bill)):
            sheets.setdefault(gap, []).append(r.bill.sheet.id)
    return [f"  {gap}  [{', '.join(ids)}]" for gap, ids in sheets.items()]


def _refusals(bill: Bill) -> tuple[str, ...]:
    return () if bill.eligible else bill.notes


def _cell(value: Decimal | None) -> str:
    return "" if value is None else usd(value, 4)


def render_sensitivity(table: Sequence[SheetSensitivity]) -> str:
    """One line per sheet: the input whose ±20 % moves its total most, and by how much."""
    lines = ["what moves each total most (one input at a time, -20 % / +20 %):"]
    for s in table:
        d = s.driver
        if d is None:
            lines.append(f"  {s.sheet_id}: {usd(s.base_usd)}, no single input moves it (flat fee)")
            continue
        lines.append(
            f"  {s.sheet_id}: {d.input} [{d.kind}] {num(d.base_value)} -> {num(d.low_value)} / "
            f"{num(d.high_value)}: {usd(d.low_usd)} / {usd(d.high_usd)} (base {usd(s.base_usd)}, "
            f"swing {usd(d.swing_usd)})"
        )
    return "\n".join(lines) + "\n"


def to_csv(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow((*COLUMNS, "gaps"))
    for r in ordered(rows):
        writer.writerow(
            (
                r.bill.sheet.id,
                r.bill.sheet.category,
                r.bill.option if r.bill.coverage != NONE else "",
                plain(r.monthly_usd),
                plain(r.usd_per_ccu_month),
                plain(r.usd_per_mau),
                plain(r.usd_per_1k_msgs),
                plain(r.usd_per_participant_min),
                r.bill.coverage if r.bill.eligible else "no option fits",
                r.bill.evidence,
                r.bill.provenance if r.bill.coverage != NONE else "",
                "; ".join((*r.bill.gaps, *_refusals(r.bill))),
            )
        )
    return buf.getvalue()


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def bill_json(bill: Bill) -> dict[str, Any]:
    s = bill.sheet
    return {
        "sheet": s.id,
        "vendor": s.vendor,
        "product": s.product,
        "category": s.category,
        "currency": s.currency,
        "effective_date": None if s.effective_date is None else s.effective_date.isoformat(),
        "source_url": s.source_url,
        "retrieved_date": s.retrieved_date.isoformat(),
        "checks": [
            {
                "url": c.url,
                "read_date": c.read_date.isoformat(),
                "says": c.says,
                "outcome": c.outcome,
            }
            for c in s.checks
        ],
        "evidence": bill.evidence,
        "option": bill.option,
        "options": [
            {"name": o.name, "total_usd": _dec(o.total_usd), "refused": o.refused}
            for o in bill.options
        ],
        "eligible": bill.eligible,
        "coverage": bill.coverage,
        "provenance": bill.provenance,
        "usd_by_provenance": {k: str(v) for k, v in bill.usd_by_provenance.items()},
        "total_usd": _dec(bill.total_usd),
        "notes": list(bill.notes),
        "gaps": list(bill.gaps),
        "lines": [
            {
                "row": li.row,
                "description": li.description,
                "kind": li.kind,
                "quantity": str(li.quantity),
                "unit": li.unit,
                "rate_usd": _dec(li.rate_usd),
                "per": str(li.per),
                "amount_usd": _dec(li.amount_usd),
                "derivation": li.derivation,
                "ref": li.ref,
                "evidence": li.evidence,
                "coverage": li.coverage,
                "provenance": li.provenance,
                "gaps": list(li.gaps),
            }
            for li in bill.lines
        ],
    }


def sensitivity_json(table: Sequence[SheetSensitivity]) -> dict[str, Any]:
    """Per sheet: the driver and every swing, as exact decimals (a tornado chart's data)."""
    return {
        s.sheet_id: {
            "base_usd": str(s.base_usd),
            "driver": None if s.driver is None else s.driver.input,
            "swings": [
                {
                    "input": w.input,
                    "kind": w.kind,
                    "base_value": str(w.base_value),
                    "low_value": str(w.low_value),
                    "high_value": str(w.high_value),
                    "low_usd": str(w.low_usd),
                    "high_usd": str(w.high_usd),
                    "swing_usd": str(w.swing_usd),
                }
                for w in s.swings
                if w.swing_usd
            ],
        }
        for s in table
    }


def to_json(
    rows: Sequence[Row],
    quantities: Mapping[str, Quantity],
    context: Mapping[str, Any],
    sensitivity: Sequence[SheetSensitivity] = (),
) -> str:
    """Everything behind the table: context (run, profile), quantities, bills with every line,
    and the sensitivity of each total."""
    doc = {
        "schema": "imbench.cost/1",
        **context,
        "quantities": {
            q.name: {
                "value": str(q.value),
                "unit": q.unit,
                "derivation": q.derivation,
                "provenance": q.provenance,
                "gaps": list(q.gaps),
            }
            for q in quantities.values()
        },
        "rows": [
            {
                "sheet": r.bill.sheet.id,
                "monthly_usd": _dec(r.monthly_usd),
                "usd_per_ccu_month": _dec(r.usd_per_ccu_month),
                "usd_per_mau": _dec(r.usd_per_mau),
                "usd_per_1k_msgs": _dec(r.usd_per_1k_msgs),
                "usd_per_participant_min": _dec(r.usd_per_participant_min),
                "coverage": r.bill.coverage,
                "provenance": r.bill.provenance,
            }
            for r in ordered(rows)
        ],
        "bills": [bill_json(r.bill) for r in ordered(rows)],
        "sensitivity": sensitivity_json(sensitivity),
    }
    return json.dumps(doc, indent=2) + "\n"
