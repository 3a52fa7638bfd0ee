"""The Mosquitto adapter without a broker: its generated config, its `[backend.mosquitto] qos`
option, what preflight says when it is not installed. Pure; nothing starts."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from harness.backends import MessagingBackend, create_backend
from harness.backends.mosquitto import LIFTED_LIMITS, MosquittoBackend, mosquitto_conf
from harness.kernel.errors import BadInput
from harness.preflight import problems
from harness.scenario import parse_scenario

SCENARIO: dict[str, object] = {
    "scenario": {"name": "t", "duration_s": 5, "backend": "mosquitto"},
    "workload": [{"kind": "chat", "users": 4, "send_rate_per_user_hz": 1.0}],
}


def with_options(options: dict[str, object]) -> dict[str, object]:
    doc = copy.deepcopy(SCENARIO)
    doc["backend"] = {"mosquitto": options}
    return doc


def test_the_config_listens_on_the_run_address_only_and_takes_no_anonymous_client() -> None:
    text = mosquitto_conf("10.77.3.2", 1883, Path("/private/passwd"), Path("/run/backend-data"))
    lines = text.splitlines()
    assert "listener 1883 10.77.3.2" in lines and "allow_anonymous false" in lines
    assert "password_file /private/passwd" in lines
    assert "persistence true" in lines and "persistence_location /run/backend-data/" in lines
    assert all(f"{key} {value}" in lines for key, value in LIFTED_LIMITS.items())
    assert "set_tcp_nodelay true" in lines and "sys_interval 0" in lines
    assert not any("#" in line for line in lines)  # Mosquitto reads a trailing comment as a value
    assert not [line for line in lines if line.startswith("listener")][1:]  # one listener


def test_qos_defaults_to_1_and_reaches_the_adapter() -> None:
    assert parse_scenario(SCENARIO, "s.toml").options() == {"qos": 1}
    scenario = parse_scenario(with_options({"qos": 0}), "s.toml")
    backend = create_backend(scenario.backend, scenario.options())
    assert isinstance(backend, MosquittoBackend) and backend.qos == 0
    assert isinstance(backend, MessagingBackend)
    assert backend.describe()["config"]["qos"] == 0


@pytest.mark.parametrize(("qos", "why"), [(3, "<= 2"), (-1, ">= 0"), ("1", "integer")])
def test_a_qos_mqtt_lacks_is_refused_naming_the_field(qos: object, why: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_scenario(with_options({"qos": qos}), "s.toml")
    text = str(caught.value)
    assert "s.toml" in text and "backend.mosquitto.qos" in text and why in text


def test_without_mosquitto_a_scenario_is_refused_before_load_naming_the_install_script(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("harness.backends.mosquitto.SBIN", "/nonexistent")
    found = problems(parse_scenario(SCENARIO, "s.toml"))
    assert any("scripts/install-mosquitto" in p.accepted for p in found), found
