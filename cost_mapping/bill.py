"""A bill: the line items one price sheet charges for one month of usage, with provenance.

Two separate judgements go with every line and every total:
- coverage: is every billed meter priced (`complete`), or are parts missing so the total is a
  lower bound (`partial`), or does nothing the sheet bills apply (`none`);
- provenance: were the quantities measured by the run, derived from a measurement and the
  profile, or assumed from the profile alone (`cost_mapping.provenance`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cost_mapping.provenance import FIXED, KINDS, combine
from cost_mapping.sheet import PriceSheet, weakest

COMPLETE, PARTIAL, NONE = "complete", "partial", "none"
CHARGE, ALLOWANCE, FEE = "charge", "allowance", "fee"
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineItem:
    """One charge: `quantity` billing units at `rate_usd` per `per` units make `amount_usd`.

    `derivation` says where the quantity came from (which run figure times which profile
    value); `row` is the sheet entry and `ref` the reference/prices.csv row behind the rate.
    `amount_usd` is None when the line cannot be priced; `gaps` says why (then the line is a
    lower bound). `kind` is `charge`, `allowance` (free or included units, $0) or `fee`.
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
    provenance: str = FIXED
    kind: str = CHARGE

    @property
    def coverage(self) -> str:
        return PARTIAL if self.gaps else COMPLETE


@dataclass(frozen=True)
class Option:
    """One way to buy the usage: its name, its total, or why it cannot serve the usage."""

    name: str
    total_usd: Decimal | None
    refused: str | None = None


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
    options: tuple[Option, ...] = ()
    """Every purchase option considered, the chosen one included."""

    @property
    def total_usd(self) -> Decimal | None:
        """Sum of the priced lines; None when nothing could be priced or no option serves the usage."""
        if not self.eligible or self.coverage == NONE:
            return None
        return sum((li.amount_usd for li in self.lines if li.amount_usd is not None), ZERO)

    @property
    def gaps(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for line in self.lines:
            for gap in line.gaps:
                seen[gap] = None
        return tuple(seen)

    @property
    def evidence(self) -> str:
        """The weakest evidence behind any line that moved the total: a charge, or an allowance
        that took units off it (or the sheet's own tag)."""
        tags = [
            li.evidence
            for li in self.lines
            if li.amount_usd or (li.kind == ALLOWANCE and li.quantity)
        ]
        return weakest(tags or [self.sheet.evidence])

    @property
    def provenance(self) -> str:
        """The provenance of the total: of every line with a quantity (fees follow the usage)."""
        return combine(li.provenance for li in self.lines if li.quantity and li.kind != FEE)

    @property
    def usd_by_provenance(self) -> dict[str, Decimal]:
        """The total split by the provenance of the lines that make it (fees under `fixed`)."""
        out = {kind: ZERO for kind in KINDS}
        for li in self.lines:
            if li.amount_usd:
                out[li.provenance] += li.amount_usd
        return out
