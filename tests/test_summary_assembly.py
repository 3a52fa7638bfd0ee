"""How harness.summary assembles summary.json's header from a run's manifest and window
(summary_document), by hand-made inputs; the figures themselves have their own tests."""

from __future__ import annotations

import pytest

from harness.analysis import Window
from harness.kernel.figures import Figure
from harness.kernel.status import RunStatus
from harness.kernel.summary import UnderTarget
from harness.scenario import parse_scenario
from harness.summary import producible_metrics, summary_document

MANIFEST = {
    "scenario": {"name": "small"},
    "backend": {"name": "embedded"},
    "media_backend": {"name": "janus"},
    "methods": {"net_method": "netns"},
}
WINDOW = Window(load_start_ns=2_000_000_000, send_stop_ns=9_000_000_000, end_ns=11_123_456_789)


def test_the_header_comes_from_the_manifest_and_the_load_window() -> None:
    figure = Figure.of_value("messaging.messages_sent", 12, 12)
    slow = UnderTarget("media-0/p1", "video-0", 0.9, 1.5)
    doc = summary_document(
        "run-1", RunStatus.INVALID, ["generator saturated"], MANIFEST,
        {"messaging.messages_sent": figure}, WINDOW, [slow], ["raw/sent-0.csv: 1 torn"],
    )  # fmt: skip
    assert (doc.run_id, doc.status, doc.partial) == ("run-1", RunStatus.INVALID, False)
    assert doc.reasons == ("generator saturated",)
    assert (doc.scenario, doc.backend, doc.media_backend, doc.net_method) == (
        "small", "embedded", "janus", "netns",
    )  # fmt: skip
    # From load start to the end: 11.123456789 - 2 s, to the millisecond.
    assert doc.load_window_s == 9.123
    assert dict(doc.metrics) == {"messaging.messages_sent": figure}
    assert doc.media_under_target == (slow,)
    assert doc.notes == ("raw/sent-0.csv: 1 torn",)


def test_a_run_without_media_or_notes_says_none_and_is_partial_when_it_failed() -> None:
    manifest = {k: v for k, v in MANIFEST.items() if k != "media_backend"}
    doc = summary_document("run-2", RunStatus.FAILED, [], manifest, {}, WINDOW)
    assert doc.media_backend == "none"
    assert doc.partial is True
    assert (doc.media_under_target, doc.notes, doc.reasons) == ((), (), ())


def test_metrics_the_backend_cannot_produce_are_left_out_and_listed_with_the_reason() -> None:
    stored = Figure.of_value("backend.storage_bytes_per_stored_msg", 0.0, 10)
    sent = Figure.of_value("messaging.messages_sent", 10, 10)
    manifest = {**MANIFEST, "unavailable": {"backend.storage_bytes_per_stored_msg": "no_history"}}
    metrics = {"backend.storage_bytes_per_stored_msg": stored, "messaging.messages_sent": sent}
    doc = summary_document("run-3", RunStatus.OK, [], manifest, metrics, WINDOW)
    assert dict(doc.metrics) == {"messaging.messages_sent": sent}
    assert dict(doc.unavailable) == {"backend.storage_bytes_per_stored_msg": "no_history"}
    assert (
        dict(summary_document("r", RunStatus.OK, [], MANIFEST, metrics, WINDOW).unavailable) == {}
    )


def test_the_load_window_is_in_seconds_exactly() -> None:
    # 10^15 ns is 10^6 s; a divisor one nanosecond off would make it 999,999.999 s.
    long = Window(load_start_ns=0, send_stop_ns=0, end_ns=10**15)
    assert summary_document("r", RunStatus.OK, [], MANIFEST, {}, long).load_window_s == 1_000_000.0


@pytest.mark.parametrize(("audio_kbps", "voice"), [(0, False), (1, True), (32, True)])
def test_a_video_workload_counts_as_voice_only_with_an_audio_track(
    audio_kbps: int, voice: bool
) -> None:
    doc = {
        "scenario": {"name": "call", "duration_s": 5},
        "workload": [
            {"kind": "video", "users": 2, "room_size": 2, "audio_bitrate_kbps": audio_kbps}
        ],
    }
    names = {spec.name for spec in producible_metrics(parse_scenario(doc, "call"))}
    assert ("voice.loss_ratio" in names) is voice
    assert "video.loss_ratio" in names
