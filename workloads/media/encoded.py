"""aiortc's receive path, stopped before the decoder: marked tracks yield encoded frames.

`RTCRtpReceiver.receive()` always starts a decoder thread running the module-level
`aiortc.rtcrtpreceiver.decoder_worker`. `install()` replaces that global, once per process, with a
dispatcher: a track marked with `mark_encoded(track)` (do it in the peer connection's "track"
handler, which fires before `receive()`) gets `EncodedFrame`s — depacketized, reassembled by
aiortc's jitter buffer, never decoded — and every other track keeps aiortc's own decoder.
For a marked track the thread ends at once and frames go to the track on the event loop itself.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """Hand the receiver's frame queue over to the event loop, then end this thread.

    aiortc puts reassembled frames into `input_q` from the event-loop thread. Rather than waking
    a thread per frame (one GIL hand-off per frame per receiver), the loop thread itself turns
    `input_q.put` into a direct, same-thread put onto the track's queue. The swap runs in the loop
    thread, after moving any frame already queued, so no frame is lost or reordered.
    """
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
        loop.call_soon_threadsafe(_bypass, input_q, output_q)


def _bypass(input_q: queue.Queue[Any], output_q: asyncio.Queue[Any]) -> None:
    def put_direct(task: Any, block: bool = True, timeout: float | None = None) -> None:
        output_q.put_nowait(None if task is None else _frame(*task))

    while True:
        try:
            put_direct(input_q.get_nowait())
        except queue.Empty:
            break
    input_q.put = put_direct  # type: ignore[method-assign, assignment]


def _frame(codec: Any, jitter_frame: Any) -> EncodedFrame:
    return EncodedFrame(
        codec=codec.name,
        clock_rate_hz=codec.clockRate,
        timestamp_ticks=jitter_frame.timestamp,
        data=jitter_frame.data,
    )
