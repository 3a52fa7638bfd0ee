"""The sampler's rows and rolling rates over an injected clock, with scripted meter readings one
layer down (a fake process meter, a fake sysfs for the wire meter). Every expected rate is worked
by hand beside it; the rolling window is 5 s."""

from __future__ import annotations

import asyncio
import csv
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.kernel.records import SAMPLE_COLUMNS, RecordFile
from harness.meters.portwire import PortWireMeter
from harness.meters.process import ProcessSample, ProcessTreeMeter
from harness.meters.sampler import ROLLING_WINDOW_S, Sampler
from harness.meters.storage import StorageMeter
from harness.meters.wire import WireMeter, WireSample

S = 1_000_000_000


class Clock:
    def __init__(self) -> None:
        self.now_ns = 0

    def __call__(self) -> int:
        return self.now_ns


class ScriptedProcesses(ProcessTreeMeter):
    """A process meter whose next reading is set by the test (None: the processes are gone)."""

    def __init__(self) -> None:
        self.next: ProcessSample | None = None

    def read(self) -> ProcessSample | None:
        return self.next


def _cpu(cpu_s: float) -> ProcessSample:
    """A reading of `cpu_s` cumulative CPU seconds, split 3:1 between user and system."""
    return ProcessSample(0.75 * cpu_s, 0.25 * cpu_s, 50_000_000, 4096, 8192, 3)


class FakeSysfs:
    """/sys/class/net/<if>/statistics as files the test writes."""

    def __init__(self, root: Path, interface: str = "veth-test") -> None:
        self.root = root
        self.interface = interface
        self.dir = root / interface / "statistics"
        self.dir.mkdir(parents=True)

    def set(self, rx_bytes: int, tx_bytes: int, rx_packets: int = 0, tx_packets: int = 0) -> None:
        for name, value in (
            ("rx_bytes", rx_bytes),
            ("tx_bytes", tx_bytes),
            ("rx_packets", rx_packets),
            ("tx_packets", tx_packets),
        ):
            (self.dir / name).write_text(f"{value}\n")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def out(tmp_path: Path) -> Iterator[RecordFile]:
    record = RecordFile(tmp_path / "samples.csv", SAMPLE_COLUMNS)
    yield record
    record.close()


def _rows(out: RecordFile) -> list[dict[str, str]]:
    with out.path.open() as fh:
        return list(csv.DictReader(fh))


def _sampler(out: RecordFile, clock: Clock, **fields: object) -> Sampler:
    return Sampler(out=out, interval_s=1.0, clock_ns=clock, **fields)  # type: ignore[arg-type]


def test_the_rolling_window_is_five_seconds() -> None:
    assert ROLLING_WINDOW_S == 5.0


def test_cpu_use_is_the_change_over_the_last_five_seconds_of_readings(
    out: RecordFile, clock: Clock
) -> None:
    sampler = _sampler(out, clock)
    meter = ScriptedProcesses()
    sampler.processes["backend"] = meter
    # Half a core for 4 s, then a full core: cumulative CPU at t = 0..7 s.
    cumulative_s = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0]
    expected_pct = [
        0.0,  # one reading: no rate yet
        50.0,  # (0.5 - 0) / 1 s
        50.0,  # (1.0 - 0) / 2 s
        50.0,  # (1.5 - 0) / 3 s
        50.0,  # (2.0 - 0) / 4 s
        60.0,  # (3.0 - 0) / 5 s
        70.0,  # t=6: the t=0 reading is 6 s old, the window starts at t=1: (4.0 - 0.5) / 5 s
        80.0,  # t=7: window t=2..7: (5.0 - 1.0) / 5 s
    ]
    for t, (cpu_s, pct) in enumerate(zip(cumulative_s, expected_pct, strict=True)):
        clock.now_ns = t * S
        meter.next = _cpu(cpu_s)
        sampler.sample_once()
        assert sampler.cpu_pct_recent("backend") == pytest.approx(pct, rel=1e-12), f"t={t}"
        assert sampler.latest_process["backend"] == _cpu(cpu_s)


