"""Scenario files: valid ones resolve with defaults; bad ones are rejected naming file, field and value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.kernel import exitcodes
from harness.kernel.errors import BadInput
from harness.scenario import KNOWN_BACKENDS, load_scenario, parse_scenario
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
            "must be one of: embedded",
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
            "a misspelt key beside the right one is unknown, with the key it resembles",
            "scenario.duraton_s",
            5,
            "scenario.duraton_s",
            "unknown key (did you mean duration_s?); a known field: backend, drain_s, duration_s",
        ),
        (
            "an unknown workload kind is refused",
            "workload.0.kind",
            "telepathy",
            "workload[0].kind",
            "must be one of: chat, group, video, voice",
        ),
        (
            "an odd number of chat users cannot pair",
            "workload.0.users",
            5,
            "workload[0].users",
            "even number",
        ),
        (
            "a missing name is required",
            "scenario.name",
            ...,
            "scenario.name",
            "is required: a non-empty string",
        ),
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
    assert len(err.value.problems) == 1, (case, str(err.value))
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
            "workload[0].codec = 'av1': must be one of: vp8, h264",
        ),
        (
            "a bitrate above 8 Mbps is refused",
            {"bitrate_mbps": 12},
            "workload[0].bitrate_mbps = 12.0: must be <= 8 (Mbps)",
        ),
        (
            "an unknown resolution is refused",
            {"resolution": "4k"},
            "workload[0].resolution = '4k': must be one of: 480p, 720p",
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
            "workload[0].bitrate_mbps = 1: unknown key; a known field: "
            "audio_bitrate_kbps, kind, mode, processes, room_size, users",
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


THREE_MISTAKES = """\
[scenario]
name = "three"
duraton_s = 5

[[workload]]
kind = "chat"
users = 4
send_rate_per_user_hz = 1.0

[[workload]]
kind = "group"
users = 7
room_size = 3
send_rate_per_user_hz = 0.5

