"""The process-tree and storage meters against independent truths: child processes that burn a
known amount of CPU and report their own accounting (os.times), one that exits and is reaped,
memory held by a known allocation, bytes written and fsynced, and files of known size growing.

The children report what the kernel charged them through os.times() — the times(2) syscall, not
/proc, which the meter reads — and then block on stdin, so the meter reads a quiet process."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from harness.meters.process import ProcessSample, ProcessTreeMeter
from harness.meters.storage import StorageMeter

MIB = 1 << 20
CPU_TOLERANCE_S = 0.03
"""Kernel CPU accounting moves in clock ticks (10 ms); each test burns 10x or more than this."""

BURN = """
import os
def burn_user(seconds):
    start = os.times().user
    x = 0
    while os.times().user - start < seconds:
        for i in range(10_000):
            x += i
def burn_system(seconds):
    start = os.times().system
    with open("/dev/zero", "rb", buffering=0) as zero:
        while os.times().system - start < seconds:
            zero.read(1 << 20)
"""
REPORT = """
import json, os, sys
def report(**extra):
    t = os.times()
    line = dict(user=t.user, system=t.system, children_user=t.children_user,
                children_system=t.children_system, pid=os.getpid(), **extra)
    print(json.dumps(line), flush=True)
    sys.stdin.readline()
"""

BURNER = BURN + REPORT + "burn_user(0.3); burn_system(0.2); report()"
"""Burns 0.3 s of user and 0.2 s of system CPU, reports its own times, waits."""

PARENT_OF_LIVE_BURNER = (
    REPORT
    + """
import subprocess
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
child_line = json.loads(child.stdout.readline())
held = bytearray(b"\\x01" * (48 << 20))
report(child=child_line)
child.stdin.close()
child.wait()
"""
)
"""Starts BURNER, waits for its report, holds 48 MiB, reports its own times and the child's."""

PARENT_OF_REAPED_BURNER = (
    BURN
    + REPORT
    + """
import subprocess
done = subprocess.run([sys.executable, "-c", sys.argv[1]])
assert done.returncode == 0
report()
"""
)
"""Runs a child that burns CPU and exits, reaps it, reports its own and its children's times."""

REAPED_CHILD = BURN + "burn_user(0.25); burn_system(0.15)"


@pytest.fixture
def spawn() -> Iterator[Spawner]:
    spawner = Spawner()
    try:
        yield spawner
    finally:
        spawner.close()


class Spawner:
    """Python children of the test that report one JSON line and wait for stdin to close."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[str]] = []

    def start(self, program: str, *args: str) -> tuple[subprocess.Popen[str], dict[str, float]]:
        child = subprocess.Popen(
            [sys.executable, "-c", program, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.children.append(child)
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line, f"child {child.pid} exited with {child.wait()} before reporting"
        report: dict[str, float] = json.loads(line)
        return child, report

    def close(self) -> None:
        for child in self.children:
            if child.stdin is not None:
                child.stdin.close()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _reading(meter: ProcessTreeMeter) -> ProcessSample:
    sample = meter.read()
    assert sample is not None
    return sample


def _own_cpu_s(report: dict[str, float]) -> float:
    return report["user"] + report["system"]


def _vm_rss_bytes(pid: int) -> int:
    """Resident set size as /proc/<pid>/status states it (kB), read by the test itself."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_a_process_burning_known_user_and_system_cpu_is_read_as_it_accounts_for_itself(
    spawn: Spawner,
) -> None:
    child, report = spawn.start(BURNER)
    assert report["user"] >= 0.3 and report["system"] >= 0.2
    sample = _reading(ProcessTreeMeter(child.pid))
    assert sample.cpu_user_s == pytest.approx(report["user"], abs=CPU_TOLERANCE_S)
    assert sample.cpu_system_s == pytest.approx(report["system"], abs=CPU_TOLERANCE_S)
    assert sample.cpu_s == pytest.approx(_own_cpu_s(report), abs=CPU_TOLERANCE_S)
    assert sample.procs == 1


def test_a_live_descendants_cpu_and_memory_are_added_to_its_parents(spawn: Spawner) -> None:
    parent, report = spawn.start(PARENT_OF_LIVE_BURNER, BURNER)
    child = report.pop("child")
    assert isinstance(child, dict)
    sample = _reading(ProcessTreeMeter(parent.pid))
    assert sample.procs == 2
    assert sample.cpu_user_s == pytest.approx(
        report["user"] + child["user"], abs=2 * CPU_TOLERANCE_S
    )
    assert sample.cpu_system_s == pytest.approx(
        report["system"] + child["system"], abs=2 * CPU_TOLERANCE_S
    )
    # Both processes are idle, so their resident memory stands still while it is read twice.
    rss = _vm_rss_bytes(parent.pid) + _vm_rss_bytes(int(child["pid"]))
    assert sample.rss_bytes == pytest.approx(rss, abs=MIB)
    assert sample.rss_bytes >= 48 * MIB


