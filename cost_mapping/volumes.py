"""Monthly volumes from the profile, and the run's figures that size them (message size, stream size).

Shared by the derivation of every quantity (`cost_mapping.derive`), AI usage
(`cost_mapping.ai_usage`) and the call-shape note (`cost_mapping.call_shape`). Pure.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from cost_mapping import meters as canon
from cost_mapping import provenance as prov
from cost_mapping.display import num
from cost_mapping.profile import UsageProfile
from cost_mapping.provenance import ASSUMED, DERIVED
from cost_mapping.quantities import Quantity
from cost_mapping.summary import RunSummary
from harness.kernel.metric_names import MESSAGING

ZERO = Decimal(0)


def whole(value: Decimal) -> Decimal:
    """An expected count as a whole count: rounded up."""
    return value.to_integral_value(rounding=ROUND_CEILING)


def sends_per_month(p: UsageProfile) -> Decimal:
    return whole(p.mau * p.messaging.messages_per_user_per_day * canon.HOURS_PER_MONTH / 24)


def deliveries_per_month(p: UsageProfile) -> Decimal:
    return whole(sends_per_month(p) * p.messaging.deliveries_per_message)


def call_minutes(p: UsageProfile) -> Decimal:
    return p.mau * p.calls.call_minutes_per_user_per_month


def video_minutes(p: UsageProfile) -> Decimal:
    return call_minutes(p) * p.calls.video_share if p.calls.participants_per_call > 1 else ZERO


def stream_minutes(p: UsageProfile) -> Decimal:
    """Video stream-minutes received: each video participant receives participants - 1 streams."""
    return video_minutes(p) * (p.calls.participants_per_call - 1)


def quantity(
    name: str, value: Decimal, text: str, gap: str | None = None, provenance: str = ASSUMED
) -> Quantity:
    """A quantity from the profile (or derived), or a gap when the run lacks its area."""
    if canon.BY_NAME[name].count:
        value = whole(value)
    if gap is not None and value:
        return Quantity(name, ZERO, f"would be {num(value)} from the profile", (f"{name}: {gap}",))
    source = "profile" if provenance == ASSUMED else provenance
    return Quantity(name, value, f"{source}: {text}", (), provenance)


def message_size(p: UsageProfile, run: RunSummary) -> tuple[Decimal, str, str]:
    """Mean message body: the run's measured mean (derived), else the profile's (assumed)."""
    payload = run.value(MESSAGING.payload_bytes_mean)
    if payload is not None:
        text = f"{num(payload)} B measured ({MESSAGING.payload_bytes_mean}, run {run.run_id})"
        return payload, text, DERIVED
    mean = p.messaging.message_bytes_mean
    return (
        mean,
        f"{num(mean)} B profile messaging.message_bytes_mean (the run measured none)",
        ASSUMED,
    )


def stream_size(p: UsageProfile, run: RunSummary) -> tuple[int, int, str, str]:
    """(width, height, text, provenance) of one video stream: the run's, else the profile's."""
    res = run.resolution
    if res is not None and run.covers("video"):
        return (
            res.width_px,
            res.height_px,
            f"{res.width_px}x{res.height_px} ({res.source}, run {run.run_id})",
            prov.MEASURED,
        )
    c = p.calls
    why = (
        "the run's manifest names no video resolution"
        if run.covers("video")
        else "the run has no video"
    )
    return (
        c.width_px,
        c.height_px,
        f"{c.width_px}x{c.height_px} profile calls.resolution ({why})",
        ASSUMED,
    )
