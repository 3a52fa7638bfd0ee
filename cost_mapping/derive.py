"""Run summary x usage profile -> monthly quantity per canonical meter, each with its derivation.

Two kinds of quantity:
- profile quantities (what a SaaS vendor bills: MAU, messages, minutes, AI usage) come from the
  profile alone, but only for areas the run exercised: a messaging-only run leaves call minutes
  as a gap ("run has no video"), so video vendors show what applies instead of a made-up $0;
- measured quantities (what self-hosting provisions: vCPU, RAM, egress, storage) multiply a
  measured intensity from the run by a profile driver. `MEASURED` is the table of those rules;
  add a row when the run format gains a metric. A rule whose metric is absent leaves a gap
  naming that metric — never a guessed figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from cost_mapping import meters as canon
from cost_mapping.display import num
from cost_mapping.profile import UsageProfile
from cost_mapping.quantities import Quantity
from cost_mapping.summary import RunSummary

ZERO = Decimal(0)
Driver = Callable[[UsageProfile], tuple[Decimal, str]]


def sends_per_month(p: UsageProfile) -> Decimal:
    return p.mau * p.messages_per_user_per_day * canon.HOURS_PER_MONTH / 24


def deliveries_per_month(p: UsageProfile) -> Decimal:
    return sends_per_month(p) * p.deliveries_per_message


def call_minutes(p: UsageProfile) -> Decimal:
    return p.mau * p.call_minutes_per_user_per_month


def video_minutes(p: UsageProfile) -> Decimal:
    return call_minutes(p) * p.video_share if p.participants_per_call > 1 else ZERO


def stream_minutes(p: UsageProfile) -> Decimal:
    """Video stream-minutes received: each video participant receives participants - 1 streams."""
    return video_minutes(p) * (p.participants_per_call - 1)


def _capacity(p: UsageProfile) -> tuple[Decimal, str]:
    factor = (1 + p.headroom) / p.target_cpu_utilisation * canon.HOURS_PER_MONTH
    return (
        factor,
        f"/ {num(p.target_cpu_utilisation)} target utilisation x {num(1 + p.headroom)} headroom x 730 h",
    )


def cores_for_deliveries(p: UsageProfile) -> tuple[Decimal, str]:
    per_s = deliveries_per_month(p) / canon.SECONDS_PER_MONTH * p.peak_to_mean
    factor, text = _capacity(p)
    return (
        per_s / 1000 * factor,
        f"{num(per_s, 3)} deliveries/s at peak (x{num(p.peak_to_mean)} mean) / 1,000 {text}",
    )


def cores_for_streams(p: UsageProfile) -> tuple[Decimal, str]:
    per_s = stream_minutes(p) / canon.SECONDS_PER_MONTH * p.peak_to_mean
    factor, text = _capacity(p)
    return per_s * factor, f"{num(per_s, 4)} stream-minutes/s at peak {text}"


def ram_for_users(p: UsageProfile) -> tuple[Decimal, str]:
    factor = p.peak_ccu * (1 + p.headroom) / canon.BYTES_PER_GIB * canon.HOURS_PER_MONTH
    return (
        factor,
        f"{num(p.peak_ccu)} peak CCU x {num(1 + p.headroom)} headroom / 2^30 B/GiB x 730 h",
    )


def egress_for_deliveries(p: UsageProfile) -> tuple[Decimal, str]:
    return (
        deliveries_per_month(p) / canon.BYTES_PER_GB,
        f"{num(deliveries_per_month(p))} deliveries / 10^9 B/GB (both directions: upper bound)",
    )


def egress_for_participant_hours(p: UsageProfile) -> tuple[Decimal, str]:
    hours = video_minutes(p) / 60
    return hours, f"{num(hours)} video participant-hours"


def egress_for_streams(p: UsageProfile) -> tuple[Decimal, str]:
    factor = stream_minutes(p) * 60 / 8 / 1000
    return factor, f"{num(stream_minutes(p))} stream-minutes x 60 s / 8 bit/B / 1,000 MB/GB"


def storage_for_retention(p: UsageProfile) -> tuple[Decimal, str]:
    kept = sends_per_month(p) * 24 / canon.HOURS_PER_MONTH * p.retention_days
    return (
        kept / canon.BYTES_PER_GB,
        f"{num(kept)} messages kept ({num(p.retention_days)} days retention) / 10^9 B/GB",
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
        (("backend.cpu_core_s_per_1k_delivered_msgs", cores_for_deliveries),),
    ),
    Rule(("vcpu_hours",), "video", (("video.sfu_cpu_core_s_per_stream_min", cores_for_streams),)),
    Rule(("ram_gib_hours",), "messaging", (("backend.rss_bytes_per_user", ram_for_users),)),
    Rule(("egress_gb",), "messaging", (("wire.bytes_per_delivered_msg", egress_for_deliveries),)),
    Rule(
        ("egress_gb", "media_egress_gb"),
        "video",
        (
            ("video.sfu_egress_gb_per_participant_hour", egress_for_participant_hours),
            ("video.wire_mbps_per_stream", egress_for_streams),
        ),
    ),
    Rule(
        ("storage_gb_month",),
        "messaging",
        (("backend.storage_bytes_per_stored_msg", storage_for_retention),),
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
    if gap is not None:
        return Quantity(name, ZERO, f"would be {num(value)} from the profile", (f"{name}: {gap}",))
    return Quantity(name, value, f"profile: {text}")


def profile_quantities(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """What a SaaS vendor bills, from the profile, for the areas the run exercised."""
    no_msg = None if run.covers("messaging") else f"run {run.run_id} has no messaging figures"
    no_video = None if run.covers("video") else f"run {run.run_id} has no video figures"
    sends, mau = sends_per_month(p), num(p.mau)
    payload = run.value("messaging.payload_bytes_mean")
    size, size_text = (
        (payload, f"{num(payload)} B measured (messaging.payload_bytes_mean, run {run.run_id})")
        if payload is not None
        else (p.message_bytes_mean, f"{num(p.message_bytes_mean)} B profile mean")
    )
    calls, video = call_minutes(p), video_minutes(p)
    q = [
        _profile("mau", p.mau, f"users.mau {mau}"),
        _profile("peak_ccu", p.peak_ccu, f"users.peak_ccu {num(p.peak_ccu)}"),
        _profile(
            "messages_sent",
            sends,
            f"{mau} MAU x {num(p.messages_per_user_per_day)} msgs/day x 30.42 days",
            no_msg,
        ),
        _profile(
            "message_deliveries",
            deliveries_per_month(p),
            f"{num(sends)} sends x {num(p.deliveries_per_message)} deliveries/send",
            no_msg,
        ),
        _profile("message_bytes", sends * size, f"{num(sends)} sends x {size_text}", no_msg),
        _profile(
            "connection_minutes",
            p.peak_ccu / p.peak_to_mean * canon.MINUTES_PER_MONTH,
            f"{num(p.peak_ccu)} peak CCU / {num(p.peak_to_mean)} peak-to-mean x 43,800 min",
            no_msg,
        ),
        _profile(
            "participant_minutes",
            calls,
            f"{mau} MAU x {num(p.call_minutes_per_user_per_month)} call min",
            no_video if calls else None,
        ),
        _profile(
            "subscriber_minutes",
            video,
            f"{num(calls)} call min x {num(p.video_share)} video share",
            no_video if video else None,
        ),
        _profile(
            "audio_minutes",
            calls - video,
            f"{num(calls)} call min - {num(video)} video min",
            no_video if calls - video else None,
        ),
        _profile(
            "participant_sessions",
            calls / p.mean_call_minutes,
            f"{num(calls)} call min / {num(p.mean_call_minutes)} min per call",
        ),
        _profile(
            "subscriber_aggregate_pixels",
            (p.participants_per_call - 1) * p.width_px * p.height_px,
            f"{num(p.participants_per_call - 1)} streams x {p.width_px}x{p.height_px}",
        ),
        _profile(
            "publisher_stream_pixels",
            Decimal(p.width_px * p.height_px),
            f"{p.width_px}x{p.height_px}",
        ),
        _profile(
            "object_storage_gb_month",
            p.mau * p.files_gb_per_user,
            f"{mau} MAU x {num(p.files_gb_per_user)} GB files",
        ),
        _profile(
            "stt_minutes",
            p.mau * p.stt_minutes_per_user_per_month,
            f"{mau} MAU x {num(p.stt_minutes_per_user_per_month)} STT min",
        ),
        _profile(
            "llm_input_tokens",
            p.mau * p.llm_input_tokens_per_user_per_month,
            f"{mau} MAU x {num(p.llm_input_tokens_per_user_per_month)} tokens in",
        ),
        _profile(
            "llm_output_tokens",
            p.mau * p.llm_output_tokens_per_user_per_month,
            f"{mau} MAU x {num(p.llm_output_tokens_per_user_per_month)} tokens out",
        ),
        _profile(
            "translation_chars",
            p.mau * p.translation_chars_per_user_per_month,
            f"{mau} MAU x {num(p.translation_chars_per_user_per_month)} chars",
        ),
    ]
    return {x.name: x for x in q}


def derive(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """Every canonical meter's monthly quantity for this profile, priced from this run."""
    return {**profile_quantities(p, run), **measured_quantities(p, run)}
