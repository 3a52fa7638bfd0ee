"""The messaging-port wire meter's pure parts: its nftables rules and reading their counters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.meters.portwire import (
    ETHERNET_HEADER_BYTES,
    PortWireMeter,
    as_wire_sample,
    nft_available,
    parse_counters,
    ruleset,
)
from harness.meters.wire import WireSample
from tests.requirements import needs_binary

LISTING = json.dumps(
    {
        "nftables": [
            {"metainfo": {"version": "1.0.6"}},
            {"table": {"family": "inet", "name": "imbench_port"}},
            {
                "rule": {
                    "chain": "in",
                    "expr": [{"match": {}}, {"counter": {"packets": 10, "bytes": 1000}}],
                }
            },
            {
                "rule": {
                    "chain": "out",
                    "expr": [{"match": {}}, {"counter": {"packets": 4, "bytes": 600}}],
                }
            },
        ]
    }
)


def test_the_rules_count_the_port_in_both_directions() -> None:
    rules = ruleset(7001)
    assert "hook input" in rules and "tcp dport 7001 counter" in rules
    assert "hook output" in rules and "tcp sport 7001 counter" in rules


def test_counters_become_host_side_wire_bytes_with_ethernet_headers() -> None:
    counters = parse_counters(LISTING)
    assert counters == {"in": (10, 1000), "out": (4, 600)}
    sample = as_wire_sample(counters)
    assert (sample.tx_bytes, sample.tx_packets) == (1000 + 14 * 10, 10)  # host → namespace
    assert (sample.rx_bytes, sample.rx_packets) == (600 + 14 * 4, 4)  # namespace → host


@pytest.mark.parametrize("chain", ["in", "out"])
def test_a_chain_without_a_counter_counts_nothing_that_way(chain: str) -> None:
    counters = {chain: (3, 300)}
    sample = as_wire_sample(counters)
    if chain == "in":
        assert sample == WireSample(rx_bytes=0, tx_bytes=300 + 14 * 3, rx_packets=0, tx_packets=3)
    else:
        assert sample == WireSample(rx_bytes=300 + 14 * 3, tx_bytes=0, rx_packets=3, tx_packets=0)
    assert as_wire_sample({}) == WireSample(0, 0, 0, 0)


TRANSFER = """
import socket, sys, threading
port = int(sys.argv[1])
server = socket.create_server(("127.0.0.1", port))
def serve():
    conn, _ = server.accept()
    got = 0
    while got < 100_000:
        got += len(conn.recv(65536))
    conn.sendall(b"r" * 20_000)
    conn.close()
thread = threading.Thread(target=serve)
thread.start()
client = socket.create_connection(("127.0.0.1", port))
client.sendall(b"s" * 100_000)
got = 0
while got < 20_000:
    got += len(client.recv(65536))
client.close()
thread.join()
"""


@pytest.fixture
def namespace() -> Iterator[str]:
    name = f"imbpw-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.mark.root
@needs_binary("nft", install="scripts/bootstrap")
def test_the_meter_counts_a_known_transfer_on_its_port_in_both_directions(namespace: str) -> None:
    """100 kB to the port and 20 kB back: each direction's bytes are the payload plus, per
    packet, 14 B of Ethernet and 40-60 B of IPv4 + TCP headers (TCP options vary)."""
    port = 7321
    meter = PortWireMeter(namespace, port)
    meter.install()
    assert meter.read() == WireSample(0, 0, 0, 0)
    done = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-c", TRANSFER, str(port)], timeout=30
    )
    assert done.returncode == 0
    sample = meter.read()
    assert sample is not None
    for payload, wire_bytes, packets in (
        (100_000, sample.tx_bytes, sample.tx_packets),
        (20_000, sample.rx_bytes, sample.rx_packets),
    ):
        assert packets >= 3  # handshake, data, close
        headers = wire_bytes - payload - ETHERNET_HEADER_BYTES * packets
        assert 40 * packets <= headers <= 60 * packets, (payload, wire_bytes, packets)


def test_a_meter_whose_namespace_is_gone_reads_none() -> None:
    assert PortWireMeter("imbench-no-such-namespace", 7001).read() is None


def test_nft_is_available_exactly_when_it_is_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert nft_available() is False
    (tmp_path / "nft").write_text("#!/bin/sh\n")
    (tmp_path / "nft").chmod(0o755)
    assert nft_available() is True


@pytest.mark.root
@needs_binary("nft", install="scripts/bootstrap")
def test_installing_into_a_namespace_that_is_gone_fails_loudly() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        PortWireMeter("imbench-no-such-namespace", 7001).install()
