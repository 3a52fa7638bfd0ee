"""A price sheet: one vendor product's dated prices, as data.

A sheet is a list of meters (what is counted and at what rate), optional plans (a monthly fee
with included quota and overage rates), free allowances, top-up packs and a minimum fee. Every
meter names the canonical quantities it is billed on (`cost_mapping.meters`). The file format
is in `docs/cost.md`; `cost_mapping.sheet_load` reads and validates it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from cost_mapping.allowance import TopUp
from cost_mapping.counting import PixelClass
from cost_mapping.tiers import Band

EVIDENCE = ("seen_vendor", "seen_tool_fixture", "seen_3rd_party", "recalled")
"""Evidence tags from reference/prices.csv, strongest first."""

CATEGORIES = ("rtc", "chat", "signaling", "pubsub", "selfhost", "ai")
OUTCOMES = ("confirms", "differs", "not_found")
MODES = ("per_unit", "graduated", "volume", "block")
ON_EXCEED = ("bill_overage", "suspend")


@dataclass(frozen=True)
class Term:
    """One canonical quantity feeding a meter, converted to the meter's billing unit."""

    quantity: str
    factor: Decimal
    """Billing units per canonical unit (unit conversion times any sheet-given factor)."""
    classify_by: str | None = None
    """An attribute quantity (pixels) that picks one of `classes`."""
    classes: tuple[PixelClass, ...] = ()


@dataclass(frozen=True)
class Rounding:
    """Usage rounded up to `step` billing units within each `scope` piece (see rounding.py)."""

    step: Decimal
    scope: str


@dataclass(frozen=True)
class Meter:
    """What a vendor counts and how it prices it."""

    id: str
    description: str
    unit: str
    terms: tuple[Term, ...]
    combine: str
    """`sum` of the terms, or `higher_of` them (Stream: MAU or concurrency, whichever is higher)."""
    mode: str
    per: Decimal
    """The rate is money per this many billing units (1000 for "per 1,000 minutes")."""
    rate_usd: Decimal | None
    """Per-unit (and block) rate; None if only plans give one."""
    bands: tuple[Band, ...]
    block_units: Decimal | None
    size_unit_bytes: Decimal | None
    rounding: Rounding | None
    ref: str
    """The reference/prices.csv row(s) the rate came from."""
    evidence: str


@dataclass(frozen=True)
class FreeAllowance:
    """`units` free per month, consumed by `meters` in that order."""

    units: Decimal
    meters: tuple[str, ...]
    lost_with_plan: bool
    """True when buying any plan forfeits it (Agora: paid packages lose the 10,000 free minutes)."""
    ref: str
    evidence: str = EVIDENCE[0]
    """How the allowance was read (it lowers the bill, so it is as material as a rate)."""


@dataclass(frozen=True)
class Check:
    """One reading of a vendor page: where, when, what it says, and what that did to the sheet."""

    url: str
    read_date: dt.date
    says: str
    outcome: str
    """`confirms` (the page states the sheet's figure or rule), `differs`, or `not_found` (the
    search tool holds no copy of the vendor's page: the sheet keeps its tag)."""


@dataclass(frozen=True)
class Plan:
    """A package: a monthly fee, quota included per meter, and overage rates for the excess."""

    id: str
    name: str
    fee_usd: Decimal
    included: Mapping[str, Decimal]
    rates: Mapping[str, Decimal]
    """Overage rate per meter id under this plan (overrides the meter's own rate)."""
    on_exceed: str
    """`bill_overage`, or `suspend` (service stops at quota: the plan cannot serve more)."""
    minimum_usd: Decimal
    """Prepaid minimum: fee plus usage under this plan is raised to at least this (PubNub $49)."""
    ref: str
    evidence: str


@dataclass(frozen=True)
class SheetTopUp:
    """A top-up pack for one meter, usable under any plan."""

    meter: str
    topup: TopUp
    ref: str


@dataclass(frozen=True)
class PriceSheet:
    """One vendor product's prices, with where and when they were found."""

    id: str
    vendor: str
    product: str
    category: str
    currency: str
    effective_date: dt.date | None
    """The date the vendor says the prices apply from; None when the vendor states none."""
    source_url: str
    retrieved_date: dt.date
    evidence: str
    notes: str
    meters: tuple[Meter, ...]
    free: tuple[FreeAllowance, ...] = ()
    plans: tuple[Plan, ...] = ()
    pay_as_you_go: bool = True
    topups: tuple[SheetTopUp, ...] = ()
    minimum_monthly_fee_usd: Decimal = Decimal(0)
    unpriced: Mapping[str, str] = field(default_factory=dict)
    """Canonical quantities this product would bill but the sheet has no figure for, and why."""
    path: str = ""
    checks: tuple[Check, ...] = ()
    """The vendor pages read to check this sheet, newest last."""

    def meter(self, meter_id: str) -> Meter:
        return next(m for m in self.meters if m.id == meter_id)


def weakest(tags: list[str]) -> str:
    """The weakest evidence tag among `tags` (what a total built from them can claim)."""
    return max(tags, key=EVIDENCE.index) if tags else EVIDENCE[0]
