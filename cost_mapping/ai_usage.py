"""AI usage from the run's evidence where it has some, else from the profile alone (and saying so).

Translated characters: the profile's sends x its translated share x the run's mean message size
(one character per byte: the run's bodies are ASCII). Speech-to-text minutes: the profile's call
minutes x its transcribed share x the run's share of calls with audio. LLM tokens: profile only.
"""

from __future__ import annotations

from decimal import Decimal

from cost_mapping.display import num
from cost_mapping.profile import UsageProfile
from cost_mapping.provenance import DERIVED
from cost_mapping.quantities import Quantity
from cost_mapping.summary import RunSummary
from cost_mapping.volumes import ZERO, call_minutes, message_size, quantity, sends_per_month
from harness.kernel.metric_names import VIDEO, VOICE


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


def stt_minutes(p: UsageProfile, run: RunSummary) -> Quantity:
    a = p.ai
    if a.stt_share_of_call_audio is None:
        each = a.stt_minutes_per_user_per_month
        return quantity(
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
        return quantity("stt_minutes", calls * share, text)
    heard, heard_text = measured
    return quantity(
        "stt_minutes", calls * share * heard, f"{base} x {heard_text}", provenance=DERIVED
    )


def translation_chars(p: UsageProfile, run: RunSummary) -> Quantity:
    a = p.ai
    if a.translated_message_share is None:
        each = a.translation_chars_per_user_per_month
        text = f"{num(p.mau)} MAU x {num(each)} chars (ai.translation_chars_per_user_per_month)"
        return quantity("translation_chars", p.mau * each, text)
    sends, share = sends_per_month(p), a.translated_message_share
    size, size_text, kind = message_size(p, run)
    text = (
        f"{num(sends)} sends (profile) x {num(share)} translated (ai.translated_message_share) x "
        f"{size_text}, 1 character per byte (the run's bodies are ASCII text)"
    )
    return quantity("translation_chars", sends * share * size, text, provenance=kind)
