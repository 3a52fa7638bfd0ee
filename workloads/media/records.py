"""Media record types (frozen, units in field names) and the pure arithmetic that derives rates.

Counters are cumulative snapshots with a monotonic timestamp; a `StreamSample` is the difference
of two snapshots of the same stream, written once per stream per second.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamId:
    """Which stream: the local peer, the stream name (`<publisher>/<kind>`), its direction."""

    peer: str
    stream: str
    direction: str
    """'recv' (judged for loss and bitrate) or 'send' (what the generator offered)."""
    kind: str
    codec: str


@dataclass(frozen=True)
class StreamCounters:
    """Cumulative counters of one stream at monotonic time `t_s`."""

    t_s: float
    payload_bytes: int
    """Receive: depacketized frame bytes (no RTP header/descriptor). Send: RTP payload bytes."""
    packets: int
    packets_lost: int
    """Receive: from aiortc's inbound-rtp (RFC 3550 cumulative). Send: as the far end reported."""
    frames: int
    jitter_ms: float | None
    rtt_ms: float | None


@dataclass(frozen=True)
class StreamSample:
    """One stream over one interval (about a second): the row a driver writes."""

    peer: str
    stream: str
    direction: str
    kind: str
    codec: str
    t_s: float
    """Monotonic end of the interval (time.monotonic of the writing process)."""
    wall_utc_s: float
    """Wall-clock end of the interval (Unix seconds), to align with other records."""
    interval_s: float
    payload_bytes_total: int
    packets_total: int
    packets_lost_total: int
    frames_total: int
    payload_bytes: int
    packets: int
    packets_lost: int
    payload_mbps: float
    frames_per_s: float
    jitter_ms: float | None
    rtt_ms: float | None


@dataclass(frozen=True)
class StreamJoin:
    """When one stream became usable, measured from the start of its signalling."""

    peer: str
    stream: str
    direction: str
    kind: str
    codec: str
    wall_utc_s: float
    join_ms: float | None
    """Signalling start → ICE/DTLS connected; None if it never connected."""
    first_frame_ms: float | None
    """Signalling start → first complete frame received (receive streams only)."""


def jitter_ms(jitter_ticks: int, clock_rate_hz: int) -> float:
    """aiortc reports jitter in RTP timestamp units; convert to milliseconds."""
    return 1000.0 * jitter_ticks / clock_rate_hz


def sample(
    ident: StreamId, before: StreamCounters, after: StreamCounters, wall_utc_s: float
) -> StreamSample:
    """The interval between two cumulative snapshots of one stream."""
    interval_s = after.t_s - before.t_s
    payload = after.payload_bytes - before.payload_bytes
    frames = after.frames - before.frames
    return StreamSample(
        peer=ident.peer,
        stream=ident.stream,
        direction=ident.direction,
        kind=ident.kind,
        codec=ident.codec,
        t_s=after.t_s,
        wall_utc_s=wall_utc_s,
        interval_s=interval_s,
        payload_bytes_total=after.payload_bytes,
        packets_total=after.packets,
        packets_lost_total=after.packets_lost,
        frames_total=after.frames,
        payload_bytes=payload,
        packets=after.packets - before.packets,
        packets_lost=after.packets_lost - before.packets_lost,
        payload_mbps=8e-6 * payload / interval_s if interval_s > 0 else 0.0,
        frames_per_s=frames / interval_s if interval_s > 0 else 0.0,
        jitter_ms=after.jitter_ms,
        rtt_ms=after.rtt_ms,
    )
