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
from decimal import ROUND_CEILING, Decimal

from cost_mapping import meters as canon
from cost_mapping import provenance as prov
from cost_mapping.counting import aggregate_pixels
from cost_mapping.display import num
from cost_mapping.profile import UsageProfile
from cost_mapping.provenance import ASSUMED, DERIVED
from cost_mapping.quantities import Quantity
from cost_mapping.summary import RunSummary
from harness.kernel.errors import BadInput
from harness.kernel.metric_names import BACKEND, MESSAGING, VIDEO, VOICE, WIRE

ZERO = Decimal(0)
Driver = Callable[[UsageProfile], tuple[Decimal, str]]


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


def _q(
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
        _q("messages_sent", sends, per_day, gap),
        _q(
            "message_deliveries",
            sends * per_send,
            f"{num(sends)} sends x {num(per_send)} deliveries/send",
            gap,
        ),
        _q("message_echoes", echo, echo_text, gap),
        _q(
            "message_bytes",
            sends * size,
            f"{num(sends)} sends (profile) x {size_text}",
            gap,
            size_kind,
        ),
        _q(
            "connection_minutes",
            p.peak_ccu / m.peak_to_mean * canon.MINUTES_PER_MONTH,
            mean_ccu,
            gap,
        ),
        _q(
            "object_storage_gb_month",
            p.mau * m.files_gb_per_user,
            f"{num(p.mau)} MAU x {num(m.files_gb_per_user)} GB files",
        ),
    ]


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


def _calls(p: UsageProfile, run: RunSummary) -> list[Quantity]:
    gap = None if run.covers("video") else f"run {run.run_id} has no video figures"
    c, calls, video = p.calls, call_minutes(p), video_minutes(p)
    streams = c.participants_per_call - 1
    width, height, size_text, size_kind = stream_size(p, run)
    agg_kind = DERIVED if size_kind == prov.MEASURED else ASSUMED
    return [
        _q(
            "participant_minutes",
            calls,
            f"{num(p.mau)} MAU x {num(c.call_minutes_per_user_per_month)} call min",
            gap,
        ),
        _q(
            "subscriber_minutes",
            video,
            f"{num(calls)} call min x {num(c.video_share)} video share (calls.video_share)",
            gap,
        ),
        _q("audio_minutes", calls - video, f"{num(calls)} call min - {num(video)} video min", gap),
        _q(
            "participant_sessions",
            calls / c.mean_call_minutes,
            f"{num(calls)} call min / {num(c.mean_call_minutes)} min per call",
        ),
        _q(
            "subscriber_aggregate_pixels",
            aggregate_pixels(streams, width, height),
            f"{num(streams)} streams (profile calls.participants_per_call - 1) x {size_text}",
            provenance=agg_kind,
        ),
        _q("publisher_stream_pixels", Decimal(width * height), size_text, provenance=size_kind),
    ]


def audio_share(run: RunSummary) -> tuple[Decimal, str] | None:
    """The share of the run's received call streams that carried audio, or None without media.

    Voice streams received over video streams received (a video workload with an audio track
    reports both); 1 for a voice-only run. A run mixing silent video calls with voice-only calls
    cannot be told apart from one with audio on every video call: the share is then an upper
    bound."""
    voice, video = run.value(VOICE.recv_streams), run.value(VIDEO.recv_streams)
    if video is not None and video > 0:
        heard = voice or ZERO
        share = min(Decimal(1), heard / video)
        return (
            share,
            f"{num(share)} of calls with audio ({num(heard)} {VOICE.recv_streams} / {num(video)} {VIDEO.recv_streams}, run {run.run_id})",
        )
    if voice is not None and voice > 0:
        return Decimal(
            1
        ), f"1 (voice-only calls: {num(voice)} {VOICE.recv_streams}, run {run.run_id})"
    return None


def _stt(p: UsageProfile, run: RunSummary) -> Quantity:
    a = p.ai
    if a.stt_share_of_call_audio is None:
        each = a.stt_minutes_per_user_per_month
        return _q(
            "stt_minutes",
            p.mau * each,
            f"{num(p.mau)} MAU x {num(each)} STT min (ai.stt_minutes_per_user_per_month)",
        )
    calls, share = call_minutes(p), a.stt_share_of_call_audio
    base = (
        f"{num(calls)} call min (profile) x {num(share)} transcribed (ai.stt_share_of_call_audio)"
    )
    measured = audio_share(run)
    if measured is None:
        text = base + " x 1 with audio (assumed: the run measured no call streams)"
        return _q("stt_minutes", calls * share, text)
    heard, heard_text = measured
    return _q("stt_minutes", calls * share * heard, f"{base} x {heard_text}", provenance=DERIVED)


