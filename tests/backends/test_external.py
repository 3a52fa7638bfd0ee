"""`backend = "external"`: its URL, its credentials from named variables, what it refuses, and
that no credential reaches anything written under results/."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.backends.external import ExternalBackend, Target, parse_url, read_credentials
from harness.kernel import exitcodes
from harness.kernel.errors import Problem
from harness.layout import Population
from harness.preflight import problems
from harness.scenario import parse_scenario
from tests.conftest import IMBENCH

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("protocol", "url", "expected"),
    [
        ("embedded-ws", "ws://10.77.0.2:4567/", Target("10.77.0.2", 4567, False, "/")),
        ("embedded-ws", "wss://chat.example.net/ws", Target("chat.example.net", 443, True, "/ws")),
        ("embedded-ws", "ws://h:80", Target("h", 80, False, "/")),
        ("mqtt", "mqtt://broker:1883", Target("broker", 1883, False, "/")),
        ("mqtt", "mqtts://broker", Target("broker", 8883, True, "/")),
        ("embedded-ws", "mqtt://broker:1883", "must be ws://host:port or wss://host:port"),
        ("embedded-ws", "ws://h:99999/", "does not parse"),
        ("embedded-ws", "ws:///nohost", "names no host"),
        ("embedded-ws", "not a url", "must be ws://"),
        ("mqtt", "mqtt://user:pw@broker:1883", "must not hold credentials"),
    ],
)
def test_a_url_names_host_port_and_tls_or_says_what_is_wrong(
    protocol: str, url: str, expected: Target | str
) -> None:
    got = parse_url(protocol, url)
    if isinstance(expected, Target):
        assert got == expected
    else:
        assert isinstance(got, str) and expected in got, got


def external_doc(options: dict[str, Any], tls: bool = False) -> dict[str, Any]:
    return {
        "scenario": {"name": "ext", "backend": "external", "duration_s": 5},
        "network": {"tls": tls},
        "backend": {"external": options},
        "workload": [
            {"kind": "chat", "users": 4, "send_rate_per_user_hz": 1.0},
        ],
    }


def refusals(options: dict[str, Any], tls: bool = False) -> list[Problem]:
    """What preflight refuses (in this process's environment)."""
    return problems(parse_scenario(external_doc(options, tls), "s.toml"), netns_ok=True)


def test_a_named_variable_that_is_not_set_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IMB_NOT_SET_PW", raising=False)
    found = refusals({"url": "ws://h:1/", "password_env": "IMB_NOT_SET_PW"})
    assert len(found) == 1
    assert found[0].field == "IMB_NOT_SET_PW" and "password_env" in found[0].accepted


def test_a_plaintext_url_is_refused_when_the_scenario_asks_for_tls() -> None:
    found = refusals({"url": "ws://h:1/"}, tls=True)
    assert [p.field for p in found] == ["backend.external.url"]
    assert "TLS URL" in found[0].accepted
    assert refusals({"url": "wss://h:1/"}, tls=True) == []


def test_a_missing_url_and_a_bad_variable_name_are_refused() -> None:
    scenario = parse_scenario(
        {**external_doc({}), "backend": {}}, "s.toml"
    )  # backend external, no table at all
    assert [p.field for p in ExternalBackend(scenario.options()).problems(scenario, {})] == [
        "backend.external.url"
    ]
    found = refusals({"url": "ws://h:1/", "password_env": "$HOME"})
    assert [p.field for p in found] == ["backend.external.password_env"]


def test_per_user_accounts_come_from_the_csv_file_a_variable_names(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("login,password\nalice,pa\nbob,pb\ncarol,pc\n")
    env = {"IMB_ACCOUNTS": str(accounts)}
    options = {"accounts_env": "IMB_ACCOUNTS"}
    got = read_credentials(options, (0, 1, 2), env)
    assert not isinstance(got, list)
    assert got.accounts == {0: ("alice", "pa"), 1: ("bob", "pb"), 2: ("carol", "pc")}
    short = read_credentials(options, (0, 1, 2, 3), env)
    assert isinstance(short, list) and "4 users" in short[0].accepted
    assert str(accounts) in short[0].source and "pa" not in str(short)


def test_one_password_for_every_login_of_the_pattern() -> None:
    got = read_credentials({"login": "bench-{user}", "password_env": "PW"}, (0, 5), {"PW": "s3"})
    assert not isinstance(got, list)
    assert got.accounts == {0: ("bench-0", "s3"), 5: ("bench-5", "s3")}


def test_the_directory_carries_the_password_and_its_public_copy_and_describe_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMB_TEST_PW", "hunter2-value")
    backend = ExternalBackend({"url": "wss://10.0.0.9:7/x", "password_env": "IMB_TEST_PW"})
    endpoint = asyncio.run(backend.start(None))  # type: ignore[arg-type]  # it uses no context
    assert (endpoint.host, endpoint.port) == ("10.0.0.9", 7)
    directory = asyncio.run(backend.provision(Population((0, 1), ((0, 1),), {})))
    assert directory.account(1) == {"login": "u1", "password": "hunter2-value"}
    assert directory.tls and directory.server_name == "10.0.0.9"
    assert directory.options["path"] == "/x"
    assert "hunter2" not in json.dumps(directory.public().to_dict())
    described = json.dumps(backend.describe())
    assert "hunter2" not in described and "IMB_TEST_PW" in described
    assert backend.processes() == [] and backend.data_paths() == []
    unavailable = backend.unavailable()
    assert unavailable["backend.cpu_core_s_per_1k_delivered_msgs"] == (
        "external: not measured (client-side only)"
    )
    assert all(name.startswith("backend.") for name in unavailable)


def test_imbench_run_refuses_an_unset_variable_before_anything_starts(tmp_path: Path) -> None:
    scenario = tmp_path / "ext.toml"
    scenario.write_text(
        '[scenario]\nname = "ext"\nbackend = "external"\nduration_s = 5\n'
        '[backend.external]\nurl = "ws://10.77.255.254:1/"\npassword_env = "IMB_UNSET_FOR_TEST"\n'
        '[[workload]]\nkind = "chat"\nusers = 2\nsend_rate_per_user_hz = 1.0\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "IMB_UNSET_FOR_TEST"}
    results = tmp_path / "results"
    done = subprocess.run(
        [*IMBENCH, "run", str(scenario), "--results-dir", str(results)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == exitcodes.BAD_INPUT, done.stdout + done.stderr
    assert "IMB_UNSET_FOR_TEST" in done.stderr
    assert not results.exists()