def test_the_cpu_of_a_child_that_exited_and_was_reaped_is_still_counted(spawn: Spawner) -> None:
    parent, report = spawn.start(PARENT_OF_REAPED_BURNER, REAPED_CHILD)
    assert report["children_user"] >= 0.25 and report["children_system"] >= 0.15
    sample = _reading(ProcessTreeMeter(parent.pid))
    assert sample.procs == 1
    assert sample.cpu_user_s == pytest.approx(
        report["user"] + report["children_user"], abs=CPU_TOLERANCE_S
    )
    assert sample.cpu_system_s == pytest.approx(
        report["system"] + report["children_system"], abs=CPU_TOLERANCE_S
    )


def test_a_source_of_several_roots_sums_them_reaped_children_included(spawn: Spawner) -> None:
    first, first_report = spawn.start(PARENT_OF_REAPED_BURNER, REAPED_CHILD)
    second, second_report = spawn.start(BURNER)
    sample = _reading(ProcessTreeMeter([first.pid, second.pid]))
    assert sample.procs == 2
    user = first_report["user"] + first_report["children_user"] + second_report["user"]
    system = first_report["system"] + first_report["children_system"] + second_report["system"]
    assert sample.cpu_user_s == pytest.approx(user, abs=2 * CPU_TOLERANCE_S)
    assert sample.cpu_system_s == pytest.approx(system, abs=2 * CPU_TOLERANCE_S)


