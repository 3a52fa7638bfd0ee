"""Process-tree meter: cumulative CPU seconds (user+system), RSS and disk I/O of a process and its descendants.

Cumulative counters only (psutil's cpu_percent() is a rate and its first call returns 0.0). CPU of
descendants that already exited and were reaped is counted through the root's children_* times.
"""

from __future__ import annotations

from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class ProcessSample:
    cpu_user_s: float
    cpu_system_s: float
    rss_bytes: int
    io_read_bytes: int
    io_write_bytes: int
    procs: int

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_system_s


class ProcessTreeMeter:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._root = psutil.Process(pid)

    def read(self) -> ProcessSample | None:
        """A reading of the whole tree, or None once the root process is gone."""
        try:
            tree = [self._root, *self._root.children(recursive=True)]
            root_times = self._root.cpu_times()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return None
        user = root_times.children_user
        system = root_times.children_system
        rss = read_bytes = write_bytes = procs = 0
        for proc in tree:
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss += proc.memory_info().rss
                    io = _io(proc)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            user += times.user
            system += times.system
            read_bytes += io[0]
            write_bytes += io[1]
            procs += 1
        return ProcessSample(user, system, rss, read_bytes, write_bytes, procs)


def _io(proc: psutil.Process) -> tuple[int, int]:
    try:
        counters = proc.io_counters()
    except (psutil.AccessDenied, AttributeError):
        return (0, 0)
    return (counters.read_bytes, counters.write_bytes)
