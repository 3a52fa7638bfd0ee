"""Turning raw usage into billable units: size units for messages, resolution classes for video.

Messages: a vendor that counts per 1 KB (Agora Signaling), 2 KB (PubNub) or 32 KB (AWS API
Gateway) charges each message ceil(size / unit) units. Fan-out counting (Ably, Agora
Signaling) bills the publish and every delivery: a sheet sums `messages_sent` and
`message_deliveries` for that.

Video: Agora and Tencent pick the price tier from the *aggregate* resolution one subscriber
receives at once (sum of width x height of every stream), Alibaba from the publisher's stream.
A class gives the tier's list rate and/or its ratio to standard minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal


def size_units(message_bytes: Decimal, unit_bytes: Decimal) -> Decimal:
    """Billable units for one message of `message_bytes`: ceil(size / unit), at least 1."""
    units = (message_bytes / unit_bytes).to_integral_value(rounding=ROUND_CEILING)
    return max(units, Decimal(1))


def fanout_count(sent: Decimal, deliveries: Decimal) -> Decimal:
    """Messages counted when publish and each delivery are billed: 1 publish to N = N + 1."""
    return sent + deliveries


@dataclass(frozen=True)
class PixelClass:
    """A resolution tier: streams up to `max_pixels` (None = no limit) are billed as `name`."""

    name: str
    max_pixels: Decimal | None
    ratio: Decimal
    """Standard minutes per minute in this tier (Agora: 1, 4, 9, 16, 36)."""
    rate_usd: Decimal | None = None
    """This tier's own list rate, when the meter prices tiers directly."""


def aggregate_pixels(streams: Decimal, width: int, height: int) -> Decimal:
    """Pixels one subscriber receives at once from `streams` streams of width x height."""
    return streams * width * height


def pick_class(pixels: Decimal, classes: tuple[PixelClass, ...]) -> PixelClass:
    """The first class whose `max_pixels` holds `pixels` (classes are ordered, last is open)."""
    for cls in classes:
        if cls.max_pixels is None or pixels <= cls.max_pixels:
            return cls
    return classes[-1]


def standard_minutes(minutes: Decimal, cls: PixelClass) -> Decimal:
    """Minutes in a tier converted to standard minutes at that tier's ratio."""
    return minutes * cls.ratio
