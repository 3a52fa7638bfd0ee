"""A messaging load-generator process: Locust embedded as a library, driving chat and group users.

Started by the orchestrator as `python -m harness.drivers.locust_driver CONFIG.json`, in its own
process (gevent monkey-patches this process; asyncio never runs here). It writes record files under
`raw/` (see harness.kernel.records) and, once a second, one JSON stats line to stdout and to
`stats-<g>.jsonl` (a last one to the file after the users stopped: the TCP counters of every
client socket, workloads.socket_meter, final). SIGTERM or SIGINT ends it early: users stop, records are flushed, exit 0.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections import deque
from pathlib import Path

import gevent
from locust import events
from locust.env import Environment

from harness.drivers.messaging_config import DriverConfig
from harness.kernel import records
from harness.kernel.records import LineFile, MessagingProgress, RecordFile
from harness.kernel.slots import Arrivals, Slot
from workloads.clients.base import warm_up
from workloads.messaging import Plan, Tally, bind_user_classes

LAG_PROBE_INTERVAL_S = 0.05
STATS_INTERVAL_S = 1.0


class LagProbe:
    """Measures how late the gevent hub wakes a sleeping greenlet: the generator's own saturation."""

    def __init__(self) -> None:
        self.max_ns = 0

    def run(self) -> None:
        interval_ns = int(LAG_PROBE_INTERVAL_S * 1e9)
        while True:
            start = time.monotonic_ns()
            gevent.sleep(LAG_PROBE_INTERVAL_S)
            lag = time.monotonic_ns() - start - interval_ns
            if lag > self.max_ns:
                self.max_ns = lag

    def take_max_ms(self) -> float:
        value, self.max_ns = self.max_ns, 0
        return value / 1e6


def _percentile(sorted_values: list[int], q: float) -> float:
    if not sorted_values:
        return 0.0
    return float(sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))])


def _stats_line(config: DriverConfig, tally: Tally, probe: LagProbe) -> str:
    lat = sorted(tally.latencies_us)
    tally.latencies_us = []
    tcp = tally.sockets.total()
    line = MessagingProgress(
        t_ns=time.monotonic_ns(),
        generator=config.generator,
        users_connected=tally.connected,
        sent=tally.sent_count,
        received=tally.recv_count,
        latency_ms_p50=_percentile(lat, 0.50) / 1000,
        latency_ms_p95=_percentile(lat, 0.95) / 1000,
        loop_lag_ms_max=probe.take_max_ms(),
        send_lag_ms_max=tally.send_lag_max_ns / 1e6,
        tcp_bytes_sent=tcp.bytes_sent,
        tcp_bytes_received=tcp.bytes_received,
        tcp_segs_out=tcp.segs_out,
        tcp_segs_in=tcp.segs_in,
    )
    tally.send_lag_max_ns = 0
    return line.to_json()


def _open_tally(config: DriverConfig) -> Tally:
    raw = Path(config.raw_dir)
    g = config.generator
    return Tally(
        sent=RecordFile(raw / records.raw_file("sent", g), records.SENT_COLUMNS),
        recv=RecordFile(raw / records.raw_file("recv", g), records.RECV_COLUMNS),
        events=RecordFile(raw / records.raw_file("events", g), records.EVENT_COLUMNS),
    )


def _write_locust_stats(env: Environment, path: Path) -> None:
    """Locust's own request statistics (its 1 ms / 2-significant-digit buckets), for comparison."""
    entries = {}
    for entry in env.stats.entries.values():
        entries[f"{entry.method} {entry.name}"] = {
            "num_requests": entry.num_requests,
            "num_failures": entry.num_failures,
            "median_ms": entry.median_response_time,
            "p95_ms": entry.get_response_time_percentile(0.95),
            "avg_ms": entry.avg_response_time,
            "max_ms": entry.max_response_time,
        }
    path.write_text(json.dumps(entries, indent=2), encoding="utf-8")


def run(config: DriverConfig) -> int:
    tally = _open_tally(config)
    stats_file = LineFile(Path(config.raw_dir) / records.raw_file("stats", config.generator))
    slots: dict[int, deque[Slot]] = {}
    for slot in config.slots:
        slots.setdefault(slot.kind, deque()).append(slot)
    users = len(config.slots)
    arrivals = Arrivals.over(config.start_ns, config.ramp_s, config.users_total or users)
    plan = Plan(
        config.directory, config.send_stop_ns, config.end_ns, config.seed, tally, slots, arrivals
    )
    env = Environment(user_classes=bind_user_classes(plan), events=events)
    runner = env.create_local_runner()
    if config.web_port is not None:
        env.create_web_ui("127.0.0.1", config.web_port)
    stop = gevent.event.Event()
    gevent.signal_handler(signal.SIGTERM, stop.set)
    gevent.signal_handler(signal.SIGINT, stop.set)
    warm_up(config.directory)
    probe = LagProbe()
    gevent.spawn(probe.run)
    stop.wait(max(0.0, (config.start_ns - time.monotonic_ns()) / 1e9))
    runner.start(users, spawn_rate=max(users, 1))  # every user at once; each waits for its arrival
    while not stop.is_set() and time.monotonic_ns() < config.end_ns:
        stop.wait(STATS_INTERVAL_S)
        line = _stats_line(config, tally, probe)
        stats_file.write(line)
        print(line, flush=True)
        for record_file in (tally.sent, tally.recv, tally.events):
            record_file.flush()
    runner.quit()
    stats_file.write(_stats_line(config, tally, probe))  # the closed sockets' final counts
    _write_locust_stats(env, Path(config.raw_dir) / f"locust-{config.generator}.json")
    for record_file in (tally.sent, tally.recv, tally.events):
        record_file.close()
    stats_file.close()
    if env.web_ui is not None:
        env.web_ui.stop()  # type: ignore[no-untyped-call]
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    config = DriverConfig.from_json(Path(args[0]).read_text())
    return run(config)


if __name__ == "__main__":
    sys.exit(main())
