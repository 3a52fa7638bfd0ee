"""Samples every meter of a run on a fixed interval and writes cumulative readings to raw/samples.csv.

Sources: `backend` and `generator-<g>` (process trees), `wire` (interface counters), `storage`
(data-path bytes). Rates are derived later; the only rate kept here is each process source's
rolling CPU use, for live progress and the load-generator self-check.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.kernel.records import RecordFile, SampleRow
from harness.meters.portwire import PortWireMeter
from harness.meters.process import ProcessSample, ProcessTreeMeter
from harness.meters.storage import StorageMeter
from harness.meters.wire import WireMeter, WireSample

ROLLING_WINDOW_S = 5.0


@dataclass
class Sampler:
    out: RecordFile
    interval_s: float = 1.0
    processes: dict[str, ProcessTreeMeter] = field(default_factory=dict)
    wire: WireMeter | None = None
    port_wires: dict[str, PortWireMeter] = field(default_factory=dict)
    """Extra wire sources for one server port each (e.g. `wire-messaging`)."""
    storage: StorageMeter | None = None
    clock_ns: Callable[[], int] = time.monotonic_ns
    """The timestamp of each reading (tests inject a clock to work the rolling rates by hand)."""
    latest_process: dict[str, ProcessSample] = field(default_factory=dict)
    latest_wire: WireSample | None = None
    _cpu_history: dict[str, deque[tuple[int, float]]] = field(default_factory=dict)
    _wire_history: deque[tuple[int, int]] = field(default_factory=deque)

    def add_process(self, source: str, pids: int | list[int]) -> None:
        self.processes[source] = ProcessTreeMeter(pids)
        self._cpu_history[source] = deque()

    def sample_once(self) -> None:
        now = self.clock_ns()
        rows = self.out.rows
        for source, meter in self.processes.items():
            reading = meter.read()
            if reading is None:
                continue
            self.latest_process[source] = reading
            self._track_cpu(source, now, reading.cpu_s)
            rows.append(
                SampleRow(
                    now,
                    source,
                    cpu_user_s=reading.cpu_user_s,
                    cpu_system_s=reading.cpu_system_s,
                    rss_bytes=reading.rss_bytes,
                    io_read_bytes=reading.io_read_bytes,
                    io_write_bytes=reading.io_write_bytes,
                    procs=reading.procs,
                ).as_row()
            )
        if self.wire is not None:
            wire = self.wire.read()
            if wire is not None:
                self.latest_wire = wire
                self._wire_history.append((now, wire.rx_bytes + wire.tx_bytes))
                if len(self._wire_history) > ROLLING_WINDOW_S / self.interval_s + 1:
                    self._wire_history.popleft()
                rows.append(_wire_row(now, "wire", wire))
        for source, port_meter in self.port_wires.items():
            port_wire = port_meter.read()
            if port_wire is not None:
                rows.append(_wire_row(now, source, port_wire))
        if self.storage is not None:
            rows.append(SampleRow(now, "storage", storage_bytes=self.storage.read()).as_row())
        self.out.flush()

    def _track_cpu(self, source: str, now_ns: int, cpu_s: float) -> None:
        history = self._cpu_history.setdefault(source, deque())
        history.append((now_ns, cpu_s))
        while len(history) > 2 and (now_ns - history[1][0]) / 1e9 >= ROLLING_WINDOW_S:
            history.popleft()

    def cpu_pct_recent(self, source: str) -> float:
        """CPU use of a process source over the last rolling window, % of one core."""
        history = self._cpu_history.get(source)
        if not history or len(history) < 2:
            return 0.0
        (t0, c0), (t1, c1) = history[0], history[-1]
        return 100.0 * (c1 - c0) / max((t1 - t0) / 1e9, 1e-9)

    def wire_mbps_recent(self) -> float:
        """Wire rate, both directions, over the last rolling window, in Mbps."""
        history = self._wire_history
        if len(history) < 2:
            return 0.0
        (t0, b0), (t1, b1) = history[0], history[-1]
        return 8 * (b1 - b0) / max((t1 - t0) / 1e9, 1e-9) / 1e6

    async def run(self, stop: asyncio.Event) -> None:
        """Sample every interval until `stop` is set (the caller takes the final sample)."""
        while not stop.is_set():
            self.sample_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_s)


def _wire_row(now_ns: int, source: str, wire: WireSample) -> tuple[object, ...]:
    return SampleRow(
        now_ns,
        source,
        rx_bytes=wire.rx_bytes,
        tx_bytes=wire.tx_bytes,
        rx_packets=wire.rx_packets,
        tx_packets=wire.tx_packets,
    ).as_row()
