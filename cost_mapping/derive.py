"""Run summary x usage profile -> monthly quantity per canonical meter, each with its derivation.

Two kinds of quantity:
- profile quantities (what a SaaS vendor bills: MAU, messages, minutes, AI usage) come from the
  profile alone, but only for areas the run exercised: a messaging-only run leaves call minutes
  as a gap ("run has no video"), so video vendors show what applies instead of a made-up $0;
- measured quantities (what self-hosting provisions: vCPU, RAM, egress, storage) multiply a
  measured intensity from the run by a profile driver. `MEASURED` is the table of those rules;
  add a row when the registry (harness.kernel.metrics) gains a metric it can price. A rule whose metric is absent leaves a gap
  naming that metric — never a guessed figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from cost_mapping import meters as canon
from cost_mapping.counting import aggregate_pixels
from cost_mapping.display import num
from cost_mapping.profile import UsageProfile
from cost_mapping.quantities import Quantity
from cost_mapping.summary import RunSummary
from harness.kernel.metric_names import BACKEND, MESSAGING, VIDEO, WIRE

ZERO = Decimal(0)
Driver = Callable[[UsageProfile], tuple[Decimal, str]]


def sends_per_month(p: UsageProfile) -> Decimal:
    return p.mau * p.messaging.messages_per_user_per_day * canon.HOURS_PER_MONTH / 24


def deliveries_per_month(p: UsageProfile) -> Decimal:
    return sends_per_month(p) * p.messaging.deliveries_per_message


def call_minutes(p: UsageProfile) -> Decimal:
    return p.mau * p.calls.call_minutes_per_user_per_month


def video_minutes(p: UsageProfile) -> Decimal:
    return call_minutes(p) * p.calls.video_share if p.calls.participants_per_call > 1 else ZERO


def stream_minutes(p: UsageProfile) -> Decimal:
    """Video stream-minutes received: each video participant receives participants - 1 streams."""
    return video_minutes(p) * (p.calls.participants_per_call - 1)


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
    return hours, f"{num(hours)} video participant-hours"


def egress_for_streams(p: UsageProfile) -> tuple[Decimal, str]:
    n = stream_minutes(p)
    return n * 60 / 8 / 1000, f"{num(n)} stream-minutes x 60 s / 8 bit/B / 1,000 MB/GB"


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


MEASURED: tuple[Rule, ...] = (
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
    for rule in MEASURED:
        value, text, gap = _measured(rule, p, run)
        for name in rule.into:
            prev = out.get(name, Quantity(name, ZERO, ""))
            texts = [t for t in (prev.derivation, text) if t]
            gaps = prev.gaps + ((f"{name}: {gap}",) if gap else ())
            out[name] = Quantity(name, prev.value + value, " + ".join(texts) or "0", gaps)
    return out


def _profile(name: str, value: Decimal, text: str, gap: str | None = None) -> Quantity:
    if gap is not None and value:
        return Quantity(name, ZERO, f"would be {num(value)} from the profile", (f"{name}: {gap}",))
    return Quantity(name, value, f"profile: {text}")


def _messaging(p: UsageProfile, run: RunSummary) -> list[Quantity]:
    gap = None if run.covers("messaging") else f"run {run.run_id} has no messaging figures"
    m, sends = p.messaging, sends_per_month(p)
    payload = run.value(MESSAGING.payload_bytes_mean)
    size, size_text = (
        (payload, f"{num(payload)} B measured ({MESSAGING.payload_bytes_mean}, run {run.run_id})")
        if payload is not None
        else (m.message_bytes_mean, f"{num(m.message_bytes_mean)} B profile mean")
    )
    per_send = m.deliveries_per_message
    per_day = f"{num(p.mau)} MAU x {num(m.messages_per_user_per_day)} msgs/day x 30.42 days"
    mean_ccu = f"{num(p.peak_ccu)} peak CCU / {num(m.peak_to_mean)} peak-to-mean x 43,800 min"
    return [
        _profile("messages_sent", sends, per_day, gap),
        _profile(
            "message_deliveries",
            sends * per_send,
            f"{num(sends)} sends x {num(per_send)} deliveries/send",
            gap,
        ),
        _profile("message_bytes", sends * size, f"{num(sends)} sends x {size_text}", gap),
        _profile(
            "connection_minutes",
            p.peak_ccu / m.peak_to_mean * canon.MINUTES_PER_MONTH,
            mean_ccu,
            gap,
        ),
        _profile(
            "object_storage_gb_month",
            p.mau * m.files_gb_per_user,
            f"{num(p.mau)} MAU x {num(m.files_gb_per_user)} GB files",
        ),
    ]


def _calls(p: UsageProfile, run: RunSummary) -> list[Quantity]:
    gap = None if run.covers("video") else f"run {run.run_id} has no video figures"
    c, calls, video = p.calls, call_minutes(p), video_minutes(p)
    streams = c.participants_per_call - 1
    size = f"{c.width_px}x{c.height_px}"
    return [
        _profile(
            "participant_minutes",
            calls,
            f"{num(p.mau)} MAU x {num(c.call_minutes_per_user_per_month)} call min",
            gap,
        ),
        _profile(
            "subscriber_minutes",
            video,
            f"{num(calls)} call min x {num(c.video_share)} video share",
            gap,
        ),
        _profile(
            "audio_minutes", calls - video, f"{num(calls)} call min - {num(video)} video min", gap
        ),
        _profile(
            "participant_sessions",
            calls / c.mean_call_minutes,
            f"{num(calls)} call min / {num(c.mean_call_minutes)} min per call",
        ),
        _profile(
            "subscriber_aggregate_pixels",
            aggregate_pixels(streams, c.width_px, c.height_px),
            f"{num(streams)} streams x {size}",
        ),
        _profile("publisher_stream_pixels", Decimal(c.width_px * c.height_px), size),
    ]


def _per_user(p: UsageProfile) -> list[Quantity]:
    a = p.ai
    pairs = (
        ("stt_minutes", a.stt_minutes_per_user_per_month, "STT min"),
        ("llm_input_tokens", a.llm_input_tokens_per_user_per_month, "tokens in"),
        ("llm_output_tokens", a.llm_output_tokens_per_user_per_month, "tokens out"),
        ("translation_chars", a.translation_chars_per_user_per_month, "chars"),
    )
    return [
        _profile("mau", p.mau, f"users.mau {num(p.mau)}"),
        _profile("peak_ccu", p.peak_ccu, f"users.peak_ccu {num(p.peak_ccu)}"),
        *(
            _profile(n, p.mau * each, f"{num(p.mau)} MAU x {num(each)} {what}")
            for n, each, what in pairs
        ),
    ]


def profile_quantities(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """What a SaaS vendor bills, from the profile, for the areas the run exercised."""
    return {q.name: q for q in (*_per_user(p), *_messaging(p, run), *_calls(p, run))}


def derive(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """Every canonical meter's monthly quantity for this profile, priced from this run."""
    return {**profile_quantities(p, run), **measured_quantities(p, run)}


def bitrate_note(p: UsageProfile, run: RunSummary) -> str | None:
    """Compare the run's achieved video rate with the profile's target (priced: achieved)."""
    achieved = run.value(VIDEO.wire_mbps_per_stream)
    if achieved is None or not video_minutes(p):
        return None
    target = p.calls.bitrate_mbps
    note = f"video: run achieved {num(achieved)} Mbps per stream; the profile targets {num(target)} Mbps"
    if abs(achieved - target) > target / 10:
        note += " (more than 10 % apart: the run may not represent this profile)"
    return note
