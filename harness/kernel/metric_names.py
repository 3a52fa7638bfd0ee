"""The name of every metric, as typed constants grouped by area (`BACKEND.cpu_core_s` is
"backend.cpu_core_s"), so that code never spells a metric name and a misspelt one is a type error.

Each group's field names are the figures of one area; its constant prefixes them with the area.
Families share a group: `DeliveryNames` serves `messaging.*` (all messages), `chat.*` and
`group.*`; `StreamNames` serves `video.*` and `voice.*`. What each name means, its unit and shape
are in the registry (`harness.kernel.metrics`), which checks that it declares every name here.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from typing import Any, TypeVar


@dataclass(frozen=True)
class DeliveryNames:
    """Delivery figures of one message set: all messages, chat only, group only."""

    messages_sent: str
    messages_delivered: str
    deliveries_expected: str
    delivery_ratio: str
    lost: str
    duplicates: str
    reordered: str
    e2e_latency_ms: str


@dataclass(frozen=True)
class MessagingNames(DeliveryNames):
    peak_concurrent_users: str
    payload_bytes_mean: str
    sent_msgs_per_user_per_s: str


@dataclass(frozen=True)
class GroupNames(DeliveryNames):
    fanout_completion_ms: str
    room_size_mean: str


@dataclass(frozen=True)
class BackendNames:
    """The messaging backend's resources."""

    cpu_core_s: str
    cpu_core_s_per_1k_delivered_msgs: str
    rss_bytes_peak: str
    rss_bytes_per_user: str
    storage_bytes_delta: str
    storage_bytes_per_stored_msg: str


@dataclass(frozen=True)
class WireNames:
    """The messaging traffic on the backend's interface."""

    bytes_total: str
    bytes_per_delivered_msg: str
    bytes_per_sent_msg: str
    mbps_mean: str


@dataclass(frozen=True)
class GeneratorNames:
    """The load generators' self-check."""

    cpu_core_s: str
    cpu_core_s_per_1k_msgs: str
    cpu_pct_max: str
    media_cpu_core_s_per_stream_s: str
    media_cpu_pct_max: str


@dataclass(frozen=True)
class StreamNames:
    """One media kind's streams (the first ten), then the media path as a whole (the veth, the SFU;
    a run with video reports the path under `video.*` only)."""

    recv_streams: str
    recv_mbps_per_stream: str
    send_mbps_per_stream: str
    packets_lost: str
    loss_ratio: str
    fps_per_stream: str
    jitter_ms: str
    rtt_ms: str
    join_ms: str
    first_frame_ms: str
    wire_mbps: str
    payload_mbps_sum: str
    rtp_packets_per_s: str
    wire_overhead_ratio: str
    wire_mbps_per_stream: str
    wire_mbps_per_participant: str
    sfu_egress_mbps: str
    sfu_egress_gb_per_participant_hour: str
    sfu_cpu_core_s_per_stream_min: str


@dataclass(frozen=True)
class VideoNames(StreamNames):
    streams_under_target: str
    target_mbps: str


@dataclass(frozen=True)
class TurnNames:
    """What a TURN relay carried."""

    relay_bytes_total: str
    relay_mbps_mean: str
    relay_gb_per_participant_hour: str


_Group = TypeVar("_Group")


def _names(group: type[_Group], area: str) -> _Group:  # pragma: no mutate block (import time)
    names: dict[str, Any] = {f.name: f"{area}.{f.name}" for f in fields(group)}  # type: ignore[arg-type]
    return group(**names)


MESSAGING = _names(MessagingNames, "messaging")
CHAT = _names(DeliveryNames, "chat")
GROUP = _names(GroupNames, "group")
BACKEND = _names(BackendNames, "backend")
WIRE = _names(WireNames, "wire")
GENERATOR = _names(GeneratorNames, "generator")
VIDEO = _names(VideoNames, "video")
VOICE = _names(StreamNames, "voice")
TURN = _names(TurnNames, "turn")


def all_names() -> frozenset[str]:
    """Every name of every group."""
    groups = (MESSAGING, CHAT, GROUP, BACKEND, WIRE, GENERATOR, VIDEO, VOICE, TURN)
    return frozenset(name for group in groups for name in astuple(group))
