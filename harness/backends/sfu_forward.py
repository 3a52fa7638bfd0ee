"""SFU fan-out without re-encoding: one publisher's encoded frames to every subscriber's sender.

The SFU's receiver hands over reassembled encoded frames (`encoded.EncodedFrame`); `FanOut` wraps
each one once in an `av.Packet` (pts = the stream's RTP timestamp) and queues it to every
`ForwardTrack`, whose aiortc sender only re-packetizes it (`encoder.pack`). A new subscriber
starts at the next keyframe, as a real SFU would, since pass-through cannot make one on demand.
"""

from __future__ import annotations

import asyncio
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from workloads.media.encoded import EncodedFrame

if TYPE_CHECKING:
    from av.stream import Stream

    EncodedPacket = av.Packet[Stream]

MAX_QUEUED_FRAMES = 120
"""A subscriber this far behind is cut back to the next keyframe rather than buffering forever."""


def is_keyframe(codec: str, data: bytes) -> bool:
    """VP8: the inverted key-frame bit of the frame tag; H.264: an IDR or SPS NAL; audio: always."""
    name = codec.lower()
    if name == "vp8":
        return bool(data) and data[0] & 0x01 == 0
    if name == "h264":
        return any(_nal_type(data, i) in (5, 7) for i in _start_code_ends(data))
    return True


def _start_code_ends(data: bytes) -> list[int]:
    ends, i = [], data.find(b"\x00\x00\x01")
    while i != -1:
        ends.append(i + 3)
        i = data.find(b"\x00\x00\x01", i + 3)
    return ends


def _nal_type(data: bytes, index: int) -> int:
    return data[index] & 0x1F if index < len(data) else -1


class ForwardTrack(MediaStreamTrack):
    """One subscriber's copy of a published track: packets queued by FanOut."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self.waiting_for_keyframe = True
        self.frames_dropped = 0

    def offer(self, packet: EncodedPacket | None, keyframe: bool) -> None:
        """Queue a packet (None ends the track); drops until a keyframe when starting or late."""
        if packet is None:
            self._queue.put_nowait(None)
            return
        if self._queue.qsize() >= MAX_QUEUED_FRAMES:
            while not self._queue.empty():
                self._queue.get_nowait()
                self.frames_dropped += 1
            self.waiting_for_keyframe = True
        if self.waiting_for_keyframe and not keyframe:
            self.frames_dropped += 1
            return
        self.waiting_for_keyframe = False
        self._queue.put_nowait(packet)

    async def recv(self) -> EncodedPacket:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet  # type: ignore[no-any-return]


class FanOut:
    """Reads one published (encoded-marked) remote track and feeds its subscribers."""

    def __init__(self, source: MediaStreamTrack) -> None:
        self.kind = source.kind
        self.codec: str | None = None
        self.frames = 0
        self.payload_bytes = 0
        self._subscribers: list[ForwardTrack] = []
        self._task = asyncio.ensure_future(self._run(source))

    def subscribe(self) -> ForwardTrack:
        track = ForwardTrack(self.kind)
        self._subscribers.append(track)
        return track

    def unsubscribe(self, track: ForwardTrack) -> None:
        if track in self._subscribers:
            self._subscribers.remove(track)

    async def _run(self, source: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await source.recv()
            except MediaStreamError:
                break
            assert isinstance(frame, EncodedFrame)
            self._forward(frame)
        for track in self._subscribers:
            track.offer(None, keyframe=True)

    def _forward(self, frame: EncodedFrame) -> None:
        self.codec = frame.codec
        self.frames += 1
        self.payload_bytes += len(frame.data)
        packet = av.Packet(frame.data)
        packet.pts = packet.dts = frame.timestamp_ticks
        packet.time_base = Fraction(1, frame.clock_rate_hz)
        keyframe = is_keyframe(frame.codec, frame.data)
        for track in self._subscribers:
            track.offer(packet, keyframe)

    def stop(self) -> None:
        self._task.cancel()
