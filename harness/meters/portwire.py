"""Wire meter for one server port inside the run's namespace: nftables counters on its TCP traffic.

When messaging and media share the veth, the veth's counters mix them; these counters count only
the messaging server's TCP port, in both directions, so per-message wire figures stay exact. nft
counts IP packets; the Ethernet header (14 bytes a frame) is added so the figures compare with the
veth's own counters.
"""

from __future__ import annotations

import json
import shutil
import subprocess

from harness.meters.wire import WireSample

ETHERNET_HEADER_BYTES = 14
TABLE = "imbench_port"


def nft_available() -> bool:
    return shutil.which("nft") is not None


def ruleset(port: int) -> str:
    """Count TCP traffic to (input) and from (output) `port` in the namespace."""
    return (
        f"table inet {TABLE} {{\n"
        f"  chain in {{ type filter hook input priority 0; policy accept; tcp dport {port} counter; }}\n"
        f"  chain out {{ type filter hook output priority 0; policy accept; tcp sport {port} counter; }}\n"
        "}\n"
    )


def parse_counters(listing: str) -> dict[str, tuple[int, int]]:
    """(packets, bytes) per chain from `nft -j list table`."""
    counters = {}
    for item in json.loads(listing)["nftables"]:
        rule = item.get("rule")
        if rule is None:
            continue
        for expr in rule["expr"]:
            if "counter" in expr:
                counters[rule["chain"]] = (expr["counter"]["packets"], expr["counter"]["bytes"])
    return counters


def as_wire_sample(counters: dict[str, tuple[int, int]]) -> WireSample:
    """Seen from the host side of the veth, like WireMeter: rx is what left the namespace."""
    in_packets, in_bytes = counters.get("in", (0, 0))
    out_packets, out_bytes = counters.get("out", (0, 0))
    return WireSample(
        rx_bytes=out_bytes + ETHERNET_HEADER_BYTES * out_packets,
        tx_bytes=in_bytes + ETHERNET_HEADER_BYTES * in_packets,
        rx_packets=out_packets,
        tx_packets=in_packets,
    )


class PortWireMeter:
    def __init__(self, namespace: str, port: int) -> None:
        self.namespace = namespace
        self.port = port

    def _nft(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            ["ip", "netns", "exec", self.namespace, "nft", *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return done.stdout

    def install(self) -> None:
        self._nft("-f", "-", stdin=ruleset(self.port))

    def read(self) -> WireSample | None:
        try:
            return as_wire_sample(parse_counters(self._nft("-j", "list", "table", "inet", TABLE)))
        except (subprocess.SubprocessError, OSError, ValueError, KeyError):
            return None
