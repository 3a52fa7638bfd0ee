"""aiortc's receive path, stopped before the decoder: marked tracks yield encoded frames.

`RTCRtpReceiver.receive()` always starts a decoder thread running the module-level
`aiortc.rtcrtpreceiver.decoder_worker`. `install()` replaces that global, once per process, with a
dispatcher: a track marked with `mark_encoded(track)` (do it in the peer connection's "track"
handler, which fires before `receive()`) gets `EncodedFrame`s — depacketized, reassembled by
aiortc's jitter buffer, never decoded — and every other track keeps aiortc's own decoder.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from aiortc import rtcrtpreceiver
from aiortc.mediastreams import MediaStreamTrack

_ENCODED_QUEUES: weakref.WeakSet[asyncio.Queue[Any]] = weakref.WeakSet()
_ORIGINAL_WORKER = rtcrtpreceiver.decoder_worker


@dataclass(frozen=True)
class EncodedFrame:
    """One reassembled frame as it came off the wire, before any decoder."""

    codec: str
    clock_rate_hz: int
    timestamp_ticks: int
    """RTP timestamp mapped by aiortc to start at 0 for the stream (in clock_rate_hz units)."""
    data: bytes


def mark_encoded(track: MediaStreamTrack) -> None:
    """Make this remote track yield EncodedFrame objects instead of decoded frames."""
    install()
    _ENCODED_QUEUES.add(track._queue)  # type: ignore[attr-defined]


def install() -> None:
    """Put the dispatching worker in place of aiortc's decoder worker (idempotent)."""
    rtcrtpreceiver.decoder_worker = _dispatch_worker


def uninstall() -> None:
    """Restore aiortc's own decoder worker for receivers started from now on."""
    rtcrtpreceiver.decoder_worker = _ORIGINAL_WORKER


def _dispatch_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    if output_q in _ENCODED_QUEUES:
        _encoded_worker(loop, input_q, output_q)
    else:
        _ORIGINAL_WORKER(loop, input_q, output_q, decode_error)


def _encoded_worker(
    loop: asyncio.AbstractEventLoop, input_q: queue.Queue[Any], output_q: asyncio.Queue[Any]
) -> None:
    """Hand each reassembled frame to the event loop; None (end of stream) ends the track."""
    while True:
        task = input_q.get()
        item = None if task is None else _frame(*task)
        try:
            loop.call_soon_threadsafe(output_q.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            return
        if item is None:
            return


def _frame(codec: Any, jitter_frame: Any) -> EncodedFrame:
    return EncodedFrame(
        codec=codec.name,
        clock_rate_hz=codec.clockRate,
        timestamp_ticks=jitter_frame.timestamp,
        data=jitter_frame.data,
    )
