"""How the run's video shaped the priced call quantities, in one note above the cost table.

When the run measured video, its streams' resolution is priced (not the profile's) and egress
comes from its wire figures; the note says which figure, and compares the received payload rate
with the run's own target — never with the profile's, which is not priced.
"""

from __future__ import annotations

from decimal import Decimal

from cost_mapping.counting import aggregate_pixels
from cost_mapping.display import num
from cost_mapping.profile import UsageProfile
from cost_mapping.summary import RunSummary
from cost_mapping.volumes import ZERO, stream_size, video_minutes
from harness.kernel.metric_names import VIDEO


def call_shape_note(p: UsageProfile, run: RunSummary) -> str | None:
    """How the run's video shaped the call quantities: resolution, received rate, egress figure."""
    if not run.covers("video") or not video_minutes(p):
        return None
    width, height, size_text, kind = stream_size(p, run)
    streams = p.calls.participants_per_call - 1
    out = [f"video: each stream {size_text} [{kind}]"]
    out.append(
        f"a subscriber receives {num(streams)} streams (profile calls.participants_per_call) "
        f"= {num(aggregate_pixels(streams, width, height))} px"
    )
    received, target = run.mean(VIDEO.recv_mbps_per_stream), run.value(VIDEO.target_mbps)
    if received is not None:
        line = (
            f"received payload {num(received)} Mbps per stream ({VIDEO.recv_mbps_per_stream} mean)"
        )
        if target is not None:
            line += f" against the run's own {num(target)} Mbps target ({VIDEO.target_mbps})"
            if received < target * Decimal("0.9"):
                line += ": below 90 % of it, the run's streams under-delivered (see video.streams_under_target)"
        out.append(line)
    if run.value(VIDEO.sfu_egress_gb_per_participant_hour) is not None:
        out.append(
            f"egress priced from {VIDEO.sfu_egress_gb_per_participant_hour}: wire bytes, headers included"
        )
    elif run.value(VIDEO.wire_mbps_per_stream) is not None:
        wire = run.value(VIDEO.wire_mbps_per_stream)
        out.append(
            f"egress priced from {VIDEO.wire_mbps_per_stream} = {num(wire or ZERO)} Mbps per stream: wire, headers included"
        )
    return "; ".join(out)


def bitrate_note(p: UsageProfile, run: RunSummary) -> str | None:
    """Kept for callers of the earlier name: the call-shape note (the profile's bitrate target
    is not priced when the run measured video, so it is no longer compared)."""
    return call_shape_note(p, run)