def test_cpu_window_follows_time_not_the_number_of_readings(out: RecordFile, clock: Clock) -> None:
    sampler = _sampler(out, clock)
    meter = ScriptedProcesses()
    sampler.processes["generator-0"] = meter
    # Readings 2 s apart (a late sampler): t = 0, 2, 4, 6, 8 s at 1.5 cores.
    for t in (0, 2, 4, 6, 8):
        clock.now_ns = t * S
        meter.next = _cpu(1.5 * t)
        sampler.sample_once()
    # At t=8 the window keeps the newest reading at least 5 s old, t=2: (12 - 3) / 6 s = 150 %.
    assert sampler.cpu_pct_recent("generator-0") == pytest.approx(150.0, rel=1e-12)
    # A quarter-second reading later the window is unchanged at its start: (12.375 - 3) / 6.25 s.
    clock.now_ns = 8 * S + S // 4
    meter.next = _cpu(12.375)
    sampler.sample_once()
    assert sampler.cpu_pct_recent("generator-0") == pytest.approx(150.0, rel=1e-12)


def test_a_source_never_read_or_read_once_has_no_rate(out: RecordFile, clock: Clock) -> None:
    sampler = _sampler(out, clock)
    assert sampler.cpu_pct_recent("backend") == 0.0
    assert sampler.wire_mbps_recent() == 0.0
    meter = ScriptedProcesses()
    sampler.processes["backend"] = meter
    meter.next = _cpu(3.0)
    sampler.sample_once()
    assert sampler.cpu_pct_recent("backend") == 0.0


def test_readding_a_source_starts_its_window_afresh(out: RecordFile, clock: Clock) -> None:
    """A restarted backend has new processes whose cumulative CPU starts again near zero."""
    sampler = _sampler(out, clock)
    first = ScriptedProcesses()
    sampler.processes["backend"] = first
    for t in range(3):
        clock.now_ns = t * S
        first.next = _cpu(10.0 + t)
        sampler.sample_once()
    sampler.add_process("backend", [os.getpid()])
    second = ScriptedProcesses()
    sampler.processes["backend"] = second
    for t, cpu_s in ((3, 0.0), (4, 0.25)):
        clock.now_ns = t * S
        second.next = _cpu(cpu_s)
        sampler.sample_once()
    assert sampler.cpu_pct_recent("backend") == pytest.approx(25.0)  # 0.25 s over 1 s


