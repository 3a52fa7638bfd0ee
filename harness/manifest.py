"""What a run's manifest records about where and with what it ran: host, packages, git commit."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import psutil

PACKAGES = (
    "imbench",
    "locust",
    "gevent",
    "websockets",
    "psutil",
    "pandas",
    "pyarrow",
    "orjson",
    "aiortc",
    "av",
)

MEASUREMENT_METHODS = {
    "cpu": "psutil cpu_times user+system of the process tree, cumulative, incl. reaped children",
    "memory": "psutil memory_info().rss summed over the process tree",
    "disk_io": "psutil io_counters read/write bytes of the process tree",
    "storage": "apparent size of every file under the backend's data paths",
    "latency": "receiver time.monotonic_ns() minus the send timestamp carried in the message",
    "generator_check": "rolling 5 s CPU of each generator process and its gevent hub wake-up lag",
}


def host_facts() -> dict[str, Any]:
    return {
        "hostname": platform.node(),
        "kernel": platform.release(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "root": os.geteuid() == 0,
    }


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


PROJECT_ROOT = Path(__file__).resolve().parent.parent


def git_commit(repo: Path = PROJECT_ROOT) -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    return {
        "commit": commit or "unknown",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }
