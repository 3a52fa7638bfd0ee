"""Side by side: each sheet's monthly bill and unit costs, as text, CSV and JSON.

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

from cost_mapping.bill import COMPLETE, NONE, Bill
from cost_mapping.display import plain, usd
from cost_mapping.quantities import Quantity

PER_MESSAGE = ("chat", "signaling", "pubsub", "selfhost")
PER_MINUTE = ("rtc", "selfhost")
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


def _status(bill: Bill) -> str:
    if not bill.eligible:
        return "no option fits"
    return {COMPLETE: "complete", NONE: "n/a for this run"}.get(
        bill.coverage, "partial: lower bound"
    )


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
        _status(r.bill),
    )


def render(rows: Sequence[Row]) -> str:
    """A fixed-width table of the sheets that apply; the others named once; every gap once."""
    body = [_cells(r) for r in rows if r.bill.coverage != NONE]
    widths = [max(len(x[i]) for x in (HEAD, *body)) for i in range(len(HEAD))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)).rstrip()
        for x in (HEAD, *body)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    absent = [r.bill.sheet.id for r in rows if r.bill.coverage == NONE]
    if absent:
        lines += [
            "",
            f"n/a for this run (nothing they bill was measured; see gaps): {', '.join(absent)}",
        ]
    notes = _footnotes(rows)
    if notes:
        lines += ["", "gaps (totals marked partial are lower bounds):", *notes]
    return "\n".join(lines) + "\n"


def _footnotes(rows: Sequence[Row]) -> list[str]:
    """Each gap once, with the sheets it affects."""
    sheets: dict[str, list[str]] = {}
    for r in rows:
        for gap in (*r.bill.gaps, *_refusals(r.bill)):
            sheets.setdefault(gap, []).append(r.bill.sheet.id)
    return [f"  {gap}  [{', '.join(ids)}]" for gap, ids in sheets.items()]


def _refusals(bill: Bill) -> tuple[str, ...]:
    return () if bill.eligible else bill.notes


def _cell(value: Decimal | None) -> str:
    return "" if value is None else usd(value, 4)


def to_csv(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow((*COLUMNS, "gaps"))
    for r in rows:
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
        "effective_date": s.effective_date.isoformat(),
        "source_url": s.source_url,
        "retrieved_date": s.retrieved_date.isoformat(),
        "evidence": bill.evidence,
        "option": bill.option,
        "eligible": bill.eligible,
        "coverage": bill.coverage,
        "total_usd": _dec(bill.total_usd),
        "notes": list(bill.notes),
        "gaps": list(bill.gaps),
        "lines": [
            {
                "row": li.row,
                "description": li.description,
                "quantity": str(li.quantity),
                "unit": li.unit,
                "rate_usd": _dec(li.rate_usd),
                "per": str(li.per),
                "amount_usd": _dec(li.amount_usd),
                "derivation": li.derivation,
                "ref": li.ref,
                "evidence": li.evidence,
                "gaps": list(li.gaps),
            }
            for li in bill.lines
        ],
    }


def to_json(
    rows: Sequence[Row], quantities: Mapping[str, Quantity], context: Mapping[str, Any]
) -> str:
    """Everything behind the table: context (run, profile), quantities, bills with every line."""
    doc = {
        "schema": "imbench.cost/1",
        **context,
        "quantities": {
            q.name: {
                "value": str(q.value),
                "unit": q.unit,
                "derivation": q.derivation,
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
            }
            for r in rows
        ],
        "bills": [bill_json(r.bill) for r in rows],
    }
    return json.dumps(doc, indent=2) + "\n"
