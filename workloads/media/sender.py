"""Counters of one sending stream, from aiortc's outbound-rtp and remote-inbound-rtp stats.

What a generator offered, not what arrived: `bytesSent` is RTP payload only and never shows the
far end's loss, so bitrate and loss verdicts use receive streams. The far end's RTCP receiver
reports give the round-trip time — the only RTT aiortc exposes.
"""

from __future__ import annotations

from aiortc import RTCPeerConnection, RTCRtpSender

from workloads.media.records import StreamCounters, StreamId, jitter_ms
from workloads.media.tracks import PacketLoopTrack


class SendStream:
    """One sent packet-loop track."""

    def __init__(self, ident: StreamId, sender: RTCRtpSender, track: PacketLoopTrack) -> None:
        self.ident = ident
        self.sender = sender
        self.track = track
        self._clock_rate_hz = 48_000 if track.kind == "audio" else 90_000

    async def counters(self, now_s: float) -> StreamCounters:
        sent_bytes = sent_packets = lost = 0
        jitter = rtt = None
        report = await self.sender.getStats()
        for stats in report.values():
            if stats.type == "outbound-rtp":
                sent_bytes, sent_packets = stats.bytesSent, stats.packetsSent
            elif stats.type == "remote-inbound-rtp":
                lost = stats.packetsLost
                jitter = jitter_ms(stats.jitter, self._clock_rate_hz)
                rtt = _ms(stats.roundTripTime)
        return StreamCounters(
            t_s=now_s,
            payload_bytes=sent_bytes,
            packets=sent_packets,
            packets_lost=lost,
            frames=self.track.frames_sent,
            jitter_ms=jitter,
            rtt_ms=rtt,
        )


async def peer_rtt_ms(pc: RTCPeerConnection) -> float | None:
    """Round-trip time of a peer connection, from its first sender with a receiver report."""
    for sender in pc.getSenders():
        report = await sender.getStats()
        for stats in report.values():
            if stats.type == "remote-inbound-rtp" and stats.roundTripTime is not None:
                return _ms(stats.roundTripTime)
    return None


def _ms(seconds: float | None) -> float | None:
    """aiortc's roundTripTime is seconds, or None before a report with LSR/DLSR arrived."""
    return None if seconds is None else 1000.0 * float(seconds)
