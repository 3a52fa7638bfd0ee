"""Achieved versus target, per received stream: under target, lost packets, frame rate.

A 1.5 Mbps stream measured at 1.2 Mbps is a failed stream, not a success: verdicts report what
was achieved and flag it. Only receive streams are judged; sender counters hide loss.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from workloads.media.records import StreamSample

UNDER_TARGET_RATIO = 0.9
"""A stream below 90 % of its target bitrate is under target."""


@dataclass(frozen=True)
class StreamVerdict:
    peer: str
    stream: str
    kind: str
    intervals: int
    window_s: float
    target_mbps: float
    achieved_mbps: float
    packets_lost: int
    frames_per_s: float
    under_target: bool
    lossy: bool

    @property
    def ok(self) -> bool:
        return self.intervals > 0 and not self.under_target and not self.lossy

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.achieved_mbps / self.target_mbps - 1.0)


def judge_stream(
    samples: Sequence[StreamSample], target_bps: float, ratio: float = UNDER_TARGET_RATIO
) -> StreamVerdict:
    """Judge one stream's samples (all of one peer/stream, receive direction) as one window."""
    first = samples[0]
    window_s = sum(s.interval_s for s in samples)
    payload_bytes = sum(s.payload_bytes for s in samples)
    frames = sum(s.frames_per_s * s.interval_s for s in samples)
    achieved_mbps = 8e-6 * payload_bytes / window_s if window_s > 0 else 0.0
    lost = sum(s.packets_lost for s in samples)
    target_mbps = target_bps / 1e6
    return StreamVerdict(
        peer=first.peer,
        stream=first.stream,
        kind=first.kind,
        intervals=len(samples),
        window_s=window_s,
        target_mbps=target_mbps,
        achieved_mbps=achieved_mbps,
        packets_lost=lost,
        frames_per_s=frames / window_s if window_s > 0 else 0.0,
        under_target=achieved_mbps < ratio * target_mbps,
        lossy=lost > 0,
    )


def judge_streams(
    samples: Iterable[StreamSample],
    target_bps_by_kind: Mapping[str, float],
    after_s: float = 0.0,
) -> list[StreamVerdict]:
    """Verdicts for every receive stream; samples ending at or before `after_s` are warm-up."""
    grouped: dict[tuple[str, str], list[StreamSample]] = defaultdict(list)
    for s in samples:
        if s.direction == "recv" and s.t_s > after_s:
            grouped[(s.peer, s.stream)].append(s)
    return [
        judge_stream(group, target_bps_by_kind[group[0].kind])
        for _, group in sorted(grouped.items())
    ]
