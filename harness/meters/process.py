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
    """One source's processes (a backend may be several: a server and its database) and all
    their descendants, summed."""

    def __init__(self, pids: int | list[int]) -> None:
        self.pids = [pids] if isinstance(pids, int) else list(pids)
        self._roots = [psutil.Process(pid) for pid in self.pids]

    def read(self) -> ProcessSample | None:
        """A reading of every tree, or None once every root process is gone."""
        user = system = 0.0
        tree: list[psutil.Process] = []
        for root in self._roots:
            try:
                tree += [root, *root.children(recursive=True)]
                root_times = root.cpu_times()
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            user += root_times.children_user
            system += root_times.children_system
        if not tree:
            return None
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
