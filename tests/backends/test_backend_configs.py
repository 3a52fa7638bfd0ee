"""Generated Janus and coturn configs, coturn's usage log, and the pure Janus API helpers.
No root needed: nothing here starts a server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from harness.backends import Backend, create_backend
from harness.backends.coturn import CoturnBackend, CoturnConfig, parse_usage, turnserver_conf
from harness.backends.janus import JanusBackend, JanusConfig, core_config, http_config, write_config
from harness.children import ProcessScope
from harness.kernel.errors import EnvironmentProblem
from harness.network import NET_LOOPBACK, TestNetwork
from tests.conftest import backend_context
from workloads.media.janus_signalling import (
    JanusError,
    decode_codecs,
    encode_codecs,
    plugin_data,
    session_over,
)
from workloads.media.turn import TurnServer, direct_configuration, relay_configuration

HOST = "10.77.3.2"

# Lines of a real coturn 4.6.1 log (one relayed 1:1 call): a report after 4096 packets of a
# session, the final reports when the allocations ended, and unrelated lines around them.
COTURN_LOG = """\
0: : session 000000000000000002: realm <imbench> user <u>: incoming packet CHANNEL_BIND processed, success
12: : session 000000000000000002: usage: realm=<imbench>, username=<u>, rp=43, rb=3280, sp=2008, sb=2427098
12: : session 000000000000000002: peer usage: realm=<imbench>, username=<u>, rp=2005, rb=2418862, sp=40, sb=2840
12: : session 000000000000000001: usage: realm=<imbench>, username=<u>, rp=2009, rb=2428506, sp=42, sb=3124
12: : session 000000000000000001: peer usage: realm=<imbench>, username=<u>, rp=40, rb=2840, sp=2005, sb=2418862
14: : session 000000000000000001: refreshed, realm=<imbench>, username=<u>, lifetime=0
15: : session 000000000000000001: usage: realm=<imbench>, username=<u>, rp=219, rb=259862, sp=4, sb=212
15: : session 000000000000000001: peer usage: realm=<imbench>, username=<u>, rp=3, rb=140, sp=219, sb=260218
15: : session 000000000000000001: closed (2nd stage), user <u> realm <imbench> origin <>, local 10.77.100.2:3478, remote 10.77.100.1:42627, reason: allocation timeout
"""


def test_janus_core_config_keeps_ice_and_folders_on_what_the_run_owns(tmp_path: Path) -> None:
    text = core_config(JanusConfig(host=HOST), tmp_path)
    assert f'interface = "{HOST}"' in text
    assert f'ice_enforce_list = "{HOST}"' in text
    assert f'plugins_folder = "{tmp_path / "plugins"}"' in text
    assert 'rtp_port_range = "20000-40000"' in text
    assert "stun" not in text and "turn_server" not in text and "/etc/janus" not in text


def test_janus_http_api_binds_the_namespace_address_and_the_admin_api_is_off() -> None:
    text = http_config(JanusConfig(host=HOST, http_port=8100))
    assert f'ip = "{HOST}"' in text and "port = 8100" in text
    assert "admin_http = false" in text and "https = false" in text


def test_janus_loads_only_the_videoroom_plugin_and_the_http_transport(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    for folder in ("plugins", "transports"):
        (lib / folder).mkdir(parents=True)
        for name in ("libjanus_videoroom.so", "libjanus_http.so", "libjanus_sip.so"):
            (lib / folder / name).touch()
    data = tmp_path / "data"
    data.mkdir()
    core = write_config(JanusConfig(host=HOST), data, lib)
    assert core == data / "janus.jcfg"
    assert [p.name for p in (data / "plugins").iterdir()] == ["libjanus_videoroom.so"]
    assert [p.name for p in (data / "transports").iterdir()] == ["libjanus_http.so"]
    assert (data / "plugins" / "libjanus_videoroom.so").resolve() == (
        lib / "plugins" / "libjanus_videoroom.so"
    )
    assert "string_ids = true" in (data / "janus.plugin.videoroom.jcfg").read_text()
    write_config(JanusConfig(host=HOST), data, lib)  # a second write replaces, never fails


def test_turnserver_conf_is_plain_udp_on_the_namespace_address_with_no_caps(
    tmp_path: Path,
) -> None:
    log = tmp_path / "coturn.log"
    lines = turnserver_conf(CoturnConfig(HOST, "user1", "secret1"), tmp_path, log).splitlines()
    assert f"listening-ip={HOST}" in lines and f"relay-ip={HOST}" in lines
    assert "user=user1:secret1" in lines and "lt-cred-mech" in lines
    assert {"no-tls", "no-dtls", "no-cli", "verbose"} <= set(lines)
    assert {"user-quota=0", "total-quota=0", "max-bps=0", "bps-capacity=0"} <= set(lines)
    assert f"log-file={log}" in lines and f"userdb={tmp_path / 'turndb'}" in lines
    assert not any("#" in line for line in lines), "coturn allows no trailing comments"


def test_coturn_usage_reports_are_summed_per_leg_since_each_covers_only_its_interval() -> None:
    usage = parse_usage(COTURN_LOG.splitlines())
    assert (usage.allocations, usage.closed_allocations) == (2, 1)
    assert usage.client_received_bytes == 3280 + 2428506 + 259862
    assert usage.client_sent_bytes == 2427098 + 3124 + 212
    assert usage.peer_received_bytes == 2418862 + 2840 + 140
    assert usage.peer_sent_bytes == 2840 + 2418862 + 260218
    assert usage.client_received_packets == 43 + 2009 + 219
    assert usage.total_bytes == sum(
        (
            usage.client_received_bytes,
            usage.client_sent_bytes,
            usage.peer_received_bytes,
            usage.peer_sent_bytes,
        )
    )
    assert parse_usage([]).total_bytes == 0


@pytest.mark.parametrize(
    ("codecs", "display"),
    [
        ({"video": "vp8"}, "video=vp8"),
        ({"video": "h264", "audio": "opus"}, "audio=opus,video=h264"),
        ({}, ""),
    ],
)
def test_publisher_codecs_round_trip_through_the_display_name(
    codecs: dict[str, str], display: str
) -> None:
    assert encode_codecs(codecs) == display
    assert decode_codecs(display) == codecs


def test_a_display_name_that_is_not_ours_decodes_to_no_codecs() -> None:
    assert decode_codecs("Alice's phone") == {}


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"janus": "error", "error": {"code": 458, "reason": "No such session"}}, "458"),
        (
            {"janus": "event", "plugindata": {"data": {"error_code": 428, "error": "No feed"}}},
            "videoroom error 428",
        ),
    ],
)
def test_janus_and_videoroom_errors_raise_with_their_code(
    reply: dict[str, object], message: str
) -> None:
    with pytest.raises(JanusError, match=message):
        plugin_data(reply)


@pytest.mark.parametrize(
    ("event", "over"),
    [
        ({"janus": "timeout", "session_id": 1}, True),
        ({"janus": "error", "error": {"code": 458, "reason": "No such session 1"}}, True),
        ({"janus": "error", "error": {"code": 457, "reason": "No such handle"}}, False),
        ({"janus": "keepalive"}, False),
        ({"janus": "event", "sender": 2, "plugindata": {"data": {}}}, False),
    ],
)
def test_the_long_poll_stops_only_when_janus_says_the_session_is_gone(
    event: dict[str, object], over: bool
) -> None:
    assert session_over(event) is over


def test_a_successful_videoroom_reply_gives_its_data() -> None:
    reply = {"janus": "success", "plugindata": {"data": {"videoroom": "created", "room": "r"}}}
    assert plugin_data(reply) == {"videoroom": "created", "room": "r"}


def test_relay_configuration_has_our_turn_server_only_and_the_relay_policy() -> None:
    config = relay_configuration(TurnServer(HOST, 3478, "u", "p"))
    assert config.iceTransportPolicy == RTCIceTransportPolicy.RELAY
    assert config.iceServers is not None and len(config.iceServers) == 1
    server = config.iceServers[0]
    assert (server.urls, server.username, server.credential) == (
        [f"turn:{HOST}:3478?transport=udp"],
        "u",
        "p",
    )
    # None would make aiortc use Google's public STUN server; [] uses none at all.
    assert direct_configuration().iceServers == []


@pytest.mark.parametrize("name", ["janus", "coturn"])
def test_janus_and_coturn_refuse_a_loopback_network(
    name: str, tmp_path: Path, process_scope: ProcessScope
) -> None:
    backend = create_backend(name)
    assert isinstance(backend, JanusBackend | CoturnBackend)
    loopback = TestNetwork(NET_LOOPBACK, "127.0.0.1", "127.0.0.1", "lo")
    with pytest.raises(EnvironmentProblem, match="namespace"):
        asyncio.run(backend.start(backend_context(loopback, tmp_path, name, process_scope)))
    assert backend.processes() == []
    assert backend.describe()["name"] == name


def test_both_adapters_satisfy_the_backend_protocol() -> None:
    backends: list[Backend] = [JanusBackend(), CoturnBackend()]  # mypy checks the protocol here
    assert [b.name for b in backends] == ["janus", "coturn"]
    assert all(b.processes() == [] and b.data_paths() == [] for b in backends)
