"""Canonical usage meters: the quantities every price sheet is priced from.

A sheet never reads a run or a profile directly; it names canonical meters (below) and the
engine hands it their monthly quantities. So any vendor can be priced from the same numbers.
`docs/cost.md` explains each meter in prose; the one-line meanings here are what the CLI shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HOURS_PER_MONTH = Decimal(730)
"""Billing month in hours, as Infracost and the cloud calculators use (8,760 h / 12)."""

DAYS_PER_MONTH = HOURS_PER_MONTH / 24
"""30.41666… days: the same month in days, so per-day and per-month figures agree."""

MINUTES_PER_MONTH = HOURS_PER_MONTH * 60
SECONDS_PER_MONTH = MINUTES_PER_MONTH * 60

BYTES_PER_GB = Decimal(10) ** 9
BYTES_PER_GIB = Decimal(2) ** 30

MAX_QUANTITY = Decimal(10) ** 18
"""The largest monthly quantity (and the largest number in a sheet or profile) imbench prices.

Far beyond any real product (10^18 messages a month is 380 billion a second), and small enough
that every amount stays exact to the cent in `Decimal`'s 28 significant digits."""


@dataclass(frozen=True)
class CanonicalMeter:
    """One canonical quantity: its name, its unit and what it counts (per month unless said)."""

    name: str
    unit: str
    meaning: str
    attribute: bool = False
    """True for descriptive figures (pixels, sessions) that classify or round other meters."""
    count: bool = False
    """True for things counted in whole units (users, messages, sessions, bytes, tokens, ...)."""


CANONICAL: tuple[CanonicalMeter, ...] = (
    CanonicalMeter(
        "participant_minutes", "minute", "minutes users spend connected to calls, audio or video"
    ),
    CanonicalMeter(
        "subscriber_minutes", "minute", "participant minutes in which the user receives video"
    ),
    CanonicalMeter(
        "audio_minutes", "minute", "participant minutes in which the user receives audio only"
    ),
    CanonicalMeter(
        "mau", "user", "monthly active users (unique users who connected in the month)", count=True
    ),
    CanonicalMeter("peak_ccu", "user", "peak concurrent connected users in the month", count=True),
    CanonicalMeter("messages_sent", "message", "messages published by users", count=True),
    CanonicalMeter(
        "message_deliveries",
        "message",
        "deliveries to recipients (a group send to S members = S-1)",
        count=True,
    ),
    CanonicalMeter(
        "message_echoes",
        "message",
        "deliveries of a message back to its own publisher (Ably echo, on by default)",
        count=True,
    ),
    CanonicalMeter(
        "message_bytes", "byte", "bytes of message bodies sent (payload, not wire)", count=True
    ),
    CanonicalMeter("connection_minutes", "minute", "minutes users hold a realtime connection open"),
    CanonicalMeter("egress_gb", "GB", "bytes leaving the service towards clients, in 10^9 bytes"),
    CanonicalMeter(
        "media_egress_gb", "GB", "the real-time media part of egress_gb (SFU/TURN to clients)"
    ),
    CanonicalMeter("vcpu_hours", "vCPU_hour", "vCPU provisioned for self-hosting, times hours"),
    CanonicalMeter(
        "ram_gib_hours", "GiB_hour", "RAM provisioned for self-hosting (GiB), times hours"
    ),
    CanonicalMeter("storage_gb_month", "GB_month", "block storage held on average over the month"),
    CanonicalMeter(
        "object_storage_gb_month", "GB_month", "object storage (files, media) held over the month"
    ),
    CanonicalMeter("stt_minutes", "minute", "audio minutes sent to speech-to-text"),
    CanonicalMeter("llm_input_tokens", "token", "tokens sent to a language model", count=True),
    CanonicalMeter("llm_output_tokens", "token", "tokens produced by a language model", count=True),
    CanonicalMeter(
        "translation_chars", "char", "characters sent to machine translation", count=True
    ),
    CanonicalMeter(
        "subscriber_aggregate_pixels",
        "pixel",
        "sum of width x height of all video streams one subscriber receives at once",
        attribute=True,
        count=True,
    ),
    CanonicalMeter(
        "publisher_stream_pixels",
        "pixel",
        "width x height of one published video stream",
        attribute=True,
        count=True,
    ),
    CanonicalMeter(
        "participant_sessions",
        "connection",
        "call connections (joins); per-connection rounding",
        attribute=True,
        count=True,
    ),
)

BY_NAME: dict[str, CanonicalMeter] = {m.name: m for m in CANONICAL}
NAMES: tuple[str, ...] = tuple(BY_NAME)


# Billing units a sheet may use. Key: (canonical unit, billing unit) -> billing units per canonical
# unit. Any other pair needs an explicit `factor` on the sheet's term (e.g. 1 instance per 2 vCPU).
CONVERSIONS: dict[tuple[str, str], Decimal] = {
    ("minute", "minute"): Decimal(1),
    ("minute", "hour"): Decimal(1) / 60,
    ("user", "user"): Decimal(1),
    ("message", "message"): Decimal(1),
    ("byte", "byte"): Decimal(1),
    ("byte", "KB"): Decimal(1) / 1000,
    ("byte", "GB"): 1 / BYTES_PER_GB,
    ("byte", "GiB"): 1 / BYTES_PER_GIB,
    ("GB", "GB"): Decimal(1),
    ("GB", "GiB"): BYTES_PER_GB / BYTES_PER_GIB,
    ("vCPU_hour", "vCPU_hour"): Decimal(1),
    ("GiB_hour", "GiB_hour"): Decimal(1),
    ("GB_month", "GB_month"): Decimal(1),
    ("token", "token"): Decimal(1),
    ("char", "char"): Decimal(1),
    ("connection", "connection"): Decimal(1),
}

BILLING_UNITS: tuple[str, ...] = (
    *sorted({unit for _, unit in CONVERSIONS}),
    "standard_minute",
    "transaction",
    "instance_hour",
    "mau_equivalent",
)
"""Units a sheet meter may bill in: the convertible ones plus derived units that need a factor."""
