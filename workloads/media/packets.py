"""A clip demuxed once into memory: one immutable packet list that every sender track shares.

N sender tracks over the same `ClipPackets` cost no extra memory: each track only keeps an index
and a loop counter, and builds a short-lived `av.Packet` per send.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from workloads.media.clips import ClipInfo


@dataclass(frozen=True)
class ClipPackets:
    """Encoded packets of one clip stream, timestamps relative to its first packet."""

    kind: str
    codec: str
    payloads: tuple[bytes, ...]
    pts_ticks: tuple[int, ...]
    keyframes: tuple[bool, ...]
    time_base: Fraction
    period_ticks: int
    """Loop length: last packet's pts minus the first, plus one packet duration."""
    achieved_bitrate_bps: float

    @property
    def period_s(self) -> float:
        return float(self.period_ticks * self.time_base)


def load_packets(info: ClipInfo) -> ClipPackets:
    """Demux `info.path` into a ClipPackets (skips empty packets and packets without pts)."""
    payloads: list[bytes] = []
    pts: list[int] = []
    keys: list[bool] = []
    with av.open(str(Path(info.path))) as container:
        stream = container.streams[0]
        time_base = Fraction(stream.time_base or Fraction(1, 90_000))
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue
            payloads.append(bytes(packet))
            pts.append(packet.pts)
            keys.append(bool(packet.is_keyframe))
    origin = pts[0]
    relative = tuple(p - origin for p in pts)
    step = (relative[-1] - relative[0]) // max(len(relative) - 1, 1)
    return ClipPackets(
        kind=info.kind,
        codec=info.codec,
        payloads=tuple(payloads),
        pts_ticks=relative,
        keyframes=tuple(keys),
        time_base=time_base,
        period_ticks=relative[-1] + step,
        achieved_bitrate_bps=info.achieved_bitrate_bps,
    )


def loop_pts_ticks(packets: ClipPackets, start_index: int, sent: int) -> int:
    """Running pts of the `sent`-th packet a track emits when it starts at `start_index`.

    Monotonic across loops: each pass over the clip adds `period_ticks`, so the receiver sees a
    continuous stream and pacing stays at the clip's own rate.
    """
    count = len(packets.payloads)
    absolute = start_index + sent
    loops, index = divmod(absolute, count)
    return loops * packets.period_ticks + packets.pts_ticks[index] - packets.pts_ticks[start_index]
