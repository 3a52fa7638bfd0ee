"""Run summary x usage profile -> canonical quantities, against the documented summary fixtures."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from cost_mapping.derive import MEASURED, call_shape_note, derive
from cost_mapping.meters import NAMES
from cost_mapping.profile import UsageProfile, load_profile, parse_profile
from cost_mapping.sheet_load import shipped_ids
from cost_mapping.summary import RESOLUTION_PX, RunSummary, parse_summary, read_summary
from harness.kernel.config import Fields
from harness.scenario import load_scenario

FIXTURES = Path(__file__).parents[1] / "fixtures"

# Round numbers: 24 msgs/day x 730/24 days = 730 per user; 10,000 MAU -> 7.3M sends.
PROFILE = """
name = "test"
[users]
peak_ccu = 1000
mau = 10000
[messaging]
messages_per_user_per_day = 24
group_message_share = 0.5
group_size = 5
retention_days = 73
peak_to_mean = 2
[calls]
call_minutes_per_user_per_month = 30
participants_per_call = 4
mean_call_minutes = 20
video_share = 0.5
resolution = "640x360"
[ai]
stt_minutes_per_user_per_month = 1
llm_input_tokens_per_user_per_month = 1000
llm_output_tokens_per_user_per_month = 100
translation_chars_per_user_per_month = 500
[self_hosting]
target_cpu_utilisation = 0.5
headroom = 0.25
"""


def profile(text: str = PROFILE) -> UsageProfile:
    return parse_profile(Fields("test.toml", tomllib.loads(text, parse_float=D)))


def summary(name: str, drop: tuple[str, ...] = ()) -> RunSummary:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(), parse_float=D)
    for metric in drop:
        del data["metrics"][metric]
    return parse_summary(data, name)


def close(value: D, expected: str) -> bool:
    return abs(value - D(expected)) < D("1e-9")


def test_profile_quantities_for_a_messaging_run() -> None:
    q = derive(profile(), summary("summary_messaging.json"))
    assert q["mau"].value == 10000 and q["peak_ccu"].value == 1000
    assert q["messages_sent"].value == 7300000  # 10,000 x 24 x 30.4167
    assert q["message_deliveries"].value == 18250000  # x (0.5 x 1 + 0.5 x 4) = 2.5 per send
    assert q["message_bytes"].value == 7300000 * 256  # measured payload 256 B
    assert "messaging.payload_bytes_mean" in q["message_bytes"].derivation
    assert q["connection_minutes"].value == 21900000  # 1,000 / 2 x 43,800 min
    assert q["stt_minutes"].value == 10000 and q["translation_chars"].value == 5000000
    assert q["subscriber_aggregate_pixels"].value == 691200  # 3 x 640 x 360


def test_measured_quantities_for_a_messaging_run() -> None:
    q = derive(profile(), summary("summary_messaging.json"))
    # 18.25M deliveries / 2,628,000 s x 2 peak = 13.889/s; x 0.41 core_s / 1,000 = 0.005694 cores;
    # / 0.5 utilisation x 1.25 headroom = 0.014236 cores; x 730 h = 10.392361 vCPU-hours
    assert close(q["vcpu_hours"].value, "10.392361111")
    # 262,144 B x 1,000 CCU x 1.25 / 2^30 = 0.30518 GiB x 730 h
    assert q["ram_gib_hours"].value == D("222.7783203125")
    # 1,000 wire bytes x 18.25M deliveries / 10^9
    assert q["egress_gb"].value == D("18.25")
    # 7.3M / 30.4167 days = 240,000 msgs/day x 73 days = 17.52M kept x 640 B / 10^9
    assert close(q["storage_gb_month"].value, "11.2128")
    assert "backend.cpu_core_s_per_1k_delivered_msgs" in q["vcpu_hours"].derivation
    assert "20261128T040000Z-quickstart-embedded-3f2a" in q["vcpu_hours"].derivation


def test_a_messaging_run_leaves_call_quantities_as_gaps() -> None:
    q = derive(profile(), summary("summary_messaging.json"))
    for name in ("participant_minutes", "subscriber_minutes", "audio_minutes"):
        assert q[name].value == 0
        assert q[name].gaps == (
            f"{name}: run 20261128T040000Z-quickstart-embedded-3f2a has no video figures",
        )
    assert q["egress_gb"].gaps == (
        "egress_gb: video part not measured (run 20261128T040000Z-quickstart-embedded-3f2a has no video figures)",
    )
    assert q["media_egress_gb"].value == 0 and q["media_egress_gb"].gaps


def test_a_profile_without_calls_has_no_video_gaps() -> None:
    no_calls = PROFILE.replace(
        "call_minutes_per_user_per_month = 30", "call_minutes_per_user_per_month = 0"
    )
    q = derive(profile(no_calls), summary("summary_messaging.json"))
    assert all(not x.gaps for x in q.values()), {k: v.gaps for k, v in q.items() if v.gaps}


def test_an_absent_metric_is_named_never_guessed() -> None:
    q = derive(profile(), summary("summary_messaging.json", drop=("backend.rss_bytes_per_user",)))
    assert q["ram_gib_hours"].value == 0
    assert q["ram_gib_hours"].gaps == (
        "ram_gib_hours: messaging part: metric backend.rss_bytes_per_user absent from run "
        "20261128T040000Z-quickstart-embedded-3f2a",
    )


def test_measured_quantities_for_a_video_run() -> None:
    q = derive(profile(), summary("summary_video.json"))
    assert q["participant_minutes"].value == 300000 and not q["participant_minutes"].gaps
    assert q["subscriber_minutes"].value == 150000 and q["audio_minutes"].value == 150000
    assert q["participant_sessions"].value == 15000
    # 150,000 video min x 3 streams = 450,000 stream-min / 2,628,000 s x 2 peak x 1.2 core_s
    # / 0.5 x 1.25 x 730 h = 750 vCPU-hours
    assert close(q["vcpu_hours"].value, "750")
    # 150,000 video min / 60 = 2,500 participant-hours x 1.3 GB
    assert q["media_egress_gb"].value == D("3250.0")
    assert q["egress_gb"].value == D("3250.0")
    assert q["messages_sent"].gaps  # a video-only run prices no messaging


def test_video_egress_falls_back_to_the_measured_stream_rate() -> None:
    run = summary("summary_video.json", drop=("video.sfu_egress_gb_per_participant_hour",))
    q = derive(profile(), run)
    # 0.95 Mbps x 450,000 stream-min x 60 s / 8 / 1,000 = 3,206.25 GB
    assert q["media_egress_gb"].value == D("3206.25")
    assert "video.wire_mbps_per_stream" in q["media_egress_gb"].derivation


def test_every_quantity_is_derived_and_every_rule_targets_a_canonical_meter() -> None:
    q = derive(profile(), summary("summary_messaging.json"))
    assert set(q) == set(NAMES)
    assert all(name in NAMES for rule in MEASURED for name in rule.into)


def test_the_shipped_default_profile_loads() -> None:
    p = load_profile(None)
    assert p.name == "default" and p.peak_ccu <= p.mau
    assert p.messaging.deliveries_per_message == D("0.7") + D("0.3") * 7


@pytest.mark.parametrize("metric", [m for rule in MEASURED for m, _ in rule.options])
def test_every_measured_rule_uses_a_documented_or_announced_metric(metric: str) -> None:
    results_doc = (Path(__file__).parents[2] / "docs" / "results.md").read_text()
    announced = (
        "video.wire_mbps_per_stream",
        "video.sfu_cpu_core_s_per_stream_min",
        "video.sfu_egress_gb_per_participant_hour",
    )
    assert f"`{metric}`" in results_doc or metric in announced


def test_docs_describe_every_canonical_meter_and_shipped_sheet() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "cost.md").read_text()
    for name in NAMES:
        assert f"| `{name}` |" in doc, name
    for sheet_id in shipped_ids():
        assert f"| `{sheet_id}` |" in doc, sheet_id


def _video_run(tmp_path: Path, scenario: str = "video_calls.toml") -> RunSummary:
    """The video fixture in a run folder whose manifest holds a shipped scenario, as resolved."""
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "summary.json").write_text((FIXTURES / "summary_video.json").read_text())
    resolved = load_scenario(
        Path(__file__).parents[2] / "workloads" / "scenarios" / scenario
    ).resolved()
    (folder / "manifest.json").write_text(json.dumps({"scenario": resolved}))
    return read_summary(folder)


def test_the_call_shape_follows_the_run(tmp_path: Path) -> None:
    """The shipped video scenario sends 480p (640x480): that, not the profile's 640x360, is priced."""
    run = _video_run(tmp_path)
    q = derive(load_profile(None), run)
    assert q["publisher_stream_pixels"].value == 307200
    assert q["publisher_stream_pixels"].provenance == "measured"
    # 4 participants per call (shipped profile): 3 received streams x 307,200 px = Agora's HD edge
    assert q["subscriber_aggregate_pixels"].value == 921600
    assert q["subscriber_aggregate_pixels"].provenance == "derived"
    assert "480p" in q["publisher_stream_pixels"].derivation


