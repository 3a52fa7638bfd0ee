"""One bill as text, every line with its provenance and coverage: what `imbench price` prints."""

from __future__ import annotations

from cost_mapping.bill import COMPLETE, NONE, Bill, LineItem
from cost_mapping.display import num, rate, usd


def _rate(li: LineItem) -> str:
    if not li.rate_usd:
        return ""
    per = li.unit if li.per == 1 else f"{num(li.per)} {li.unit}"
    return f" @ {rate(li.rate_usd)} per {per}"


def _dates(bill: Bill) -> str:
    s = bill.sheet
    effective = (
        f"prices effective {s.effective_date} (the vendor's date)"
        if s.effective_date is not None
        else "effective date not stated by the vendor"
    )
    return f"  {effective}; figures captured {s.retrieved_date}, evidence {s.evidence}"


def render_bill(bill: Bill) -> str:
    """One bill with every line and its provenance, for `imbench price`."""
    s = bill.sheet
    out = [
        f"{s.vendor} — {s.product}  [{s.id}]",
        _dates(bill),
        f"  source: {s.source_url}",
    ]
    out += [f"  checked {c.read_date}: {c.url} ({c.outcome}): {c.says}" for c in s.checks]
    out.append(
        f"  option: {bill.option}"
        + ("" if bill.eligible else " (no option of this sheet serves this usage)")
    )
    out += [f"  note: {n}" for n in bill.notes]
    for li in bill.lines:
        out.append(
            f"  {usd(li.amount_usd):>14}  {li.description}: {num(li.quantity)} {li.unit}{_rate(li)}"
        )
        shape = "lower bound" if li.gaps else "complete"
        out.append(
            f"                  row {li.row}; ref {li.ref or '-'} [{li.evidence}]; "
            f"{li.provenance}, {shape}"
        )
        out.append(f"                  from {li.derivation}")
        out += [f"                  GAP: {g}" for g in li.gaps]
    if s.notes:
        out.append(f"  sheet notes: {s.notes}")
    label = {COMPLETE: "total", NONE: "total (nothing applies)"}.get(
        bill.coverage, "total (lower bound: gaps above)"
    )
    provenance = "" if bill.coverage == NONE else f" [{bill.provenance}]"
    out.append(f"  {usd(bill.total_usd):>14}  {label} per month{provenance}")
    return "\n".join(out) + "\n"
