"""MediaDriverConfig's signalling and TURN fields: JSON round trip, BAD_INPUT naming the field,
the password kept out of records, and the one place that picks signalling and ICE."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from harness.drivers.media_driver import (
    MediaDriverConfig,
    driver_signalling,
    ice_configuration,
    main,
    room_capacity,
)
from harness.kernel import exitcodes
from harness.kernel.errors import BadInput
from workloads.media import peers
from workloads.media.janus_signalling import JanusAddress, JanusVideoRoom
from workloads.media.peers import SfuAddress
from workloads.media.signalling import EmbeddedSignalling, open_signalling
from workloads.media.sink import read_records

BASE = MediaDriverConfig(
    sfu_host="127.0.0.1",
    sfu_port=8088,
    role="participant",
    peers=2,
    room_size=2,
    duration_s=5.0,
    out_path="media.jsonl",
)
RELAYED = replace(
    BASE, turn_host="10.77.0.2", turn_port=3479, turn_username="u", turn_password="secret"
)


def test_the_defaults_are_the_embedded_sfu_without_a_relay() -> None:
    assert (BASE.signalling, BASE.turn_host, BASE.turn_port) == ("embedded", None, 3478)
    assert (BASE.turn_username, BASE.turn_password) == ("", "")


def test_signalling_and_turn_fields_survive_the_json_round_trip() -> None:
    config = replace(RELAYED, signalling="janus")
    assert MediaDriverConfig.from_json(config.to_json()) == config
    assert MediaDriverConfig.from_json(BASE.to_json()) == BASE


def test_a_config_without_the_new_fields_still_loads_with_their_defaults() -> None:
    data = json.loads(BASE.to_json())
    for name in ("signalling", "turn_host", "turn_port", "turn_username", "turn_password"):
        del data[name]
    assert MediaDriverConfig.from_json(json.dumps(data)) == BASE


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"signalling": "livekit"}, "signalling"),
        (
            {"turn_host": "turn.example.org", "turn_username": "u", "turn_password": "p"},
            "turn_host",
        ),
        ({"turn_host": 167772161, "turn_username": "u", "turn_password": "p"}, "turn_host"),
        ({"turn_port": 0}, "turn_port"),
        ({"turn_port": 70000}, "turn_port"),
        ({"turn_port": "3478"}, "turn_port"),
        ({"turn_port": True}, "turn_port"),
        ({"turn_host": "10.0.0.1", "turn_password": "p"}, "turn_username"),
        ({"turn_host": "10.0.0.1", "turn_username": "u"}, "turn_password"),
        ({"turn_username": "u", "turn_password": "p"}, "turn_host"),
        ({"turn_username": 7}, "turn_username"),
    ],
)
def test_a_bad_signalling_or_turn_value_is_bad_input_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        replace(BASE, **fields)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.exit_code == exitcodes.BAD_INPUT


def test_the_driver_exits_bad_input_on_a_bad_turn_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(BASE.to_json()) | {"turn_host": "10.0.0.1", "turn_port": 0}
    path = tmp_path / "driver.json"
    path.write_text(json.dumps(data))
    assert main([str(path)]) == exitcodes.BAD_INPUT
    assert "turn_port" in capsys.readouterr().err


def test_the_turn_password_stays_out_of_the_public_json() -> None:
    assert json.loads(RELAYED.public_json())["turn_password"] == "<redacted>"
    assert "secret" not in RELAYED.public_json()
    assert json.loads(RELAYED.to_json())["turn_password"] == "secret"


def test_ice_is_relay_only_through_the_configured_server_or_host_only() -> None:
    relayed = ice_configuration(RELAYED)
    assert relayed.iceTransportPolicy == RTCIceTransportPolicy.RELAY
    [server] = relayed.iceServers or []
    assert server.urls == ["turn:10.77.0.2:3479?transport=udp"]
    assert (server.username, server.credential) == ("u", "secret")
    direct = ice_configuration(BASE)
    assert direct.iceServers == [] and direct.iceTransportPolicy == RTCIceTransportPolicy.ALL


def test_one_factory_picks_the_signalling_with_the_ice_configuration() -> None:
    configuration = ice_configuration(RELAYED)
    janus = open_signalling("janus", "10.77.0.2", 8088, configuration)
    assert isinstance(janus, JanusVideoRoom)
    assert janus.address == JanusAddress("10.77.0.2", 8088)
    assert janus.configuration is configuration
    embedded = open_signalling("embedded", "127.0.0.1", 9000, configuration)
    assert isinstance(embedded, EmbeddedSignalling)
    assert (embedded.sfu, embedded.configuration) == (SfuAddress("127.0.0.1", 9000), configuration)
    with pytest.raises(ValueError, match="livekit"):
        open_signalling("livekit", "127.0.0.1", 9000)
    from_config = driver_signalling(replace(RELAYED, signalling="janus"))
    assert isinstance(from_config, JanusVideoRoom)
    assert from_config.configuration == configuration
    assert isinstance(driver_signalling(BASE), EmbeddedSignalling)


def test_a_janus_room_admits_every_publisher_of_the_room() -> None:
    assert room_capacity(BASE) == 2
    assert room_capacity(replace(BASE, role="viewer", room_size=6)) == 6
    assert room_capacity(replace(BASE, room_size=4, publishers_per_room=2)) == 4
    assert room_capacity(replace(BASE, room_size=1, publishers_per_room=3)) == 3


def test_peer_links_take_the_ice_configuration_and_default_to_no_ice_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[RTCConfiguration] = []

    class Recording(RTCPeerConnection):
        def __init__(self, configuration: RTCConfiguration) -> None:
            built.append(configuration)
            super().__init__(configuration)

    monkeypatch.setattr(peers, "RTCPeerConnection", Recording)
    relayed = ice_configuration(RELAYED)

    async def scenario() -> None:
        links = [
            peers.sending_link("a", [], configuration=relayed),
            peers.receiving_link("b", "a", {}, configuration=relayed),
            peers.sending_link("c", []),
        ]
        for link in links:
            await link.close()

    asyncio.run(scenario())
    assert built[:2] == [relayed, relayed]
    assert built[2].iceServers == []


def test_a_janus_driver_without_janus_exits_run_failed_and_says_why(
    tmp_path: Path, clip_cache: Path
) -> None:
    out = tmp_path / "media.jsonl"
    config = replace(
        BASE, signalling="janus", sfu_port=9, out_path=str(out), clip_cache_dir=str(clip_cache)
    )
    path = tmp_path / "driver.json"
    path.write_text(config.to_json())
    argv = [sys.executable, "-m", "harness.drivers.media_driver", str(path)]
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, timeout=60)
    assert done.returncode == exitcodes.RUN_FAILED
    errors = [r for r in read_records(out, "media.driver") if r["event"] == "error"]
    assert len(errors) == 1 and "joining failed" in errors[0]["detail"], errors
