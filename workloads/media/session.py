"""The per-second sampler of a media driver: every stream of every peer link, into the sink.

Each tick takes a cumulative snapshot of every stream and writes the difference from the previous
one (`records.sample`); a stream's first snapshot is its baseline, so every sample is a true
interval. Join records are written once per stream: when its first frame arrives (receive), when
its connection comes up (send), or at close for streams that never got there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from workloads.media.peers import PeerLink
from workloads.media.receiver import FrameCounter, ReceiveStream, join_record
from workloads.media.records import StreamCounters, StreamSample, sample
from workloads.media.sender import SendStream
from workloads.media.sink import JsonlSink

Stream = ReceiveStream | SendStream


@dataclass(frozen=True)
class DriverEvent:
    """A driver lifecycle event: start, joined, end, error."""

    event: str
    wall_utc_s: float
    t_s: float
    pid: int
    detail: str


class MediaSession:
    """The streams one driver process owns, sampled once per interval into a sink."""

    def __init__(self, sink: JsonlSink | None = None, keep_samples: bool = False) -> None:
        self.sink = sink
        self.links: list[PeerLink] = []
        self.samples: list[StreamSample] = []
        self._keep = keep_samples
        self._previous: dict[int, StreamCounters] = {}
        self._joined: set[int] = set()

    def streams(self) -> list[tuple[PeerLink, Stream]]:
        pairs: list[tuple[PeerLink, Stream]] = []
        for link in self.links:
            pairs.extend((link, s) for s in link.send_streams)
            pairs.extend((link, s) for s in link.recv_streams)
        return pairs

    def event(self, name: str, detail: str = "") -> None:
        now_s = asyncio.get_running_loop().time()
        self._write(DriverEvent(name, time.time(), now_s, os.getpid(), detail))

    async def sample_once(self) -> list[StreamSample]:
        now_s, wall_s = asyncio.get_running_loop().time(), time.time()
        out = []
        for link, stream in self.streams():
            current = await stream.counters(now_s)
            previous = self._previous.get(id(stream))
            self._previous[id(stream)] = current
            if previous is not None and current.t_s > previous.t_s:
                out.append(sample(stream.ident, previous, current, wall_s))
            self._maybe_join(link, stream, wall_s, final=False)
        for row in out:
            self._write(row)
        if self._keep:
            self.samples.extend(out)
        if self.sink:
            self.sink.flush()
        return out

    def _maybe_join(self, link: PeerLink, stream: Stream, wall_s: float, final: bool) -> None:
        if id(stream) in self._joined:
            return
        if isinstance(stream, ReceiveStream):
            ready = stream.counter.first_frame_s is not None
            record = stream.join(wall_s)
        else:
            ready = link.connected_s is not None
            record = join_record(
                stream.ident, FrameCounter(link.started_s), link.connected_s, wall_s
            )
        if ready or final:
            self._joined.add(id(stream))
            self._write(record)

    async def run(
        self,
        interval_s: float,
        stop: asyncio.Event,
        on_samples: Callable[[list[StreamSample]], None] | None = None,
    ) -> None:
        """Sample every `interval_s` on a fixed grid until `stop` is set (then once more)."""
        loop = asyncio.get_running_loop()
        next_s = loop.time() + interval_s
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_s - loop.time()))
            rows = await self.sample_once()
            if on_samples:
                on_samples(rows)
            next_s += interval_s

    async def close(self) -> None:
        """Write the joins still pending, close every peer connection, flush."""
        wall_s = time.time()
        for link, stream in self.streams():
            self._maybe_join(link, stream, wall_s, final=True)
        for link in self.links:
            await link.close()
        if self.sink:
            self.sink.flush()

    def _write(self, record: object) -> None:
        if self.sink:
            self.sink.write(record)
