"""One bill as text, every line with its provenance: what `imbench price` prints."""

from __future__ import annotations

from cost_mapping.bill import COMPLETE, NONE, Bill, LineItem
from cost_mapping.display import num, rate, usd


def _rate(li: LineItem) -> str:
    if not li.rate_usd:
        return ""
    per = li.unit if li.per == 1 else f"{num(li.per)} {li.unit}"
    return f" @ {rate(li.rate_usd)} per {per}"


def render_bill(bill: Bill) -> str:
    """One bill with every line and its provenance, for `imbench price`."""
    s = bill.sheet
    out = [
        f"{s.vendor} — {s.product}  [{s.id}]",
        f"  prices effective {s.effective_date}, retrieved {s.retrieved_date}, evidence {s.evidence}",
        f"  source: {s.source_url}",
        f"  option: {bill.option}"
        + ("" if bill.eligible else " (no option of this sheet serves this usage)"),
    ]
    out += [f"  note: {n}" for n in bill.notes]
    for li in bill.lines:
        out.append(
            f"  {usd(li.amount_usd):>14}  {li.description}: {num(li.quantity)} {li.unit}{_rate(li)}"
        )
        out.append(f"                  row {li.row}; ref {li.ref or '-'} [{li.evidence}]")
        out.append(f"                  from {li.derivation}")
        out += [f"                  GAP: {g}" for g in li.gaps]
    if s.notes:
        out.append(f"  sheet notes: {s.notes}")
    label = {COMPLETE: "total", NONE: "total (nothing applies)"}.get(
        bill.coverage, "total (lower bound: gaps above)"
    )
    out.append(f"  {usd(bill.total_usd):>14}  {label} per month")
    return "\n".join(out) + "\n"
