"""Shared test helpers: small scenario files, a check that a run left nothing behind, and the
`root` marker (tests/requirements.py: skipped without root locally, a failure under CI=true)."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from harness.backends import BackendContext
from harness.children import RUN_ENV, ProcessScope
from harness.network import TestNetwork, list_namespaces
from tests.requirements import require_binary, require_root

IMBENCH = [sys.executable, "-m", "harness.cli"]

SMALL_SCENARIO = """\
[scenario]
name = "{name}"
backend = "{backend}"
duration_s = {duration_s}
ramp_s = {ramp_s}
drain_s = 2
seed = 7

[network]
mode = "{mode}"
tls = {tls}

[generators]
processes = {processes}

[[workload]]
kind = "chat"
users = 20
send_rate_per_user_hz = 4.0
payload = {{ distribution = "fixed", bytes = 150 }}

[[workload]]
kind = "group"
users = 20
room_size = 5
send_rate_per_user_hz = 2.0
payload = {{ distribution = "uniform", min_bytes = 50, max_bytes = 250 }}
{extra}"""


def small_scenario(
    name: str = "small",
    duration_s: float = 6,
    ramp_s: float = 2,
    mode: str = "auto",
    processes: int = 1,
    backend: str = "embedded",
    tls: bool = False,
    extra: str = "",
) -> str:
    """SMALL_SCENARIO's text with its placeholders filled in."""
    return SMALL_SCENARIO.format(
        name=name,
        duration_s=duration_s,
        ramp_s=ramp_s,
        mode=mode,
        processes=processes,
        backend=backend,
        tls=str(tls).lower(),
        extra=extra,
    )


def backend_context(
    net: TestNetwork, tmp_path: Path, name: str, scope: ProcessScope
) -> BackendContext:
    """Where a backend adapter started by a test keeps its data, credentials and log."""
    private = tmp_path / f"{name}-private"
    private.mkdir(mode=0o700, exist_ok=True)
    return BackendContext(net, scope, tmp_path / name, private, tmp_path / f"{name}.log")


@pytest.fixture
def process_scope() -> Iterator[ProcessScope]:
    """A run's process scope for tests that start servers themselves; nothing outlives it."""
    scope = ProcessScope()
    try:
        yield scope
    finally:
        scope.close()


needs_root = pytest.mark.root
"""Network namespaces need root: skipped without it locally, a failure under CI=true."""


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.root` and `needs_binary(...)` act before any fixture starts (tests/requirements.py)."""
    for mark in item.iter_markers("binary"):
        require_binary(*mark.args, **mark.kwargs)
    if item.get_closest_marker("root") is not None:
        require_root()


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    def make(
        name: str = "small",
        duration_s: float = 6,
        ramp_s: float = 2,
        mode: str = "auto",
        processes: int = 1,
        backend: str = "embedded",
        tls: bool = False,
        extra: str = "",
    ) -> Path:
        """A small chat + group scenario; `extra` is appended (a `[backend.<name>]` table)."""
        path = tmp_path / f"{name}.toml"
        path.write_text(
            small_scenario(name, duration_s, ramp_s, mode, processes, backend, tls, extra)
        )
        return path

    return make


WRAPPERS = ("nsenter", "setpriv", "unshare")


def run_processes(marker: str) -> list[psutil.Process]:
    """Processes of runs whose folder or command line mentions `marker` (e.g. a results dir): a
    run gives each of its processes IMBENCH_RUN=<run folder>, and every daemon a backend starts
    (PostgreSQL's workers, a beam VM) inherits it."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        argv = proc.info["cmdline"] or []
        cmdline = " ".join(argv)
        if argv and Path(argv[0]).name in WRAPPERS:
            continue  # the run's own nsenter in front of the program, not the program
        try:
            run = proc.environ().get(RUN_ENV, "")
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            run = ""
        if marker in cmdline or marker in run:
            found.append(proc)
    return found


@pytest.fixture
def leaves_nothing_behind(tmp_path: Path) -> Iterator[None]:
    """After the test: no new imbench namespace, veth or process of this test's runs survives."""
    before = _run_namespaces()
    links_before = _imbench_links()
    yield
    deadline = time.monotonic() + 5
    while run_processes(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run_processes(str(tmp_path)) == []
    assert _run_namespaces() - before == set()
    assert _imbench_links() - links_before == set()


def _imbench_links() -> set[str]:
    """Host-side veths of this test's runs (ih<pid>n<n>), owned as in _run_namespaces."""
    mine = set()
    for path in Path("/sys/class/net").iterdir():
        match = re.fullmatch(r"ih(\d+)n\d+", path.name)
        if match and _ours(int(match.group(1))):
            mine.add(path.name)
    return mine


def _ours(pid: int) -> bool:
    return pid == os.getpid() or not psutil.pid_exists(pid)


def _run_namespaces() -> set[str]:
    """Namespaces made by this test's imbench runs (imb-<pid>-<n>): by this process or by one that
    has ended since (a CLI run); other live processes may be making their own meanwhile."""
    mine = set()
    for name in list_namespaces():
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "imb" and parts[1].isdigit() and _ours(int(parts[1])):
            mine.add(name)
    return mine
