"""A receiver that depacketizes and counts but never decodes, and the counters it samples.

aiortc receives, decrypts, depacketizes and reassembles frames (its jitter buffer); the track is
marked with `encoded.mark_encoded`, so frames arrive here as bytes and are only counted. Packets,
loss and jitter come from the receiver's own inbound-rtp stats — loss is judged on this side,
never from the sender's counters, which look perfect while a receiver drops packets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiortc import RTCRtpReceiver
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from workloads.media.encoded import EncodedFrame, mark_encoded
from workloads.media.records import StreamCounters, StreamId, StreamJoin, jitter_ms

RttSource = Callable[[], Awaitable[float | None]]


class FrameCounter:
    """Frames and bytes of one stream; time is passed in, so it is testable without a clock."""

    def __init__(self, started_s: float) -> None:
        self.started_s = started_s
        self.frames = 0
        self.payload_bytes = 0
        self.first_frame_s: float | None = None

    def add(self, size_bytes: int, now_s: float) -> None:
        if self.first_frame_s is None:
            self.first_frame_s = now_s
        self.frames += 1
        self.payload_bytes += size_bytes


class ReceiveStream:
    """One received track: drains its encoded frames and reads its receiver's stats."""

    def __init__(
        self,
        ident: StreamId,
        receiver: RTCRtpReceiver,
        track: MediaStreamTrack,
        started_s: float,
        rtt_source: RttSource | None = None,
        decode: bool = False,
    ) -> None:
        """`decode=True` leaves aiortc's decoder in place (a stock baseline: frames are counted,
        payload bytes are not known and stay 0)."""
        if not decode:
            mark_encoded(track)
        self.ident = ident
        self.receiver = receiver
        self.counter = FrameCounter(started_s)
        self.connected_s: float | None = None
        self._clock_rate_hz = 48_000 if track.kind == "audio" else 90_000
        self._rtt_source = rtt_source
        self._task = asyncio.ensure_future(_drain(track, self.counter))

    async def counters(self, now_s: float) -> StreamCounters:
        """A cumulative snapshot: frames and bytes counted here, packets and loss from aiortc."""
        packets = lost = 0
        jitter = None
        report = await self.receiver.getStats()
        for stats in report.values():
            if stats.type == "inbound-rtp":
                packets, lost = stats.packetsReceived, stats.packetsLost
                jitter = jitter_ms(stats.jitter, self._clock_rate_hz)
        rtt = await self._rtt_source() if self._rtt_source else None
        return StreamCounters(
            t_s=now_s,
            payload_bytes=self.counter.payload_bytes,
            packets=packets,
            packets_lost=lost,
            frames=self.counter.frames,
            jitter_ms=jitter,
            rtt_ms=rtt,
        )

    def join(self, wall_utc_s: float) -> StreamJoin:
        return join_record(self.ident, self.counter, self.connected_s, wall_utc_s)

    def stop(self) -> None:
        self._task.cancel()


def join_record(
    ident: StreamId, counter: FrameCounter, connected_s: float | None, wall_utc_s: float
) -> StreamJoin:
    """Join time and time to first frame, both from the start of signalling."""

    def since_start_ms(t_s: float | None) -> float | None:
        return None if t_s is None else 1000.0 * (t_s - counter.started_s)

    return StreamJoin(
        peer=ident.peer,
        stream=ident.stream,
        direction=ident.direction,
        kind=ident.kind,
        codec=ident.codec,
        wall_utc_s=wall_utc_s,
        join_ms=since_start_ms(connected_s),
        first_frame_ms=since_start_ms(counter.first_frame_s),
    )


async def _drain(track: MediaStreamTrack, counter: FrameCounter) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        counter.add(len(frame.data) if isinstance(frame, EncodedFrame) else 0, loop.time())