@pytest.mark.parametrize("scenario", ["video_calls.toml", "broadcast.toml"])
def test_a_shipped_video_scenario_never_warns_against_the_shipped_profile(
    tmp_path: Path, scenario: str
) -> None:
    """Both target 1.5 Mbps at 480p, the profile 1.0 Mbps at 640x360: the run's own shape is
    priced, so there is nothing to mismatch."""
    note = call_shape_note(load_profile(None), _video_run(tmp_path, scenario))
    assert note is not None
    assert "640x480" in note and "[measured]" in note
    assert (
        "egress priced from video.sfu_egress_gb_per_participant_hour: wire bytes, headers included"
        in note
    )
    for word in ("apart", "may not represent", "mismatch"):
        assert word not in note


def test_the_note_says_which_bitrate_figure_egress_comes_from(tmp_path: Path) -> None:
    run = summary("summary_video.json", drop=("video.sfu_egress_gb_per_participant_hour",))
    note = call_shape_note(profile(), run)
    assert note is not None
    assert (
        "egress priced from video.wire_mbps_per_stream = 0.95 Mbps per stream: wire, headers included"
        in note
    )
    # no manifest: the profile's resolution is used, and the note says it is an assumption
    assert (
        "640x360 profile calls.resolution (the run's manifest names no video resolution) [assumed]"
        in note
    )
    assert call_shape_note(profile(), summary("summary_messaging.json")) is None


def test_the_received_payload_rate_is_compared_with_the_run_s_own_target() -> None:
    data: dict[str, Any] = json.loads((FIXTURES / "summary_video.json").read_text())
    data["metrics"]["video.target_mbps"] = {"value": 1.5, "unit": "Mbps", "n": 1}
    data["metrics"]["video.recv_mbps_per_stream"] = {
        "unit": "Mbps",
        "n": 720,
        "min": 1.1,
        "p50": 1.3,
        "p95": 1.4,
        "p99": 1.45,
        "max": 1.5,
        "mean": 1.3,
    }
    note = call_shape_note(profile(), parse_summary(data, "video"))
    assert note is not None
    assert (
        "received payload 1.3 Mbps per stream (video.recv_mbps_per_stream mean) against the run's own 1.5 Mbps target"
        in note
    )
    assert "below 90 % of it" in note  # 1.3 < 0.9 x 1.5 = 1.35


def test_scenario_resolution_names_match_the_clip_generator() -> None:
    from workloads.media.clips import RESOLUTIONS_PX

    assert RESOLUTION_PX == RESOLUTIONS_PX
