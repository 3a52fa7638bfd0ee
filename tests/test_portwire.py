"""The messaging-port wire meter's pure parts: its nftables rules and reading their counters."""

from __future__ import annotations

import json

from harness.meters.portwire import as_wire_sample, parse_counters, ruleset

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
