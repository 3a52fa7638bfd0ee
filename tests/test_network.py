"""The run's isolated network: namespaces and veth pairs made and removed; loopback fallback without root."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from harness import network
from harness.kernel.errors import BadInput
from harness.meters.wire import WireMeter
from tests.conftest import needs_root


def test_without_root_auto_falls_back_to_loopback_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    net = network.create_network("auto")
    assert net.method == network.NET_LOOPBACK == "loopback-shared"
    assert (net.server_host, net.meter_interface, net.exec_prefix()) == ("127.0.0.1", "lo", [])


def test_without_root_asking_for_a_namespace_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(BadInput, match=r"s\.toml: network\.mode = 'netns': needs root"):
        network.create_network("netns", "s.toml")


@needs_root
def test_a_namespace_gets_its_own_addresses_and_is_removed_whole() -> None:
    net = network.create_network("netns")
    try:
        assert net.method == network.NET_NETNS and net.namespace in network.list_namespaces()
        assert net.server_host.startswith("10.77.") and net.client_host.startswith("10.77.")
        inside = subprocess.run(
            [*net.exec_prefix(), "ip", "-4", "-o", "addr"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert net.server_host in inside.stdout
        with pytest.raises(ConnectionRefusedError):  # reachable: the namespace answers with a reset
            socket.create_connection((net.server_host, 9), timeout=5)
        counters = WireMeter(net.meter_interface).read()
        assert counters is not None and counters.tx_packets >= 1 and counters.rx_packets >= 1
    finally:
        network.remove_network(net)
    assert net.namespace not in network.list_namespaces()
    assert not Path(f"/sys/class/net/{net.meter_interface}").exists()


@needs_root
def test_namespaces_left_by_a_dead_imbench_process_are_swept() -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    name = f"imb-{dead.pid}-0"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        assert name in network.sweep_stale()
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
    assert name not in network.list_namespaces()
    assert f"imb-{os.getpid()}-99" not in network.sweep_stale()  # a live owner's namespace is kept
