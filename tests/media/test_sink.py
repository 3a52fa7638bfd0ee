"""The driver's record file is an interface: its line format is pinned here (golden lines)."""

from __future__ import annotations

from pathlib import Path

from workloads.media.looplag import LoopLag
from workloads.media.records import StreamJoin, StreamSample
from workloads.media.sink import JsonlSink, read_records, read_samples

SAMPLE = StreamSample(
    peer="p0", stream="p1/video", direction="recv", kind="video", codec="vp8",
    t_s=12.5, wall_utc_s=1795838000.0, interval_s=1.0,
    payload_bytes_total=375000, packets_total=320, packets_lost_total=0, frames_total=60,
    payload_bytes=187500, packets=160, packets_lost=0, payload_mbps=1.5, frames_per_s=30.0,
    jitter_ms=0.5, rtt_ms=None,
)  # fmt: skip

GOLDEN = [
    '{"record":"media.sample","peer":"p0","stream":"p1/video","direction":"recv","kind":"video",'
    '"codec":"vp8","t_s":12.5,"wall_utc_s":1795838000.0,"interval_s":1.0,'
    '"payload_bytes_total":375000,"packets_total":320,"packets_lost_total":0,"frames_total":60,'
    '"payload_bytes":187500,"packets":160,"packets_lost":0,"payload_mbps":1.5,"frames_per_s":30.0,'
    '"jitter_ms":0.5,"rtt_ms":null}',
    '{"record":"media.join","peer":"p0","stream":"p1/video","direction":"recv","kind":"video",'
    '"codec":"vp8","wall_utc_s":1795838000.0,"join_ms":35.0,"first_frame_ms":520.0}',
    '{"record":"media.loop","t_s":12.5,"wall_utc_s":1795838000.0,"probes":20,"lag_ms_max":2.0,'
    '"lag_ms_mean":0.5,"track_restarts":0}',
]


def test_records_are_written_one_json_object_per_line_in_a_fixed_format(tmp_path: Path) -> None:
    sink = JsonlSink(tmp_path / "media.jsonl")
    sink.write(SAMPLE)
    sink.write(StreamJoin("p0", "p1/video", "recv", "video", "vp8", 1795838000.0, 35.0, 520.0))
    sink.write(LoopLag(12.5, 1795838000.0, 20, 2.0, 0.5, 0))
    sink.close()
    assert (tmp_path / "media.jsonl").read_text().splitlines() == GOLDEN


def test_a_torn_last_line_of_a_killed_driver_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "media.jsonl"
    path.write_text(GOLDEN[0] + "\n" + GOLDEN[1] + "\n" + GOLDEN[0][:40])
    assert read_samples(path) == [SAMPLE]
    assert len(read_records(path, "media.join")) == 1