def _translation(p: UsageProfile, run: RunSummary) -> Quantity:
    a = p.ai
    if a.translated_message_share is None:
        each = a.translation_chars_per_user_per_month
        text = f"{num(p.mau)} MAU x {num(each)} chars (ai.translation_chars_per_user_per_month)"
        return _q("translation_chars", p.mau * each, text)
    sends, share = sends_per_month(p), a.translated_message_share
    size, size_text, kind = message_size(p, run)
    text = (
        f"{num(sends)} sends (profile) x {num(share)} translated (ai.translated_message_share) x "
        f"{size_text}, 1 character per byte (the run's bodies are ASCII text)"
    )
    return _q("translation_chars", sends * share * size, text, provenance=kind)


def _per_user(p: UsageProfile, run: RunSummary) -> list[Quantity]:
    a = p.ai
    return [
        _q("mau", p.mau, f"users.mau {num(p.mau)}"),
        _q("peak_ccu", p.peak_ccu, f"users.peak_ccu {num(p.peak_ccu)}"),
        _stt(p, run),
        _q(
            "llm_input_tokens",
            p.mau * a.llm_input_tokens_per_user_per_month,
            f"{num(p.mau)} MAU x {num(a.llm_input_tokens_per_user_per_month)} tokens in (profile only: the run measures no LLM use)",
        ),
        _q(
            "llm_output_tokens",
            p.mau * a.llm_output_tokens_per_user_per_month,
            f"{num(p.mau)} MAU x {num(a.llm_output_tokens_per_user_per_month)} tokens out (profile only: the run measures no LLM use)",
        ),
        _translation(p, run),
    ]


def profile_quantities(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """What a SaaS vendor bills, from the profile, for the areas the run exercised."""
    return {q.name: q for q in (*_per_user(p, run), *_messaging(p, run), *_calls(p, run))}


def _within_limits(p: UsageProfile, run: RunSummary, q: dict[str, Quantity]) -> dict[str, Quantity]:
    for quantity in q.values():
        if quantity.value > canon.MAX_QUANTITY:
            accepted = (
                "a profile and run whose monthly quantities stay at most 10^18 "
                "(lower users.mau or the per-user figures)"
            )
            raise BadInput(
                f"{p.source or p.name} x run {run.run_id}",
                quantity.name,
                num(quantity.value),
                accepted,
            )
    return q


def derive(p: UsageProfile, run: RunSummary) -> dict[str, Quantity]:
    """Every canonical meter's monthly quantity for this profile, priced from this run."""
    return _within_limits(p, run, {**profile_quantities(p, run), **measured_quantities(p, run)})


def call_shape_note(p: UsageProfile, run: RunSummary) -> str | None:
    """How the run's video shaped the call quantities: resolution, received rate, egress figure."""
    if not run.covers("video") or not video_minutes(p):
        return None
    width, height, size_text, kind = stream_size(p, run)
    streams = p.calls.participants_per_call - 1
    out = [f"video: each stream {size_text} [{kind}]"]
    out.append(
        f"a subscriber receives {num(streams)} streams (profile calls.participants_per_call) "
        f"= {num(aggregate_pixels(streams, width, height))} px"
    )
    received, target = run.mean(VIDEO.recv_mbps_per_stream), run.value(VIDEO.target_mbps)
    if received is not None:
        line = (
            f"received payload {num(received)} Mbps per stream ({VIDEO.recv_mbps_per_stream} mean)"
        )
        if target is not None:
            line += f" against the run's own {num(target)} Mbps target ({VIDEO.target_mbps})"
            if received < target * Decimal("0.9"):
                line += ": below 90 % of it, the run's streams under-delivered (see video.streams_under_target)"
        out.append(line)
    if run.value(VIDEO.sfu_egress_gb_per_participant_hour) is not None:
        out.append(
            f"egress priced from {VIDEO.sfu_egress_gb_per_participant_hour}: wire bytes, headers included"
        )
    elif run.value(VIDEO.wire_mbps_per_stream) is not None:
        wire = run.value(VIDEO.wire_mbps_per_stream)
        out.append(
            f"egress priced from {VIDEO.wire_mbps_per_stream} = {num(wire or ZERO)} Mbps per stream: wire, headers included"
        )
    return "; ".join(out)


def bitrate_note(p: UsageProfile, run: RunSummary) -> str | None:
    """Kept for callers of the earlier name: the call-shape note (the profile's bitrate target
    is not priced when the run measured video, so it is no longer compared)."""
    return call_shape_note(p, run)
