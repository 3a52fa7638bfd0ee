"""Choosing the messaging backend: `[backend.<name>]` option tables, `--backend NAME`, a scenario
identity that covers the workload and not the backend, the directory the clients get, and the
population a backend provisions."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest

from harness.kernel import exitcodes, records
from harness.kernel.directory import REDACTED, Directory, pair_room_key
from harness.kernel.errors import BadInput
from harness.layout import population
from harness.preflight import problems
from harness.scenario import parse_scenario
from tests.conftest import IMBENCH

GOOD: dict[str, object] = {
    "scenario": {"name": "t", "duration_s": 5},
    "workload": [
        {"kind": "chat", "users": 4, "send_rate_per_user_hz": 1.0},
        {"kind": "group", "users": 6, "room_size": 3, "send_rate_per_user_hz": 1.0},
    ],
}


def doc(**tables: dict[str, object]) -> dict[str, object]:
    out = copy.deepcopy(GOOD)
    for key, value in tables.items():
        existing = out.get(key, {})
        assert isinstance(existing, dict)
        out[key] = {**existing, **value}
    return out


def refusal(data: dict[str, object]) -> str:
    with pytest.raises(BadInput) as caught:
        parse_scenario(data, "s.toml")
    return str(caught.value)


def test_a_misspelt_backend_table_is_refused_with_a_suggestion() -> None:
    text = refusal(doc(backend={"embeded": {}}))
    assert "s.toml" in text and "backend.embeded" in text and "did you mean embedded" in text


def test_an_option_a_backend_does_not_take_is_refused_naming_the_field() -> None:
    text = refusal(doc(backend={"embedded": {"qos": 1}}))
    assert "backend.embedded.qos" in text and "embedded takes none" in text


def test_tls_must_be_a_flag() -> None:
    assert "network.tls" in refusal(doc(network={"tls": "yes"}))


def test_the_scenario_hash_covers_the_workload_not_the_backend_tls_or_name() -> None:
    base = parse_scenario(doc(), "a.toml")
    other = parse_scenario(doc(scenario={"name": "renamed"}, network={"tls": True}), "b.toml")
    assert other.sha256() == base.sha256()
    assert base.with_backend("embedded").sha256() == base.sha256()
    faster = doc()
    faster["workload"][0]["send_rate_per_user_hz"] = 2.0  # type: ignore[index]
    assert parse_scenario(faster, "c.toml").sha256() != base.sha256()
    longer = doc(scenario={"duration_s": 6})
    assert parse_scenario(longer, "d.toml").sha256() != base.sha256()


def test_backend_override_names_the_flag_and_what_is_accepted() -> None:
    scenario = parse_scenario(doc(), "a.toml")
    with pytest.raises(BadInput) as caught:
        scenario.with_backend("synaps")
    assert "--backend" in str(caught.value) and "synaps" in str(caught.value)
    assert "embedded" in str(caught.value)


def test_imbench_run_refuses_an_unknown_backend_before_anything_starts(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        '[scenario]\nname = "t"\nduration_s = 1\n'
        '[[workload]]\nkind = "chat"\nusers = 2\nsend_rate_per_user_hz = 1.0\n'
    )
    results = tmp_path / "results"
    argv = [*IMBENCH, "run", str(scenario), "--backend", "nope", "--results-dir", str(results)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == exitcodes.BAD_INPUT, done.stderr
    assert "--backend" in done.stderr and "nope" in done.stderr
    assert not results.exists()


def test_tls_on_a_backend_that_does_not_serve_it_is_refused_before_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harness.backends.embedded import EmbeddedBackend

    scenario = parse_scenario(doc(network={"tls": True}), "s.toml")
    assert [p for p in problems(scenario, netns_ok=True) if p.field == "network.tls"] == []
    monkeypatch.setattr(EmbeddedBackend, "serves_tls", False)
    found = [p for p in problems(scenario, netns_ok=True) if p.field == "network.tls"]
    assert found and "embedded" in found[0].accepted


def test_the_population_pairs_chat_users_and_fills_rooms() -> None:
    people = population(parse_scenario(doc(), "s.toml"))
    assert people.users == tuple(range(10))
    assert people.pairs == ((0, 1), (2, 3))
    assert people.rooms == {0: (4, 5, 6), 1: (7, 8, 9)}


def test_the_public_directory_keeps_logins_and_redacts_every_credential() -> None:
    directory = Directory(
        "mqtt",
        "10.0.0.1",
        1883,
        users={"0": {"login": "alice", "password": "s3cret", "token": "t0k"}},
        rooms={pair_room_key(1, 0): "!abc:server"},
    )
    public = directory.public()
    assert public.login(0) == "alice"
    assert public.account(0)["password"] == REDACTED and public.account(0)["token"] == REDACTED
    assert "s3cret" not in repr(public.to_dict()) and "t0k" not in repr(public.to_dict())
    assert Directory.from_dict(directory.to_dict()) == directory
    assert directory.room("c0-1") == "!abc:server" and directory.login(7) == "u7"


def test_a_driver_config_keeps_its_directory_and_its_public_copy_has_no_secret() -> None:
    from harness.drivers.messaging_config import DriverConfig
    from harness.kernel.payload import Payload
    from harness.kernel.slots import Slot

    directory = Directory("embedded-ws", "127.0.0.1", 9, users={"0": {"password": "pw-123"}})
    slot = Slot(0, records.KIND_CHAT, 1, 1.0, Payload("fixed", bytes=10))
    config = DriverConfig(0, directory, (slot,), 1.0, 0, 1, 2, 7, "/tmp/raw")
    assert DriverConfig.from_json(config.to_json()) == config
    assert "pw-123" in config.to_json() and "pw-123" not in config.public_json()
