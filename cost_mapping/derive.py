"""Run summary x usage profile -> monthly quantity per canonical meter, each with its derivation.

Every quantity says where it came from (`cost_mapping.provenance`):
- assumed: from the profile alone (MAU, messages a day, call minutes, ...). A SaaS vendor bills
  these volumes; the run cannot measure how many users a product will have. They are given
  only for areas the run exercised: a messaging-only run leaves call minutes as a gap ("run has
  no video"), so video vendors show what applies instead of a made-up $0;
- derived: a measured figure times a profile volume: what self-hosting provisions (`MEASURED`:
  CPU per 1,000 deliveries x deliveries, ...), message bytes and translated characters (the
  run's mean message size x the profile's sends), STT minutes (the run's share of calls with
  audio x the profile's call minutes), a subscriber's aggregate pixels (the run's resolution x
  the profile's call size);
- measured: the run's own figure as it is (the resolution its streams were sent at).
A rule whose metric is absent leaves a gap naming that metric — never a guessed figure. Counts
(messages, sessions, bytes, characters, tokens) are whole: expected monthly counts round up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from cost_mapping import meters as canon
from cost_mapping import provenance as prov
from cost_mapping.ai_usage import stt_minutes, translation_chars
from cost_mapping.call_shape import bitrate_note as bitrate_note
from cost_mapping.call_shape import call_shape_note as call_shape_note
from cost_mapping.counting import aggregate_pixels
from cost_mapping.display import num
from cost_mapping.profile import UsageProfile
from cost_mapping.provenance import ASSUMED, DERIVED
from cost_mapping.quantities import Quantity
from cost_mapping.summary import RunSummary
from cost_mapping.volumes import (
    ZERO,
    call_minutes,
    deliveries_per_month,
    message_size,
    quantity,
    sends_per_month,
    stream_minutes,
    stream_size,
    video_minutes,
)
from harness.kernel.errors import BadInput
from harness.kernel.metric_names import BACKEND, VIDEO, WIRE

Driver = Callable[[UsageProfile], tuple[Decimal, str]]


def _capacity(p: UsageProfile) -> tuple[Decimal, str]:
    host = p.self_hosting
    factor = (1 + host.headroom) / host.target_cpu_utilisation * canon.HOURS_PER_MONTH
    text = f"/ {num(host.target_cpu_utilisation)} target utilisation x {num(1 + host.headroom)} headroom x 730 h"
    return factor, text


def cores_for_deliveries(p: UsageProfile) -> tuple[Decimal, str]:
    per_s = deliveries_per_month(p) / canon.SECONDS_PER_MONTH * p.messaging.peak_to_mean
    factor, text = _capacity(p)
    peak = f"x{num(p.messaging.peak_to_mean)} mean"
    return per_s / 1000 * factor, f"{num(per_s, 3)} deliveries/s at peak ({peak}) / 1,000 {text}"


def cores_for_streams(p: UsageProfile) -> tuple[Decimal, str]:
    per_s = stream_minutes(p) / canon.SECONDS_PER_MONTH * p.messaging.peak_to_mean
    factor, text = _capacity(p)
    return per_s * factor, f"{num(per_s, 4)} stream-minutes/s at peak {text}"


def ram_for_users(p: UsageProfile) -> tuple[Decimal, str]:
    headroom = 1 + p.self_hosting.headroom
    factor = p.peak_ccu * headroom / canon.BYTES_PER_GIB * canon.HOURS_PER_MONTH
    return factor, f"{num(p.peak_ccu)} peak CCU x {num(headroom)} headroom / 2^30 B/GiB x 730 h"


def egress_for_deliveries(p: UsageProfile) -> tuple[Decimal, str]:
    n = deliveries_per_month(p)
    return n / canon.BYTES_PER_GB, f"{num(n)} deliveries / 10^9 B/GB (both directions: upper bound)"


def egress_for_participant_hours(p: UsageProfile) -> tuple[Decimal, str]:
    hours = video_minutes(p) / 60
    return hours, f"{num(hours)} video participant-hours (SFU egress on the wire, headers included)"


def egress_for_streams(p: UsageProfile) -> tuple[Decimal, str]:
    n = stream_minutes(p)
    text = f"{num(n)} stream-minutes x 60 s / 8 bit/B / 1,000 MB/GB (wire Mbps with headers)"
    return n * 60 / 8 / 1000, text


def storage_for_retention(p: UsageProfile) -> tuple[Decimal, str]:
    days = p.messaging.retention_days
    kept = sends_per_month(p) * 24 / canon.HOURS_PER_MONTH * days
    return (
        kept / canon.BYTES_PER_GB,
        f"{num(kept)} messages kept ({num(days)} days retention) / 10^9 B/GB",
    )


@dataclass(frozen=True)
class Rule:
    """`into` quantities += metric value x driver(profile), using the first of `options` the run has."""

    into: tuple[str, ...]
    area: str
    options: tuple[tuple[str, Driver], ...]


MEASURED_RULES: tuple[Rule, ...] = (
    Rule(
        ("vcpu_hours",),
        "messaging",
        ((BACKEND.cpu_core_s_per_1k_delivered_msgs, cores_for_deliveries),),
    ),
    Rule(("vcpu_hours",), "video", ((VIDEO.sfu_cpu_core_s_per_stream_min, cores_for_streams),)),
    Rule(("ram_gib_hours",), "messaging", ((BACKEND.rss_bytes_per_user, ram_for_users),)),
    Rule(("egress_gb",), "messaging", ((WIRE.bytes_per_delivered_msg, egress_for_deliveries),)),
    Rule(
        ("egress_gb", "media_egress_gb"),
        "video",
        (
            (VIDEO.sfu_egress_gb_per_participant_hour, egress_for_participant_hours),
            (VIDEO.wire_mbps_per_stream, egress_for_streams),
        ),
    ),
    Rule(
        ("storage_gb_month",),
        "messaging",
        ((BACKEND.storage_bytes_per_stored_msg, storage_for_retention),),
    ),
)
MEASURED = MEASURED_RULES
"""The rules that multiply a measured intensity by a profile driver (name kept for callers)."""


def _measured(
    rule: Rule, p: UsageProfile, run: RunSummary
) -> tuple[Decimal, str | None, str | None]:
    """(value, derivation, gap) of one rule for this run."""
    driver_value, _ = rule.options[0][1](p)
    if driver_value == 0:
        return ZERO, None, None
    if not run.covers(rule.area):
        return (
            ZERO,
            None,
            f"{rule.area} part not measured (run {run.run_id} has no {rule.area} figures)",
        )
    for metric, driver in rule.options:
        value = run.value(metric)
        if value is not None:
            factor, text = driver(p)
            unit = run.metrics[metric].unit
            return (
                value * factor,
                f"{num(value)} {unit} ({metric}, run {run.run_id}) x {text}",
                None,
            )
    names = " or ".join(m for m, _ in rule.options)
    return ZERO, None, f"{rule.area} part: metric {names} absent from run {run.run_id}"


def measured_quantities(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    out: dict[str, Quantity] = {}
    for rule in MEASURED_RULES:
        value, text, gap = _measured(rule, p, run)
        for name in rule.into:
            prev = out.get(name, Quantity(name, ZERO, "", provenance=DERIVED))
            texts = [t for t in (prev.derivation, text) if t]
            gaps = prev.gaps + ((f"{name}: {gap}",) if gap else ())
            out[name] = Quantity(name, prev.value + value, " + ".join(texts) or "0", gaps, DERIVED)
    return out


def _messaging(p: UsageProfile, run: RunSummary) -> list[Quantity]:
    gap = None if run.covers("messaging") else f"run {run.run_id} has no messaging figures"
    m, sends = p.messaging, sends_per_month(p)
    size, size_text, size_kind = message_size(p, run)
    per_send = m.deliveries_per_message
    per_day = f"{num(p.mau)} MAU x {num(m.messages_per_user_per_day)} msgs/day x 30.42 days"
    mean_ccu = f"{num(p.peak_ccu)} peak CCU / {num(m.peak_to_mean)} peak-to-mean x 43,800 min"
    echo = sends if m.publisher_receives_own_messages else ZERO
    echo_text = (
        f"{num(sends)} sends, each back to its publisher (messaging.publisher_receives_own_messages)"
        if m.publisher_receives_own_messages
        else "publishers do not receive their own messages (messaging.publisher_receives_own_messages = false)"
    )
    return [
        quantity("messages_sent", sends, per_day, gap),
        quantity(
            "message_deliveries",
            sends * per_send,
            f"{num(sends)} sends x {num(per_send)} deliveries/send",
            gap,
        ),
        quantity("message_echoes", echo, echo_text, gap),
        quantity(
            "message_bytes",
            sends * size,
            f"{num(sends)} sends (profile) x {size_text}",
            gap,
            size_kind,
        ),
        quantity(
            "connection_minutes",
            p.peak_ccu / m.peak_to_mean * canon.MINUTES_PER_MONTH,
            mean_ccu,
            gap,
        ),
        quantity(
            "object_storage_gb_month",
            p.mau * m.files_gb_per_user,
            f"{num(p.mau)} MAU x {num(m.files_gb_per_user)} GB files",
        ),
    ]


def _calls(p: UsageProfile, run: RunSummary) -> list[Quantity]:
    gap = None if run.covers("video") else f"run {run.run_id} has no video figures"
    c, calls, video = p.calls, call_minutes(p), video_minutes(p)
    streams = c.participants_per_call - 1
    width, height, size_text, size_kind = stream_size(p, run)
    agg_kind = DERIVED if size_kind == prov.MEASURED else ASSUMED
    return [
        quantity(
            "participant_minutes",
            calls,
            f"{num(p.mau)} MAU x {num(c.call_minutes_per_user_per_month)} call min",
            gap,
        ),
        quantity(
            "subscriber_minutes",
            video,
            f"{num(calls)} call min x {num(c.video_share)} video share (calls.video_share)",
            gap,
        ),
        quantity(
            "audio_minutes", calls - video, f"{num(calls)} call min - {num(video)} video min", gap
        ),
        quantity(
            "participant_sessions",
            calls / c.mean_call_minutes,
            f"{num(calls)} call min / {num(c.mean_call_minutes)} min per call",
        ),
        quantity(
            "subscriber_aggregate_pixels",
            aggregate_pixels(streams, width, height),
            f"{num(streams)} streams (profile calls.participants_per_call - 1) x {size_text}",
            provenance=agg_kind,
        ),
        quantity(
            "publisher_stream_pixels", Decimal(width * height), size_text, provenance=size_kind
        ),
    ]


def _per_user(p: UsageProfile, run: RunSummary) -> list[Quantity]:
    a = p.ai
    return [
        quantity("mau", p.mau, f"users.mau {num(p.mau)}"),
        quantity("peak_ccu", p.peak_ccu, f"users.peak_ccu {num(p.peak_ccu)}"),
        stt_minutes(p, run),
        quantity(
            "llm_input_tokens",
            p.mau * a.llm_input_tokens_per_user_per_month,
            f"{num(p.mau)} MAU x {num(a.llm_input_tokens_per_user_per_month)} tokens in (profile only: the run measures no LLM use)",
        ),
        quantity(
            "llm_output_tokens",
            p.mau * a.llm_output_tokens_per_user_per_month,
            f"{num(p.mau)} MAU x {num(a.llm_output_tokens_per_user_per_month)} tokens out (profile only: the run measures no LLM use)",
        ),
        translation_chars(p, run),
    ]


def profile_quantities(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """What a SaaS vendor bills, from the profile, for the areas the run exercised."""
    return {q.name: q for q in (*_per_user(p, run), *_messaging(p, run), *_calls(p, run))}


def _within_limits(p: UsageProfile, run: RunSummary, q: dict[str, Quantity]) -> dict[str, Quantity]:
    for found in q.values():
        if found.value > canon.MAX_QUANTITY:
            accepted = (
                "a profile and run whose monthly quantities stay at most 10^18 "
                "(lower users.mau or the per-user figures)"
            )
            raise BadInput(
                f"{p.source or p.name} x run {run.run_id}",
                found.name,
                num(found.value),
                accepted,
            )
    return q


def derive(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """Every canonical meter's monthly quantity for this profile, priced from this run."""
    return _within_limits(p, run, {**profile_quantities(p, run), **measured_quantities(p, run)})
