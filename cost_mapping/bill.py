"""A bill: the line items one price sheet charges for one month of usage, with provenance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cost_mapping.sheet import PriceSheet, weakest

COMPLETE, PARTIAL, NONE = "complete", "partial", "none"


@dataclass(frozen=True)
class LineItem:
    """One charge: `quantity` billing units at `rate_usd` per `per` units make `amount_usd`.

    `derivation` says where the quantity came from (which run figure times which profile
    value); `row` is the sheet entry and `ref` the reference/prices.csv row behind the rate.
    `amount_usd` is None when the line cannot be priced; `gaps` says why.
    """

    row: str
    description: str
    quantity: Decimal
    unit: str
    rate_usd: Decimal | None
    per: Decimal
    amount_usd: Decimal | None
    derivation: str
    ref: str
    evidence: str
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bill:
    """The cheapest eligible way to buy this usage from one sheet (`option`: plan or pay as you go)."""

    sheet: PriceSheet
    option: str
    lines: tuple[LineItem, ...]
    notes: tuple[str, ...]
    coverage: str
    """`complete`; `partial` (some quantities missing: total is a lower bound); `none` (nothing applies)."""
    eligible: bool = True

    @property
    def total_usd(self) -> Decimal | None:
        """Sum of the priced lines; None when nothing could be priced or no option serves the usage."""
        if not self.eligible or self.coverage == NONE:
            return None
        return sum((li.amount_usd for li in self.lines if li.amount_usd is not None), Decimal(0))

    @property
    def gaps(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for line in self.lines:
            for gap in line.gaps:
                seen[gap] = None
        return tuple(seen)

    @property
    def evidence(self) -> str:
        """The weakest evidence behind any charged line (or the sheet's own tag)."""
        tags = [li.evidence for li in self.lines if li.amount_usd]
        return weakest(tags or [self.sheet.evidence])