[[workload]]
kind = "video"
users = 4
codec = "av1"
"""
THREE_PROBLEMS = [
    "scenario.duraton_s = 5: unknown key (did you mean duration_s? duration_s is required and "
    "missing); a known field: backend, drain_s, duration_s, name, ramp_s, seed",
    "workload[1].users = 7: must be a multiple of room_size (3)",
    "workload[2].codec = 'av1': must be one of: vp8, h264",
]


def test_a_scenario_with_three_mistakes_reports_all_three_at_once(tmp_path: Path) -> None:
    path = tmp_path / "three.toml"
    path.write_text(THREE_MISTAKES)
    with pytest.raises(BadInput) as err:
        load_scenario(path)
    assert [str(p) for p in err.value.problems] == [f"{path}: {p}" for p in THREE_PROBLEMS]
    assert str(err.value).startswith("3 problems:\n")


def test_imbench_run_reports_all_three_mistakes_and_starts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "three.toml"
    path.write_text(THREE_MISTAKES)
    results = tmp_path / "results"
    command = [sys.executable, "-m", "harness.cli", "run", str(path), "--no-cost"]
    done = subprocess.run(
        [*command, "--results-dir", str(results)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == exitcodes.BAD_INPUT, done.stderr
    for problem in THREE_PROBLEMS:
        assert f"{path}: {problem}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""
    assert not results.exists(), "no run folder for a refused scenario"


def chat(**changes: object) -> dict[str, object]:
    return {"kind": "chat", "users": 4, "send_rate_per_user_hz": 1.0, **changes}


HEAD = {"name": "t", "duration_s": 5}


@pytest.mark.parametrize(
    ("case", "doc", "expected"),
    [
        (
            "a misspelt table name stands for the required keys it holds",
            {"scenaro": HEAD, "workload": [chat()]},
            ["scenaro = {name = 't', duration_s = 5}: unknown key (did you mean scenario?); "],
        ),
        (
            "a misspelt array of workloads stands for the required workload",
            {"scenario": HEAD, "workloads": [chat()]},
            [
                "workloads = [{kind = 'chat', users = 4, send_rate_per_user_hz = 1.0}]: "
                "unknown key (did you mean workload? workload is required and missing)"
            ],
        ),
        (
            "a misspelt kind is named once, not with every other key as unknown",
            {"scenario": HEAD, "workload": [{"knd": "chat", "users": 4}]},
            [
                "workload[0].knd = 'chat': unknown key (did you mean kind? kind is required and missing)"
            ],
        ),
        (
            "an unknown kind does not make the workload's other keys unknown",
            {"scenario": HEAD, "workload": [chat(kind="chatt")]},
            [
                "workload[0].kind = 'chatt': must be one of: chat, group, video, voice "
                "(did you mean chat?)"
            ],
        ),
        (
            "an unknown value gets the nearest accepted one as a suggestion",
            {"scenario": {**HEAD, "backend": "embeded"}, "workload": [chat()]},
            [
                f"scenario.backend = 'embeded': must be one of: {', '.join(KNOWN_BACKENDS)} "
                "(did you mean embedded?)"
            ],
        ),
        (
            "a section that is not a table does not report its keys as missing",
            {"scenario": 5, "workload": [chat()]},
            ["scenario = 5: must be a table"],
        ),
        (
            "bad users are not also checked against room_size or the generator count",
            {
                "scenario": HEAD,
                "generators": {"processes": 9},
                "workload": [chat(kind="group", users=-4, room_size=3)],
            },
            ["workload[0].users = -4: must be an integer >= 1"],
        ),
        (
            "a bad room_size is not also checked against the users",
            {"scenario": HEAD, "workload": [chat(kind="group", users=7, room_size=1)]},
            ["workload[0].room_size = 1: must be an integer >= 2"],
        ),
        (
            "a misspelt media mode does not make a broadcast's room_size of 1 wrong",
            {
                "scenario": HEAD,
                "workload": [{"kind": "video", "mode": "broadcst", "users": 4, "room_size": 1}],
            },
            [
                "workload[0].mode = 'broadcst': must be one of: call, broadcast "
                "(did you mean broadcast?)"
            ],
        ),
        (
            "an unknown payload distribution does not make its sizes unknown",
            {"scenario": HEAD, "workload": [chat(payload={"distribution": "zipf", "s": 1.1})]},
            [
                "workload[0].payload.distribution = 'zipf': must be one of: fixed, uniform, lognormal"
            ],
        ),
        (
            "a missing workload array is required",
            {"scenario": HEAD},
            ["workload = None: is required: an array of tables ([[workload]])"],
        ),
        (
            "a workload that is not a table is named by its index",
            {"scenario": HEAD, "workload": [chat(), 3]},
            ["workload[1] = 3: must be a table"],
        ),
        (
            "mistakes in several tables are all reported, in reading order",
            {
                "scenario": {**HEAD, "ramp_s": -1},
                "network": {"mode": "wifi"},
                "media": {"turn": "yes"},
                "workload": [chat(users=5)],
            },
            [
                "scenario.ramp_s = -1: must be a number >= 0",
                "network.mode = 'wifi': must be one of: auto, netns, loopback",
                "media.turn = 'yes': must be true or false",
                "workload[0].users = 5: must be an even number (users form 1:1 pairs)",
            ],
        ),
    ],
)
def test_each_mistake_is_reported_once_without_follow_on_errors(
    case: str, doc: dict[str, object], expected: list[str]
) -> None:
    with pytest.raises(BadInput) as err:
        parse_scenario(doc, "s.toml")
    shown = [str(p) for p in err.value.problems]
    assert len(shown) == len(expected), (case, shown)
    for text, start in zip(shown, expected, strict=True):
        assert text.startswith(f"s.toml: {start}"), (case, text)
