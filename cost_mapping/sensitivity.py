"""What drives each total: the one input whose ±20 % change moves a sheet's monthly bill most.

Every number the derivation reads is varied in turn, down and up by the same fraction (20 %),
the others held: each numeric field of the usage profile, and each figure of the run that the
derivation uses. A fraction that would pass 1 stops at 1 (and says so); whole-number inputs
(participants per call) are not varied, since 3.2 participants is no call. For each sheet the
rows are ranked by swing (high total minus low total, in absolute value); the first is the
driver — the number to check before deciding. Data, for a report to chart (a tornado chart).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from cost_mapping.bill import Bill
from cost_mapping.derive import MEASURED_RULES, derive
from cost_mapping.engine import price
from cost_mapping.profile import UsageProfile
from cost_mapping.quantities import Quantity
from cost_mapping.sheet import PriceSheet
from cost_mapping.summary import RunSummary
from harness.kernel.errors import BadInput
from harness.kernel.metric_names import MESSAGING, VIDEO, VOICE

STEP = Decimal("0.2")
SECTIONS = ("messaging", "calls", "ai", "self_hosting")
FRACTIONS = frozenset(
    {
        "messaging.group_message_share",
        "calls.video_share",
        "ai.stt_share_of_call_audio",
        "ai.translated_message_share",
        "self_hosting.target_cpu_utilisation",
    }
)
NOT_VARIED = frozenset({"calls.participants_per_call", "calls.bitrate_mbps"})
"""Whole-number inputs, and the profile's bitrate target (not priced: the run's rate is)."""
RUN_FIGURES = (
    *(metric for rule in MEASURED_RULES for metric, _ in rule.options),
    MESSAGING.payload_bytes_mean,
    VIDEO.recv_streams,
    VOICE.recv_streams,
)


@dataclass(frozen=True)
class Swing:
    """One input varied down and up: its values and the sheet's monthly total at each."""

    input: str
    """`users.mau`, `messaging.messages_per_user_per_day`, ... or `run: <metric name>`."""
    kind: str
    """`profile` or `measured`."""
    base_value: Decimal
    low_value: Decimal
    high_value: Decimal
    low_usd: Decimal
    high_usd: Decimal

    @property
    def swing_usd(self) -> Decimal:
        return abs(self.high_usd - self.low_usd)


@dataclass(frozen=True)
class SheetSensitivity:
    """The swings of one sheet's total, largest first; `driver` is the first (None: nothing moves it)."""

    sheet_id: str
    base_usd: Decimal
    swings: tuple[Swing, ...]

    @property
    def driver(self) -> Swing | None:
        return self.swings[0] if self.swings and self.swings[0].swing_usd else None


@dataclass(frozen=True)
class Variant:
    input: str
    kind: str
    base: Decimal
    low: Decimal
    high: Decimal
    profiles: tuple[UsageProfile, UsageProfile]
    runs: tuple[RunSummary, RunSummary]


def _bounds(name: str, value: Decimal, step: Decimal) -> tuple[Decimal, Decimal]:
    low, high = value * (1 - step), value * (1 + step)
    if name in FRACTIONS:
        high = min(high, Decimal(1))
    if name == "messaging.peak_to_mean":
        low = max(low, Decimal(1))
    return low, high


def _with(p: UsageProfile, name: str, value: Decimal) -> UsageProfile:
    section, key = name.split(".", 1)
    changes: dict[str, Any] = {key: value}
    if section == "users":
        return replace(p, **changes)
    return replace(p, **{section: replace(getattr(p, section), **changes)})


def profile_inputs(p: UsageProfile) -> Iterable[tuple[str, Decimal]]:
    """Every numeric profile field that can be varied, with its value."""
    yield "users.mau", p.mau
    yield "users.peak_ccu", p.peak_ccu
    for section in SECTIONS:
        record = getattr(p, section)
        for f in fields(record):
            name, value = f"{section}.{f.name}", getattr(record, f.name)
            if isinstance(value, Decimal) and name not in NOT_VARIED:
                yield name, value


def variants(p: UsageProfile, run: RunSummary, step: Decimal = STEP) -> list[Variant]:
    out = []
    for name, value in profile_inputs(p):
        low, high = _bounds(name, value, step)
        pair = (_with(p, name, low), _with(p, name, high))
        out.append(Variant(name, "profile", value, low, high, pair, (run, run)))
    for metric in dict.fromkeys(RUN_FIGURES):
        figure = run.value(metric) if metric in run.metrics else None
        if figure is None:
            continue
        value = figure
        low, high = value * (1 - step), value * (1 + step)
        runs = (run.with_value(metric, low), run.with_value(metric, high))
        out.append(Variant(f"run: {metric}", "measured", value, low, high, (p, p), runs))
    return out


def sheet_inputs(sheet: PriceSheet) -> frozenset[str]:
    """The canonical quantities a sheet's bill can depend on."""
    names = {t.quantity for m in sheet.meters for t in m.terms}
    names |= {t.classify_by for m in sheet.meters for t in m.terms if t.classify_by}
    if any(m.size_unit_bytes for m in sheet.meters):
        names |= {"messages_sent", "message_bytes"}
    if any(m.rounding for m in sheet.meters):
        names.add("participant_sessions")
    return frozenset(names | set(sheet.unpriced))


def _total(bill: Bill) -> Decimal | None:
    return bill.total_usd if bill.eligible else None


def _same(a: Mapping[str, Quantity], b: Mapping[str, Quantity], names: frozenset[str]) -> bool:
    return all(a[n].value == b[n].value and a[n].gaps == b[n].gaps for n in names)


def sensitivity(
    p: UsageProfile, run: RunSummary, sheets: Sequence[PriceSheet], step: Decimal = STEP
) -> list[SheetSensitivity]:
    """For each sheet that applies to this run: every input's swing, largest first."""
    base_q = derive(p, run)
    bases = {s.id: _total(price(s, base_q)) for s in sheets}
    swings: dict[str, list[Swing]] = {s.id: [] for s in sheets}
    inputs = {s.id: sheet_inputs(s) for s in sheets}
    for v in variants(p, run, step):
        try:
            low_q, high_q = derive(v.profiles[0], v.runs[0]), derive(v.profiles[1], v.runs[1])
        except BadInput:
            continue
        for s in sheets:
            base = bases[s.id]
            if base is None:
                continue
            if _same(base_q, low_q, inputs[s.id]) and _same(base_q, high_q, inputs[s.id]):
                low = high = base
            else:
                low_t, high_t = _total(price(s, low_q)), _total(price(s, high_q))
                if low_t is None or high_t is None:
                    continue
                low, high = low_t, high_t
            swings[s.id].append(Swing(v.input, v.kind, v.base, v.low, v.high, low, high))
    out = []
    for s in sheets:
        base = bases[s.id]
        if base is not None:
            ranked = sorted(swings[s.id], key=lambda w: w.swing_usd, reverse=True)
            out.append(SheetSensitivity(s.id, base, tuple(ranked)))
    return out