def test_bytes_written_and_fsynced_are_counted_as_disk_writes(
    spawn: Spawner, tmp_path: Path
) -> None:
    writer = f"""
import os, sys
sys.stdin.readline()
with open({str(tmp_path / "data")!r}, "wb") as fh:
    fh.write(os.urandom(4 << 20))
    fh.flush()
    os.fsync(fh.fileno())
print("{{}}", flush=True)
sys.stdin.readline()
"""
    child = subprocess.Popen(
        [sys.executable, "-c", writer], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    spawn.children.append(child)
    assert child.stdin is not None and child.stdout is not None
    meter = ProcessTreeMeter(child.pid)
    before = _reading(meter)
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "{}"
    after = _reading(meter)
    written = after.io_write_bytes - before.io_write_bytes
    # Metadata (inode, journal) may add a few blocks to the file's 4 MiB.
    assert 4 * MIB <= written <= 4 * MIB + 256 * 1024
    assert after.io_read_bytes >= before.io_read_bytes


def test_a_source_whose_processes_are_all_gone_reads_none(spawn: Spawner) -> None:
    child, _ = spawn.start(REPORT + "report()")
    other, _ = spawn.start(REPORT + "report()")
    meter = ProcessTreeMeter([child.pid, other.pid])
    assert _reading(meter).procs == 2
    spawn.close()
    assert meter.read() is None


def test_a_gone_root_leaves_its_siblings_counted(spawn: Spawner) -> None:
    child, _ = spawn.start(REPORT + "report()")
    survivor, report = spawn.start(BURNER)
    meter = ProcessTreeMeter([child.pid, survivor.pid])
    assert child.stdin is not None
    child.stdin.close()
    child.wait()
    sample = _reading(meter)
    assert sample.procs == 1
    assert sample.cpu_s == pytest.approx(_own_cpu_s(report), abs=CPU_TOLERANCE_S)


def test_a_process_whose_disk_counters_cannot_be_read_counts_zero_io() -> None:
    """PID 1 belongs to another user when tests run unprivileged; as root, a fake stands in."""
    meter = ProcessTreeMeter(os.getpid())

    class Unreadable(psutil.Process):
        def io_counters(self):  # type: ignore[no-untyped-def]
            raise psutil.AccessDenied(self.pid)

        def children(self, recursive: bool = False) -> list[psutil.Process]:
            return []

    meter._roots = [Unreadable(os.getpid())]
    sample = _reading(meter)
    assert (sample.io_read_bytes, sample.io_write_bytes) == (0, 0)
    assert sample.procs == 1


# Storage: exact apparent sizes of files the test writes.


def _write(path: Path, size_bytes: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size_bytes)


def test_storage_is_the_exact_sum_of_file_sizes_under_every_path(tmp_path: Path) -> None:
    _write(tmp_path / "db" / "main.db", 12_288)
    _write(tmp_path / "db" / "main.db-wal", 4_120)
    _write(tmp_path / "db" / "archive" / "2026" / "part-1", 1_000_003)
    _write(tmp_path / "single.log", 777)
    meter = StorageMeter([tmp_path / "db", tmp_path / "single.log", tmp_path / "missing"])
    assert meter.read() == 12_288 + 4_120 + 1_000_003 + 777


def test_storage_follows_files_as_they_grow_and_shrink(tmp_path: Path) -> None:
    data = tmp_path / "data"
    meter = StorageMeter([data])
    assert meter.read() == 0
    _write(data / "wal", 100)
    assert meter.read() == 100
    with (data / "wal").open("ab") as fh:
        fh.write(b"y" * 4_096)
        fh.flush()
        assert meter.read() == 4_196
    _write(data / "segments" / "000001", 65_536)
    assert meter.read() == 4_196 + 65_536
    (data / "wal").write_bytes(b"")
    assert meter.read() == 65_536


def test_storage_counts_apparent_size_not_allocated_blocks(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse"
    with sparse.open("wb") as fh:
        fh.truncate(8 * MIB)
    assert StorageMeter([tmp_path]).read() == 8 * MIB


def test_storage_skips_entries_it_cannot_stat_and_counts_the_rest(tmp_path: Path) -> None:
    for n in range(20):
        _write(tmp_path / f"file-{n:02d}", 1_000 + n)
        if n % 4 == 0:
            (tmp_path / f"dangling-{n:02d}").symlink_to(tmp_path / "nowhere")
    assert StorageMeter([tmp_path]).read() == sum(1_000 + n for n in range(20))


def test_storage_adds_what_the_backends_own_probes_measure(tmp_path: Path) -> None:
    _write(tmp_path / "wal", 1_000)
    meter = StorageMeter([tmp_path], probes=[lambda: 40_960, lambda: 8_192])
    assert meter.read() == 1_000 + 40_960 + 8_192
    assert StorageMeter([], probes=[lambda: 5]).read() == 5


MIDDLE = f"""
import json, os, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", {BURNER!r}], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
burner = json.loads(child.stdout.readline())
t = os.times()
print(json.dumps(dict(user=t.user + burner["user"], system=t.system + burner["system"])), flush=True)
sys.stdin.readline()
child.stdin.close()
child.wait()
"""
"""Starts BURNER below itself and reports its own times plus the burner's, then waits."""


def test_a_grandchild_burning_cpu_is_counted_for_the_root(spawn: Spawner) -> None:
    """The test's child -> MIDDLE -> BURNER: the whole tree, not only direct children."""
    parent, report = spawn.start(PARENT_OF_LIVE_BURNER, MIDDLE)
    below = report.pop("child")
    assert isinstance(below, dict)
    sample = _reading(ProcessTreeMeter(parent.pid))
    assert sample.procs == 3
    assert sample.cpu_user_s == pytest.approx(
        report["user"] + below["user"], abs=3 * CPU_TOLERANCE_S
    )
    assert sample.cpu_system_s == pytest.approx(
        report["system"] + below["system"], abs=3 * CPU_TOLERANCE_S
    )


class _Scripted(psutil.Process):
    """This process, with the CPU, memory and disk counters the test sets: the summing over a
    tree, and a process vanishing mid-read, checked exactly one layer down (psutil)."""

    def __init__(self, cpu: tuple[float, float], io: tuple[int, int], gone: bool = False) -> None:
        super().__init__(os.getpid())
        self._cpu, self._io, self._gone = cpu, io, gone
        self.kids: list[psutil.Process] = []

    def children(self, recursive: bool = False) -> list[psutil.Process]:
        return self.kids

    @contextlib.contextmanager
    def oneshot(self) -> Iterator[None]:
        yield

    def cpu_times(self):  # type: ignore[no-untyped-def]
        if self._gone:
            raise psutil.NoSuchProcess(self.pid)
        user, system = self._cpu
        return SimpleNamespace(user=user, system=system, children_user=0.0, children_system=0.0)

    def memory_info(self):  # type: ignore[no-untyped-def]
        return SimpleNamespace(rss=1_000)

    def io_counters(self):  # type: ignore[no-untyped-def]
        return SimpleNamespace(read_bytes=self._io[0], write_bytes=self._io[1])


def test_every_process_of_a_tree_is_summed_counter_by_counter() -> None:
    root = _Scripted((1.0, 0.5), (100, 200))
    root.kids = [_Scripted((2.0, 0.25), (1_000, 2_000)), _Scripted((0.5, 0.125), (10, 20))]
    meter = ProcessTreeMeter(os.getpid())
    meter._roots = [root]
    assert meter.read() == ProcessSample(3.5, 0.875, 3_000, 1_110, 2_220, 3)


def test_a_process_that_vanishes_mid_read_is_skipped_and_the_rest_still_counted() -> None:
    root = _Scripted((1.0, 0.5), (100, 200))
    root.kids = [_Scripted((9.0, 9.0), (9, 9), gone=True), _Scripted((2.0, 0.25), (1_000, 2_000))]
    meter = ProcessTreeMeter(os.getpid())
    meter._roots = [root]
    assert meter.read() == ProcessSample(3.0, 0.75, 2_000, 1_100, 2_200, 2)
