"""Scenario files: valid ones resolve with defaults; bad ones are rejected naming file, field and value."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.kernel import exitcodes
from harness.kernel.errors import BadInput
from harness.scenario import load_scenario, parse_scenario
from tests.conftest import IMBENCH

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "scenario": {"name": "t", "duration_s": 5},
    "workload": [{"kind": "chat", "users": 4, "send_rate_per_user_hz": 1.0}],
}


def with_change(path: str, value: object) -> dict[str, object]:
    """GOOD with one field replaced (or removed when value is ...)."""
    import copy

    doc = copy.deepcopy(GOOD)
    node: object = doc
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    if value is ...:
        del node[keys[-1]]  # type: ignore[attr-defined]
    else:
        node[keys[-1]] = value  # type: ignore[index]
    return doc


def test_the_shipped_quickstart_scenario_is_valid() -> None:
    scenario = load_scenario(ROOT / "workloads/scenarios/quickstart.toml")
    assert scenario.backend == "embedded"
    assert scenario.total_users == 120
    assert len(scenario.sha256()) == 64


def test_defaults_are_filled_in_and_recorded() -> None:
    scenario = parse_scenario(with_change("scenario.name", "t"))
    assert (
        scenario.ramp_s,
        scenario.drain_s,
        scenario.network_mode,
        scenario.generator_processes,
    ) == (0.0, 2.0, "auto", 1)
    assert scenario.workloads[0].payload.distribution == "fixed"
    assert scenario.resolved()["workloads"][0]["users"] == 4


@pytest.mark.parametrize(
    ("case", "path", "value", "field", "accepted"),
    [
        (
            "an unknown backend is named with the accepted ones",
            "scenario.backend",
            "kafka",
            "scenario.backend",
            "must be one of embedded",
        ),
        ("negative users are refused", "workload.0.users", -3, "workload[0].users", "integer >= 1"),
        (
            "a zero duration is refused",
            "scenario.duration_s",
            0,
            "scenario.duration_s",
            "number > 0",
        ),
        (
            "a duration given as text is refused",
            "scenario.duration_s",
            "60s",
            "scenario.duration_s",
            "number > 0",
        ),
        (
            "a misspelt key is an unknown key",
            "scenario.duraton_s",
            5,
            "scenario.duraton_s",
            "unknown key",
        ),
        (
            "an unknown workload kind is refused",
            "workload.0.kind",
            "telepathy",
            "workload[0].kind",
            "must be one of chat, group, video, voice",
        ),
        (
            "an odd number of chat users cannot pair",
            "workload.0.users",
            5,
            "workload[0].users",
            "even number",
        ),
        ("a missing name is required", "scenario.name", ..., "scenario.name", "is required"),
        (
            "a boolean is not a rate",
            "workload.0.send_rate_per_user_hz",
            True,
            "workload[0].send_rate_per_user_hz",
            "number > 0",
        ),
        (
            "an unknown network mode is refused",
            "network",
            {"mode": "wifi"},
            "network.mode",
            "auto, netns, loopback",
        ),
        (
            "more generator processes than users is refused",
            "generators",
            {"processes": 9},
            "generators.processes",
            "must not exceed",
        ),
        (
            "an unknown payload distribution is refused",
            "workload.0.payload",
            {"distribution": "zipf"},
            "workload[0].payload.distribution",
            "fixed, uniform, lognormal",
        ),
        (
            "an inverted uniform range is refused",
            "workload.0.payload",
            {"distribution": "uniform", "min_bytes": 9, "max_bytes": 3},
            "workload[0].payload.max_bytes",
            ">= min_bytes",
        ),
    ],
)
def test_bad_scenarios_name_file_field_value_and_what_is_accepted(
    case: str, path: str, value: object, field: str, accepted: str
) -> None:
    with pytest.raises(BadInput) as err:
        parse_scenario(with_change(path, value), "bad.toml")
    assert err.value.field == field, case
    assert err.value.source == "bad.toml"
    assert accepted in str(err.value), case
    shown = str(err.value).split(": ", 1)[1]
    assert shown.startswith(f"{field} = {err.value.value!r}: "), case
    if value is not ... and not isinstance(value, dict):
        assert err.value.value == value, case


def test_group_users_must_fill_whole_rooms() -> None:
    doc = with_change(
        "workload", [{"kind": "group", "users": 7, "room_size": 3, "send_rate_per_user_hz": 1}]
    )
    with pytest.raises(
        BadInput, match=r"workload\[0\]\.users = 7: must be a multiple of room_size \(3\)"
    ):
        parse_scenario(doc)


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        ("broken TOML says so, with the file", "[scenario\nname = 1", "is not valid TOML"),
        (
            "an unknown backend",
            '[scenario]\nname="x"\nduration_s=1\nbackend="nope"\n[[workload]]\nkind="chat"\nusers=2\nsend_rate_per_user_hz=1\n',
            "scenario.backend = 'nope'",
        ),
        (
            "negative users",
            '[scenario]\nname="x"\nduration_s=1\n[[workload]]\nkind="chat"\nusers=-2\nsend_rate_per_user_hz=1\n',
            "workload[0].users = -2",
        ),
        (
            "a bad duration",
            '[scenario]\nname="x"\nduration_s=-1\n[[workload]]\nkind="chat"\nusers=2\nsend_rate_per_user_hz=1\n',
            "scenario.duration_s = -1",
        ),
        (
            "an unknown top-level key",
            '[scenario]\nname="x"\nduration_s=1\n[extra]\n[[workload]]\nkind="chat"\nusers=2\nsend_rate_per_user_hz=1\n',
            "extra = {}: unknown key",
        ),
    ],
)
def test_imbench_run_exits_with_the_bad_input_code_before_starting(
    tmp_path: Path, case: str, text: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    done = subprocess.run(
        [*IMBENCH, "run", str(path), "--results-dir", str(tmp_path / "results")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == exitcodes.BAD_INPUT, (case, done.stderr)
    assert str(path) in done.stderr and expected in done.stderr, (case, done.stderr)
    assert not (tmp_path / "results").exists(), "nothing may start for a bad scenario"


def test_a_missing_scenario_file_is_bad_input(tmp_path: Path) -> None:
    done = subprocess.run(
        [*IMBENCH, "run", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == exitcodes.BAD_INPUT
    assert "nope.toml" in done.stderr and "cannot be read" in done.stderr


VIDEO = {"scenario": {"name": "v", "duration_s": 5}, "workload": [{"kind": "video", "users": 4}]}


def test_a_video_call_workload_resolves_with_its_defaults() -> None:
    scenario = parse_scenario(VIDEO)
    (media,) = scenario.media
    assert (media.mode, media.room_size, media.codec, media.resolution, media.bitrate_mbps) == (
        "call",
        2,
        "vp8",
        "480p",
        1.5,
    )
    assert (media.publishers, media.peers, scenario.total_users, scenario.workloads) == (
        4,
        4,
        4,
        (),
    )
    assert scenario.media_backend == "embedded-sfu"


def test_a_broadcast_adds_one_publisher_per_room_of_viewers() -> None:
    doc = {
        **VIDEO,
        "workload": [{"kind": "video", "mode": "broadcast", "users": 20, "room_size": 10}],
    }
    (media,) = parse_scenario(doc).media
    assert (media.publishers, media.peers) == (2, 22)


@pytest.mark.parametrize(
    ("case", "workload", "message"),
    [
        (
            "an unknown codec is named",
            {"codec": "av1"},
            "workload[0].codec = 'av1': must be one of vp8, h264",
        ),
        (
            "a bitrate above 8 Mbps is refused",
            {"bitrate_mbps": 12},
            "workload[0].bitrate_mbps = 12.0: must be <= 8 (Mbps)",
        ),
        (
            "an unknown resolution is refused",
            {"resolution": "4k"},
            "workload[0].resolution = '4k': must be one of 480p, 720p",
        ),
        (
            "calls must fill whole rooms",
            {"users": 5, "room_size": 2},
            "workload[0].users = 5: must be a multiple of room_size (2)",
        ),
        (
            "more processes than peers is refused",
            {"processes": 9},
            "workload[0].processes = 9: must not exceed the peers (4)",
        ),
        (
            "voice has no video bitrate",
            {"kind": "voice", "bitrate_mbps": 1},
            "workload[0].bitrate_mbps = 1: unknown key",
        ),
    ],
)
def test_bad_media_workloads_are_refused_precisely(
    case: str, workload: dict[str, object], message: str
) -> None:
    doc = {**VIDEO, "workload": [{"kind": "video", "users": 4, **workload}]}
    with pytest.raises(BadInput) as err:
        parse_scenario(doc, "m.toml")
    assert str(err.value) == f"m.toml: {message}", case


@pytest.mark.parametrize(
    "path", sorted((ROOT / "workloads/scenarios").glob("*.toml")), ids=lambda p: p.name
)
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.total_users > 0


@pytest.mark.parametrize(
    ("case", "media", "field"),
    [
        ("janus on loopback is refused", '[media]\nbackend = "janus"\n', "media.backend = 'janus'"),
        ("a TURN relay on loopback is refused", "[media]\nturn = true\n", "media.turn = True"),
    ],
)
def test_real_media_backends_refuse_loopback_before_anything_starts(
    tmp_path: Path, case: str, media: str, field: str
) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[scenario]\nname = "m"\nduration_s = 1\n[network]\nmode = "loopback"\n'
        + media
        + '[[workload]]\nkind = "video"\nusers = 2\n'
    )
    done = subprocess.run(
        [*IMBENCH, "run", str(path), "--results-dir", str(tmp_path / "results")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == exitcodes.BAD_INPUT, (case, done.stderr)
    assert f"{path}: {field}: needs a network namespace" in done.stderr, (case, done.stderr)
    assert not (tmp_path / "results").exists()