def test_wire_rate_is_both_directions_over_the_last_five_intervals(
    out: RecordFile, clock: Clock, tmp_path: Path
) -> None:
    sysfs = FakeSysfs(tmp_path / "net")
    sampler = _sampler(out, clock, wire=WireMeter(sysfs.interface, sysfs=sysfs.root))
    # rx 100 kB/s and tx 25 kB/s for 5 s (1 Mbps both ways), then 250 kB/s rx alone (2 Mbps).
    totals = [(0, 0)]
    for t in range(1, 9):
        rx, tx = totals[-1]
        totals.append((rx + 100_000, tx + 25_000) if t <= 5 else (rx + 250_000, tx))
    expected_mbps = [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.2, 1.4, 1.6]
    # t=6: readings t=1..6 kept (six readings, five intervals): (4 x 125 kB + 250 kB) x 8 / 5 s.
    for t, ((rx, tx), mbps) in enumerate(zip(totals, expected_mbps, strict=True)):
        clock.now_ns = t * S
        sysfs.set(rx, tx, rx // 1000, tx // 1000)
        sampler.sample_once()
        assert sampler.wire_mbps_recent() == pytest.approx(mbps, rel=1e-12), f"t={t}"
    assert sampler.latest_wire is not None
    assert sampler.latest_wire.rx_bytes == totals[-1][0]


def test_wire_window_counts_intervals_of_the_configured_length(
    out: RecordFile, clock: Clock, tmp_path: Path
) -> None:
    sysfs = FakeSysfs(tmp_path / "net")
    sampler = Sampler(
        out=out, interval_s=0.5, clock_ns=clock, wire=WireMeter(sysfs.interface, sysfs.root)
    )
    # Half-second readings: the window keeps 11 readings (10 intervals, 5 s). 10 kB a reading
    # up to reading 10 (t=5 s), then 20 kB.
    total = 0
    for n in range(13):
        clock.now_ns = n * S // 2
        if n:
            total += 10_000 if n <= 10 else 20_000
        sysfs.set(total, 0)
        sampler.sample_once()
    # Readings 2..12 kept: from 20 kB at reading 2 to 100 kB + 2 x 20 kB at reading 12, 5 s apart:
    # 120 kB x 8 / 5 s = 0.192 Mbps.
    assert sampler.wire_mbps_recent() == pytest.approx(0.192, rel=1e-12)


def test_every_reading_is_a_row_stamped_by_the_clock(
    out: RecordFile, clock: Clock, tmp_path: Path
) -> None:
    sysfs = FakeSysfs(tmp_path / "net")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "wal").write_bytes(b"z" * 1234)
    backend = ScriptedProcesses()
    sampler = _sampler(
        out,
        clock,
        wire=WireMeter(sysfs.interface, sysfs.root),
        storage=StorageMeter([tmp_path / "db"]),
    )
    sampler.processes["backend"] = backend
    clock.now_ns = 17 * S + 123
    backend.next = ProcessSample(1.25, 0.5, 40_000_000, 1000, 2000, 2)
    sysfs.set(5000, 7000, 50, 70)
    sampler.sample_once()
    clock.now_ns = 18 * S
    backend.next = None  # the backend is gone: no row for it
    sampler.sample_once()
    rows = _rows(out)
    assert [(r["t_ns"], r["source"]) for r in rows] == [
        (str(17 * S + 123), "backend"),
        (str(17 * S + 123), "wire"),
        (str(17 * S + 123), "storage"),
        (str(18 * S), "wire"),
        (str(18 * S), "storage"),
    ]
    backend_row, wire_row, storage_row = rows[:3]
    assert {k: v for k, v in backend_row.items() if v} == {
        "t_ns": str(17 * S + 123),
        "source": "backend",
        "cpu_user_s": "1.250",
        "cpu_system_s": "0.500",
        "rss_bytes": "40000000",
        "io_read_bytes": "1000",
        "io_write_bytes": "2000",
        "procs": "2",
    }
    assert (wire_row["rx_bytes"], wire_row["tx_bytes"]) == ("5000", "7000")
    assert (wire_row["rx_packets"], wire_row["tx_packets"]) == ("50", "70")
    assert wire_row["cpu_user_s"] == ""
    assert storage_row["storage_bytes"] == "1234"
    assert sampler.latest_process["backend"].cpu_s == pytest.approx(1.75)


def test_a_vanished_interface_writes_no_wire_row_and_keeps_the_last_reading(
    out: RecordFile, clock: Clock, tmp_path: Path
) -> None:
    sysfs = FakeSysfs(tmp_path / "net")
    sampler = _sampler(out, clock, wire=WireMeter(sysfs.interface, sysfs.root))
    sysfs.set(1, 2, 3, 4)
    sampler.sample_once()
    for name in ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets"):
        (sysfs.dir / name).unlink()
    clock.now_ns = S
    sampler.sample_once()
    assert [r["source"] for r in _rows(out)] == ["wire"]
    assert sampler.latest_wire is not None and sampler.latest_wire.tx_bytes == 2


def test_run_samples_on_its_interval_until_stopped(out: RecordFile) -> None:
    sampler = Sampler(out=out, interval_s=0.05, storage=StorageMeter([]))

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(sampler.run(stop))
        for _ in range(200):  # at most 10 s on a very busy machine
            await asyncio.sleep(0.05)
            if len(_rows(out)) >= 5:
                break
        stop.set()
        await asyncio.wait_for(task, 1.0)

    asyncio.run(go())
    rows = _rows(out)
    assert len(rows) >= 5
    assert all(r["source"] == "storage" and r["storage_bytes"] == "0" for r in rows)
    t_ns = [int(r["t_ns"]) for r in rows]
    assert min(b - a for a, b in itertools.pairwise(t_ns)) >= 0.045 * S  # not faster


