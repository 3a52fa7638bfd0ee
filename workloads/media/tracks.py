"""Packet-loop tracks: pre-encoded packets from memory, paced by the clip's own timestamps.

aiortc packetizes an `av.Packet` returned by `recv()` without encoding (`encoder.pack`), so a
sender built on these tracks never runs a codec. Unlike `MediaPlayer(loop=True)`, the timestamp
keeps running across loops (no restart, no burst) and there is no demux thread per track.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import av
from aiortc.codecs import h264, vpx
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from workloads.media.packets import ClipPackets, loop_pts_ticks

if TYPE_CHECKING:
    from av.stream import Stream

    EncodedPacket = av.Packet[Stream]

MAX_LATE_S = 0.5
"""If the event loop falls further behind than this, the schedule is re-anchored at now and the
track carries on with its next packet, instead of bursting every overdue packet to catch up."""


class PacketLoopTrack(MediaStreamTrack):
    """Yields the shared clip packets forever with a running pts, one at its due time."""

    def __init__(self, packets: ClipPackets, start_index: int = 0) -> None:
        super().__init__()
        self.kind = packets.kind
        self._packets = packets
        self._start_index = start_index % len(packets.payloads)
        self._sent = 0
        self._origin_s: float | None = None
        self._skew_ticks = 0
        self.restarts = 0
        """How many times the loop lagged more than MAX_LATE_S and the schedule was reset."""

    async def recv(self) -> EncodedPacket:
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        pts_ticks = loop_pts_ticks(self._packets, self._start_index, self._sent)
        now_s = loop.time()
        if self._origin_s is None:
            self._origin_s = now_s
        due_s = self._origin_s + float((pts_ticks - self._skew_ticks) * self._packets.time_base)
        if now_s - due_s > MAX_LATE_S:
            self._origin_s, self._skew_ticks = now_s, pts_ticks
            self.restarts += 1
        elif due_s > now_s:
            await asyncio.sleep(due_s - now_s)
        return self._packet(pts_ticks)

    @property
    def frames_sent(self) -> int:
        """Packets handed to the sender so far (one video frame or one 20 ms Opus frame each)."""
        return self._sent

    def _packet(self, pts_ticks: int) -> EncodedPacket:
        index = (self._start_index + self._sent) % len(self._packets.payloads)
        packet = av.Packet(self._packets.payloads[index])
        packet.pts = packet.dts = pts_ticks
        packet.time_base = self._packets.time_base
        self._sent += 1
        return packet


def pin_encoder_bitrate(bitrate_bps: int) -> None:
    """Pin aiortc's VP8 and H.264 encoder targets (process-wide) so REMB cannot move them.

    Packet-loop tracks never reach an encoder, so this only matters if a live-encoding track is
    ever mixed in: without it aiortc starts at 0.5 Mbps, clamps VP8 to 1.5 Mbps and rebuilds the
    encoder (a keyframe) on every REMB step. Call it once, in the process's composition root.
    """
    vpx.DEFAULT_BITRATE = vpx.MIN_BITRATE = vpx.MAX_BITRATE = bitrate_bps
    h264.DEFAULT_BITRATE = h264.MIN_BITRATE = h264.MAX_BITRATE = bitrate_bps
