"""A run's manifest: what ran, where and with what (host, packages, git commit), how it ended."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import psutil

from harness.kernel.errors import BadInput
from harness.kernel.status import RunStatus, parse_status

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
SCHEMA = "imbench.manifest/1"


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


@dataclass(frozen=True)
class Orchestrator:
    """Which process ran a run: a later run can tell whether it is still alive."""

    pid: int
    started_s: float
    """psutil create_time of that process (a reused pid has another)."""
    hostname: str

    @classmethod
    def this_process(cls) -> Orchestrator:
        return cls(os.getpid(), psutil.Process().create_time(), platform.node())

    def alive(self) -> bool | None:
        """True/False for a run of this host; None when it ran elsewhere (cannot tell)."""
        if self.hostname != platform.node():
            return None
        try:
            return abs(psutil.Process(self.pid).create_time() - self.started_s) < 0.01
        except psutil.NoSuchProcess:
            return False


@dataclass
class Manifest:
    """`manifest.json`: what ran, where, with what, how it was measured, and how it ended.

    Written when the run starts (`status: running`) and rewritten as it goes and when it ends."""

    run_id: str
    start_utc: str
    scenario: dict[str, Any]
    scenario_file: str
    scenario_sha256: str
    backend: dict[str, Any]
    media_backend: dict[str, Any]
    turn: dict[str, Any]
    host: dict[str, Any]
    packages: dict[str, str]
    git: dict[str, Any]
    methods: dict[str, Any]
    orchestrator: Orchestrator
    status: RunStatus = RunStatus.RUNNING
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the run's figures left out without changing its status (raw lines dropped, torn or
    malformed, per file)."""
    end_utc: str | None = None
    window_ns: dict[str, int] | None = None
    media_targets_mbps: dict[str, float] = field(default_factory=dict)
    """Target Mbps per published video stream, by media driver index (as a string key)."""
    turn_relay: dict[str, int] | None = None
    private_dir: str | None = None
    """Where the run kept credentials while it ran (outside results/; removed when it ends)."""
    provision: dict[str, Any] | None = None
    """What the messaging backend was given: users, rooms, seconds it took, client, TLS."""
    unavailable: dict[str, str] = field(default_factory=dict)
    """Registered metrics the messaging backend cannot produce, with the reason (summary: n/a)."""
    tls: dict[str, Any] | None = None
    """The run's TLS certificate (`[network] tls = true`), as RunCertificate.describe(); else None."""
    schema: str = SCHEMA

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_json(cls, data: object, source: str) -> Manifest:
        """A manifest read back; BadInput naming the field when it is not one of ours."""
        if not isinstance(data, dict):
            raise BadInput(source, "", type(data).__name__, "a JSON object (a run's manifest)")
        status = parse_status(data.get("status"))
        if status is None:
            raise BadInput(source, "status", data.get("status"), f"one of {', '.join(RunStatus)}")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        raw = values.get("orchestrator") or {}
        try:
            values["orchestrator"] = Orchestrator(
                int(raw["pid"]), float(raw["started_s"]), str(raw["hostname"])
            )
        except (KeyError, TypeError, ValueError):
            values["orchestrator"] = Orchestrator(0, 0.0, "")  # written before imbench kept it
        values["status"] = status
        for name in ("run_id", "start_utc", "scenario_file", "scenario_sha256"):
            values.setdefault(name, "")
        for name in ("scenario", "backend", "media_backend", "turn", "host", "packages", "git"):
            values.setdefault(name, {})
        values.setdefault("methods", {})
        return cls(**values)
