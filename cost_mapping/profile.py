"""A usage profile: the target scale and behaviour a cost report is computed for.

The run measures intensities (CPU per 1,000 messages, bytes per delivery, ...); the profile says
how much of everything the product will do in a month. One record per TOML section. Format and
defaults: `docs/cost.md` and `cost_mapping/profiles/default.toml`; read with the one config reader
(`harness.kernel.config`), which reports every problem in the file at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from cost_mapping.meters import MAX_QUANTITY
from harness.kernel.config import Fields, read_toml

ONE = Decimal(1)
D = Decimal


def _num(f: Fields, key: str, default: Decimal | None = None, **bounds: Any) -> Decimal:
    """A profile number: exact, and at most 10^18 (beyond that no bill stays exact)."""
    value = f.decimal(key, default, **bounds)
    if f.valid(key) and value > MAX_QUANTITY:
        f.bad(key, value, "must be at most 10^18")
    return value


def _whole(f: Fields, key: str, value: Decimal, what: str) -> None:
    if f.valid(key) and value != value.to_integral_value():
        f.bad(key, value, f"must be a whole number of {what} (a count)")


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
    publisher_receives_own_messages: bool = True
    """A publisher subscribed to the channel it publishes on gets its message back (Ably's echo,
    on by default); vendors that bill deliveries bill that one too."""

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
    """Profile-only STT minutes per MAU (used when `stt_share_of_call_audio` is not given)."""
    llm_input_tokens_per_user_per_month: Decimal
    llm_output_tokens_per_user_per_month: Decimal
    translation_chars_per_user_per_month: Decimal
    """Profile-only translated characters per MAU (when `translated_message_share` is not given)."""
    stt_share_of_call_audio: Decimal | None = None
    """Fraction of call participant-minutes with audio that are transcribed; the audio share is
    what the run measured (derived)."""
    translated_message_share: Decimal | None = None
    """Fraction of sent messages machine-translated once; characters are the run's mean message
    size (derived)."""

    @property
    def stt_from_share(self) -> bool:
        return self.stt_share_of_call_audio is not None

    @property
    def translation_from_share(self) -> bool:
        return self.translated_message_share is not None


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
    """The profile at `path`, or the shipped default when None; every problem reported at once."""
    path = path or default_path()
    return parse_profile(Fields(str(path), read_toml(path, exact=True)))


def parse_profile(f: Fields) -> UsageProfile:
    """The profile in `f` (a file's top table); raises one BadInput listing every problem."""
    f.allow(("name", "description", "users", "messaging", "calls", "ai", "self_hosting"))
    users = f.table("users")
    users.allow(("peak_ccu", "mau"))
    peak_ccu = _num(users, "peak_ccu", above=True)
    mau = _num(users, "mau", above=True)
    _whole(users, "peak_ccu", peak_ccu, "users")
    _whole(users, "mau", mau, "users")
    if users.valid("peak_ccu", "mau") and peak_ccu > mau:
        accepted = f"must be at most users.mau ({mau}): a peak of connected users cannot exceed the month's users"
        users.bad("peak_ccu", peak_ccu, accepted)
    profile = UsageProfile(
        name=f.text("name"),
        description=f.text("description", ""),
        peak_ccu=peak_ccu,
        mau=mau,
        messaging=_messaging(f.table("messaging")),
        calls=_calls(f.table("calls")),
        ai=_ai(f.table("ai")),
        self_hosting=_self_hosting(f.table("self_hosting")),
        source=f.source,
    )
    f.finish()
    return profile


def _fraction(f: Fields, key: str, default: str) -> Decimal:
    value = _num(f, key, D(default))
    if f.valid(key) and value > 1:
        f.bad(key, value, "must be a fraction between 0 and 1")
    return value


def _messaging(f: Fields) -> Messaging:
    f.allow(tuple(Messaging.__dataclass_fields__))
    return Messaging(
        messages_per_user_per_day=_num(f, "messages_per_user_per_day", D(0)),
        group_message_share=_fraction(f, "group_message_share", "0"),
        group_size=_num(f, "group_size", D(8), minimum=D(2)),
        message_bytes_mean=_num(f, "message_bytes_mean", D(200), above=True),
        retention_days=_num(f, "retention_days", D(365)),
        files_gb_per_user=_num(f, "files_gb_per_user", D(0)),
        peak_to_mean=_num(f, "peak_to_mean", D(3), minimum=ONE),
        publisher_receives_own_messages=f.flag("publisher_receives_own_messages", True),
    )


def _calls(f: Fields) -> Calls:
    f.allow(
        (
            "call_minutes_per_user_per_month",
            "participants_per_call",
            "mean_call_minutes",
            "video_share",
            "resolution",
            "bitrate_mbps",
        )
    )
    participants = _num(f, "participants_per_call", D(2), minimum=ONE)
    if f.valid("participants_per_call") and participants != participants.to_integral_value():
        f.bad("participants_per_call", participants, "must be a whole number >= 1")
    width, height = _resolution(f)
    return Calls(
        call_minutes_per_user_per_month=_num(f, "call_minutes_per_user_per_month", D(0)),
        participants_per_call=participants,
        mean_call_minutes=_num(f, "mean_call_minutes", D(15), above=True),
        video_share=_fraction(f, "video_share", "1"),
        width_px=width,
        height_px=height,
        bitrate_mbps=_num(f, "bitrate_mbps", D("1.5"), above=True),
    )


def _resolution(f: Fields) -> tuple[int, int]:
    text = f.text("resolution", "1280x720")
    match = re.fullmatch(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})", text)
    if not match:
        if f.valid("resolution"):
            f.bad("resolution", text, "must be WIDTHxHEIGHT in pixels, e.g. 1280x720")
        return 1280, 720
    return int(match.group(1)), int(match.group(2))


PER_USER_OR_SHARE = (
    ("stt_share_of_call_audio", "stt_minutes_per_user_per_month"),
    ("translated_message_share", "translation_chars_per_user_per_month"),
)


def _ai(f: Fields) -> Ai:
    f.allow(tuple(Ai.__dataclass_fields__))
    shares = {}
    for share, figure in PER_USER_OR_SHARE:
        shares[share] = _fraction(f, share, "0") if f.has(share) else None
        if f.has(share) and f.has(figure):
            accepted = (
                f"must be left out when ai.{share} is given: give one (the share is priced from "
                "the run's evidence, the per-user figure from the profile alone)"
            )
            f.bad(figure, f.raw(figure), accepted)
    return Ai(
        _num(f, "stt_minutes_per_user_per_month", D(0)),
        _num(f, "llm_input_tokens_per_user_per_month", D(0)),
        _num(f, "llm_output_tokens_per_user_per_month", D(0)),
        _num(f, "translation_chars_per_user_per_month", D(0)),
        shares["stt_share_of_call_audio"],
        shares["translated_message_share"],
    )


def _self_hosting(f: Fields) -> SelfHosting:
    f.allow(tuple(SelfHosting.__dataclass_fields__))
    utilisation = _fraction(f, "target_cpu_utilisation", "0.6")
    if f.valid("target_cpu_utilisation") and utilisation == 0:
        f.bad("target_cpu_utilisation", utilisation, "must be a fraction above 0 and at most 1")
    return SelfHosting(utilisation, _num(f, "headroom", D("0.25")))
