"""A usage profile: the target scale and behaviour a cost report is computed for.

The run measures intensities (CPU per 1,000 messages, bytes per delivery, ...); the profile says
how much of everything the product will do in a month. One record per TOML section. Format and
defaults: `docs/cost.md` and `cost_mapping/profiles/default.toml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from cost_mapping.fields import Fields, load_toml

ONE = Decimal(1)
D = Decimal


@dataclass(frozen=True)
class Messaging:
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

    @property
    def deliveries_per_message(self) -> Decimal:
        """Deliveries one send makes: 1 for a 1:1 message, group size - 1 for a group message."""
        share = self.group_message_share
        return (ONE - share) + share * (self.group_size - 1)


@dataclass(frozen=True)
class Calls:
    call_minutes_per_user_per_month: Decimal
    participants_per_call: Decimal
    mean_call_minutes: Decimal
    video_share: Decimal
    """Fraction of call minutes with video (the rest audio only)."""
    width_px: int
    height_px: int
    bitrate_mbps: Decimal
    """Target video bitrate per stream (the run's achieved rate is what gets priced)."""


@dataclass(frozen=True)
class Ai:
    stt_minutes_per_user_per_month: Decimal
    llm_input_tokens_per_user_per_month: Decimal
    llm_output_tokens_per_user_per_month: Decimal
    translation_chars_per_user_per_month: Decimal


@dataclass(frozen=True)
class SelfHosting:
    target_cpu_utilisation: Decimal
    headroom: Decimal
    """Extra capacity on top, as a fraction (0.25 = 25 % more cores and RAM)."""


@dataclass(frozen=True)
class UsageProfile:
    """Monthly usage assumptions; per-user figures are per monthly active user."""

    name: str
    description: str
    peak_ccu: Decimal
    """Target peak concurrent connected users."""
    mau: Decimal
    messaging: Messaging
    calls: Calls
    ai: Ai
    self_hosting: SelfHosting
    source: str = ""


def default_path() -> Path:
    return Path(str(resources.files("cost_mapping") / "profiles" / "default.toml"))


def load_profile(path: Path | None) -> UsageProfile:
    """The profile at `path`, or the shipped default when None."""
    path = path or default_path()
    return parse_profile(Fields(str(path), load_toml(path)))


def parse_profile(f: Fields) -> UsageProfile:
    f.only(("name", "description", "users", "messaging", "calls", "ai", "self_hosting"))
    users = f.sub("users")
    users.only(("peak_ccu", "mau"))
    peak_ccu, mau = users.positive("peak_ccu"), users.positive("mau")
    if peak_ccu > mau:
        accepted = (
            f"at most users.mau ({mau}): a peak of connected users cannot exceed the month's users"
        )
        raise users.bad("peak_ccu", peak_ccu, accepted)
    return UsageProfile(
        name=f.text("name"),
        description=f.text("description", ""),
        peak_ccu=peak_ccu,
        mau=mau,
        messaging=_messaging(f.sub("messaging")),
        calls=_calls(f.sub("calls")),
        ai=_ai(f.sub("ai")),
        self_hosting=_self_hosting(f.sub("self_hosting")),
        source=f.source,
    )


def _fraction(f: Fields, key: str, default: str) -> Decimal:
    value = f.number(key, D(default))
    if value > 1:
        raise f.bad(key, value, "a fraction between 0 and 1")
    return value


def _messaging(f: Fields) -> Messaging:
    f.only(tuple(Messaging.__dataclass_fields__))
    return Messaging(
        messages_per_user_per_day=f.number("messages_per_user_per_day", D(0)),
        group_message_share=_fraction(f, "group_message_share", "0"),
        group_size=f.number("group_size", D(8), minimum=D(2)),
        message_bytes_mean=f.positive("message_bytes_mean", D(200)),
        retention_days=f.number("retention_days", D(365)),
        files_gb_per_user=f.number("files_gb_per_user", D(0)),
        peak_to_mean=f.number("peak_to_mean", D(3), minimum=ONE),
    )


def _calls(f: Fields) -> Calls:
    f.only(
        (
            "call_minutes_per_user_per_month",
            "participants_per_call",
            "mean_call_minutes",
            "video_share",
            "resolution",
            "bitrate_mbps",
        )
    )
    participants = f.number("participants_per_call", D(2), minimum=ONE)
    if participants != participants.to_integral_value():
        raise f.bad("participants_per_call", participants, "a whole number >= 1")
    width, height = _resolution(f)
    return Calls(
        call_minutes_per_user_per_month=f.number("call_minutes_per_user_per_month", D(0)),
        participants_per_call=participants,
        mean_call_minutes=f.positive("mean_call_minutes", D(15)),
        video_share=_fraction(f, "video_share", "1"),
        width_px=width,
        height_px=height,
        bitrate_mbps=f.positive("bitrate_mbps", D("1.5")),
    )


def _resolution(f: Fields) -> tuple[int, int]:
    text = f.text("resolution", "1280x720")
    match = re.fullmatch(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})", text)
    if not match:
        raise f.bad("resolution", text, "WIDTHxHEIGHT in pixels, e.g. 1280x720")
    return int(match.group(1)), int(match.group(2))


def _ai(f: Fields) -> Ai:
    names = tuple(Ai.__dataclass_fields__)
    f.only(names)
    return Ai(*(f.number(name, D(0)) for name in names))


def _self_hosting(f: Fields) -> SelfHosting:
    f.only(tuple(SelfHosting.__dataclass_fields__))
    utilisation = _fraction(f, "target_cpu_utilisation", "0.6")
    if utilisation == 0:
        raise f.bad("target_cpu_utilisation", utilisation, "a fraction above 0 and at most 1")
    return SelfHosting(utilisation, f.number("headroom", D("0.25")))
