"""A usage profile: the target scale and behaviour a cost report is computed for.

The run measures intensities (CPU per 1,000 messages, bytes per delivery, ...); the profile says
how much of everything the product will do in a month. Format and defaults: `docs/cost.md` and
`cost_mapping/profiles/default.toml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from cost_mapping.fields import Fields, load_toml

ONE = Decimal(1)
SECTIONS = ("name", "description", "users", "messaging", "calls", "ai", "self_hosting")


@dataclass(frozen=True)
class UsageProfile:
    """Monthly usage assumptions (per user figures are per monthly active user)."""

    name: str
    description: str
    peak_ccu: Decimal
    """Target peak concurrent connected users."""
    mau: Decimal
    messages_per_user_per_day: Decimal
    group_message_share: Decimal
    """Fraction of sends that go to a group rather than one peer."""
    group_size: Decimal
    message_bytes_mean: Decimal
    """Mean message body, used when the run did not measure one."""
    retention_days: Decimal
    files_gb_per_user: Decimal
    """Attachments kept in object storage per MAU."""
    peak_to_mean: Decimal
    """Busiest-hour traffic over the month's mean: capacity is sized for the peak."""
    call_minutes_per_user_per_month: Decimal
    participants_per_call: Decimal
    mean_call_minutes: Decimal
    video_share: Decimal
    """Fraction of call minutes with video (the rest audio only)."""
    width_px: int
    height_px: int
    bitrate_mbps: Decimal
    """Target video bitrate per stream (the run's achieved rate is what gets priced)."""
    stt_minutes_per_user_per_month: Decimal
    llm_input_tokens_per_user_per_month: Decimal
    llm_output_tokens_per_user_per_month: Decimal
    translation_chars_per_user_per_month: Decimal
    target_cpu_utilisation: Decimal
    headroom: Decimal
    """Extra capacity on top, as a fraction (0.25 = 25 % more cores and RAM)."""
    source: str = ""

    @property
    def deliveries_per_message(self) -> Decimal:
        """Deliveries one send makes: 1 for a 1:1 message, group size - 1 for a group message."""
        share = self.group_message_share
        return (ONE - share) + share * (self.group_size - 1)


def default_path() -> Path:
    return Path(str(resources.files("cost_mapping") / "profiles" / "default.toml"))


def load_profile(path: Path | None) -> UsageProfile:
    """The profile at `path`, or the shipped default when None."""
    path = path or default_path()
    return parse_profile(Fields(str(path), load_toml(path)))


def _fraction(f: Fields, key: str, default: str) -> Decimal:
    value = f.number(key, Decimal(default))
    if value > 1:
        raise f.bad(key, f.table.get(key), "a fraction between 0 and 1")
    return value


def parse_profile(f: Fields) -> UsageProfile:
    f.only(SECTIONS)
    users, msg, calls, ai, host = (
        f.sub(s) for s in ("users", "messaging", "calls", "ai", "self_hosting")
    )
    users.only(("peak_ccu", "mau"))
    msg.only(
        (
            "messages_per_user_per_day",
            "group_message_share",
            "group_size",
            "message_bytes_mean",
            "retention_days",
            "files_gb_per_user",
            "peak_to_mean",
        )
    )
    calls.only(
        (
            "call_minutes_per_user_per_month",
            "participants_per_call",
            "mean_call_minutes",
            "video_share",
            "resolution",
            "bitrate_mbps",
        )
    )
    ai.only(
        (
            "stt_minutes_per_user_per_month",
            "llm_input_tokens_per_user_per_month",
            "llm_output_tokens_per_user_per_month",
            "translation_chars_per_user_per_month",
        )
    )
    host.only(("target_cpu_utilisation", "headroom"))
    peak_ccu, mau = users.positive("peak_ccu"), users.positive("mau")
    if peak_ccu > mau:
        raise users.bad(
            "peak_ccu",
            users.table["peak_ccu"],
            f"at most users.mau ({mau}): a peak of connected users cannot exceed the month's users",
        )
    width, height = _resolution(calls)
    utilisation = _fraction(host, "target_cpu_utilisation", "0.6")
    if utilisation == 0:
        raise host.bad("target_cpu_utilisation", 0, "a fraction above 0 and at most 1")
    group_size = msg.number("group_size", Decimal(8), minimum=Decimal(2))
    participants = calls.number("participants_per_call", Decimal(2), minimum=ONE)
    if participants != participants.to_integral_value():
        raise calls.bad(
            "participants_per_call", calls.table["participants_per_call"], "a whole number >= 1"
        )
    return UsageProfile(
        name=f.text("name"),
        description=f.text("description", ""),
        peak_ccu=peak_ccu,
        mau=mau,
        messages_per_user_per_day=msg.number("messages_per_user_per_day", Decimal(0)),
        group_message_share=_fraction(msg, "group_message_share", "0"),
        group_size=group_size,
        message_bytes_mean=msg.positive("message_bytes_mean", Decimal(200)),
        retention_days=msg.number("retention_days", Decimal(365)),
        files_gb_per_user=msg.number("files_gb_per_user", Decimal(0)),
        peak_to_mean=msg.number("peak_to_mean", Decimal(3), minimum=ONE),
        call_minutes_per_user_per_month=calls.number("call_minutes_per_user_per_month", Decimal(0)),
        participants_per_call=participants,
        mean_call_minutes=calls.positive("mean_call_minutes", Decimal(15)),
        video_share=_fraction(calls, "video_share", "1"),
        width_px=width,
        height_px=height,
        bitrate_mbps=calls.positive("bitrate_mbps", Decimal("1.5")),
        stt_minutes_per_user_per_month=ai.number("stt_minutes_per_user_per_month", Decimal(0)),
        llm_input_tokens_per_user_per_month=ai.number(
            "llm_input_tokens_per_user_per_month", Decimal(0)
        ),
        llm_output_tokens_per_user_per_month=ai.number(
            "llm_output_tokens_per_user_per_month", Decimal(0)
        ),
        translation_chars_per_user_per_month=ai.number(
            "translation_chars_per_user_per_month", Decimal(0)
        ),
        target_cpu_utilisation=utilisation,
        headroom=host.number("headroom", Decimal("0.25")),
        source=f.source,
    )


def _resolution(calls: Fields) -> tuple[int, int]:
    text = calls.text("resolution", "1280x720")
    match = re.fullmatch(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})", text)
    if not match:
        raise calls.bad("resolution", text, "WIDTHxHEIGHT in pixels, e.g. 1280x720")
    return int(match.group(1)), int(match.group(2))