def test_run_reads_at_once_and_a_stop_does_not_wait_out_the_interval(out: RecordFile) -> None:
    sampler = Sampler(out=out, interval_s=30.0, storage=StorageMeter([]))

    async def go() -> float:
        stop = asyncio.Event()
        task = asyncio.create_task(sampler.run(stop))
        await asyncio.sleep(0.1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        stop.set()
        await asyncio.wait_for(task, 5.0)
        return loop.time() - started

    assert asyncio.run(go()) < 1.0
    assert len(_rows(out)) == 1


def test_run_with_stop_already_set_reads_nothing(out: RecordFile) -> None:
    """The caller takes the final reading itself."""
    sampler = Sampler(out=out, interval_s=0.01, storage=StorageMeter([]))

    async def go() -> None:
        stop = asyncio.Event()
        stop.set()
        await asyncio.wait_for(sampler.run(stop), 1.0)

    asyncio.run(go())
    assert _rows(out) == []


def test_readings_closer_than_a_second_are_rated_over_their_own_span(
    out: RecordFile, clock: Clock, tmp_path: Path
) -> None:
    sysfs = FakeSysfs(tmp_path / "net")
    sampler = _sampler(out, clock, wire=WireMeter(sysfs.interface, sysfs.root))
    meter = ScriptedProcesses()
    sampler.processes["backend"] = meter
    for t_ns, cpu_s, total_bytes in ((0, 0.0, 0), (S // 2, 0.25, 62_500)):
        clock.now_ns = t_ns
        meter.next = _cpu(cpu_s)
        sysfs.set(total_bytes, 0)
        sampler.sample_once()
    assert sampler.cpu_pct_recent("backend") == pytest.approx(50.0, rel=1e-12)  # 0.25 s / 0.5 s
    assert sampler.wire_mbps_recent() == pytest.approx(1.0, rel=1e-12)  # 62.5 kB x 8 / 0.5 s


def test_a_window_of_three_readings_drops_the_oldest_once_the_middle_is_five_seconds_old(
    out: RecordFile, clock: Clock
) -> None:
    sampler = _sampler(out, clock)
    meter = ScriptedProcesses()
    sampler.processes["backend"] = meter
    for t, cpu_s in ((0, 0.0), (6, 0.0), (12, 6.0)):
        clock.now_ns = t * S
        meter.next = _cpu(cpu_s)
        sampler.sample_once()
    # At t=12 the t=6 reading is 6 s old: the window is t=6..12, (6 - 0) / 6 s, not over 12 s.
    assert sampler.cpu_pct_recent("backend") == pytest.approx(100.0, rel=1e-12)


def test_a_gone_source_does_not_stop_the_others_being_read(out: RecordFile, clock: Clock) -> None:
    sampler = _sampler(out, clock)
    gone, alive = ScriptedProcesses(), ScriptedProcesses()
    sampler.processes["backend"] = gone
    sampler.processes["generator-0"] = alive
    alive.next = _cpu(1.0)
    sampler.sample_once()
    assert [r["source"] for r in _rows(out)] == ["generator-0"]


def test_an_added_process_source_is_metered_by_its_process_tree(
    out: RecordFile, clock: Clock
) -> None:
    sampler = _sampler(out, clock)
    sampler.add_process("self", os.getpid())
    assert isinstance(sampler.processes["self"], ProcessTreeMeter)
    assert sampler.processes["self"].pids == [os.getpid()]
    sampler.sample_once()
    (row,) = _rows(out)
    assert row["source"] == "self" and int(row["procs"]) >= 1 and float(row["cpu_user_s"]) > 0


def test_the_wire_meter_names_its_interface() -> None:
    assert WireMeter("veth-x").interface == "veth-x"


class ScriptedPortWire(PortWireMeter):
    """A port-wire meter whose next reading is set by the test (None: nft gave nothing)."""

    def __init__(self) -> None:
        self.next: WireSample | None = None

    def read(self) -> WireSample | None:
        return self.next


def test_a_port_wire_source_is_a_row_of_its_own_when_it_reads(
    out: RecordFile, clock: Clock
) -> None:
    port = ScriptedPortWire()
    sampler = _sampler(out, clock, port_wires={"wire-messaging": port})
    clock.now_ns = 3 * S
    port.next = WireSample(rx_bytes=100, tx_bytes=200, rx_packets=1, tx_packets=2)
    sampler.sample_once()
    clock.now_ns = 4 * S
    port.next = None
    sampler.sample_once()
    (row,) = _rows(out)
    assert (row["t_ns"], row["source"]) == (str(3 * S), "wire-messaging")
    assert (row["rx_bytes"], row["tx_bytes"], row["rx_packets"], row["tx_packets"]) == (
        "100", "200", "1", "2",
    )  # fmt: skip
