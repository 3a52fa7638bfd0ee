"""Starting servers and children: a server that never gets ready is stopped and reported with its
log; a run's process scope ends every process it started, grandchildren under `su` included."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from harness.backends.process import poll_until_ready, read_ready_line
from harness.children import SCOPE_PID_NAMESPACE, ProcessScope, can_hold_a_pid_namespace
from harness.kernel.errors import BackendFailure
from tests.conftest import needs_root
from tests.requirements import require_binary, require_root


def test_a_server_that_dies_before_ready_fails_with_its_exit_code_and_log(
    tmp_path: Path, process_scope: ProcessScope
) -> None:
    log = tmp_path / "server.log"
    code = "import sys; sys.stderr.write('port already in use\\n'); sys.exit(3)"

    async def scenario() -> None:
        child = process_scope.spawn(
            "server", [sys.executable, "-c", code], log_path=log, stdout_pipe=True
        )
        await read_ready_line(child, "READY", 10.0)

    with pytest.raises(BackendFailure, match=r"(?s)server: exit code 3\).*port already in use"):
        asyncio.run(scenario())


def test_a_server_that_never_answers_is_stopped_after_the_timeout(
    tmp_path: Path, process_scope: ProcessScope
) -> None:
    log = tmp_path / "server.log"

    async def never() -> bool:
        return False

    async def scenario() -> int | None:
        child = process_scope.spawn(
            "server", [sys.executable, "-c", "import time; time.sleep(60)"], log_path=log
        )
        with pytest.raises(
            BackendFailure, match=r"did not answer within 0\.5 s \(server: killed by SIGTERM\)"
        ):
            await poll_until_ready(child, never, 0.5, 0.1, "did not answer")
        return child.returncode

    assert asyncio.run(scenario()) == -signal.SIGTERM


@pytest.mark.parametrize("pid_namespace", [True, False], ids=["pid-namespace", "fallback"])
def test_a_child_reports_its_programs_own_exit_status_and_pid(
    tmp_path: Path, pid_namespace: bool
) -> None:
    if pid_namespace:
        require_root("a PID namespace needs root")
        for tool in ("unshare", "nsenter", "setpriv"):
            require_binary(tool)
        assert can_hold_a_pid_namespace()
    scope = ProcessScope(use_pid_namespace=pid_namespace)
    try:
        exits = scope.spawn("exits", [sys.executable, "-c", "import sys; sys.exit(3)"])
        sleeper = scope.spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
        assert " ".join(psutil.Process(sleeper.pid).cmdline()).endswith("time.sleep(60)")
        os.kill(sleeper.pid, signal.SIGKILL)
        assert asyncio.run(exits.wait(10)) == 3 and exits.exit_text() == "exit code 3"
        assert asyncio.run(sleeper.wait(10)) == -signal.SIGKILL
        assert sleeper.exit_text() == "killed by SIGKILL"
    finally:
        scope.close()


def _pids_running(command: str) -> list[int]:
    """Live processes whose command line is exactly `command`."""
    return [
        p.pid
        for p in psutil.process_iter(["cmdline", "status"])
        if " ".join(p.info["cmdline"] or []) == command and p.info["status"] != psutil.STATUS_ZOMBIE
    ]


@needs_root
def test_closing_a_scope_ends_grandchildren_started_under_su(tmp_path: Path) -> None:
    seconds = f"{300 + os.getpid() % 1000}.{time.monotonic_ns() % 997}"  # names our sleeps
    scope = ProcessScope()
    assert scope.method == SCOPE_PID_NAMESPACE
    script = f"sleep {seconds} & su nobody -s /bin/sh -c 'exec sleep {seconds}' & wait"
    scope.spawn("daemon", ["sh", "-c", script])
    deadline = time.monotonic() + 5
    while len(_pids_running(f"sleep {seconds}")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = _pids_running(f"sleep {seconds}")
    assert len(started) == 2
    assert {psutil.Process(p).username() for p in started} == {"root", "nobody"}
    scope.close()
    time.sleep(0.2)
    assert _pids_running(f"sleep {seconds}") == []


@needs_root
def test_a_sigkill_of_the_parent_ends_every_process_of_its_scope_within_5_s(tmp_path: Path) -> None:
    """The parent holds a scope with a child that started a grandchild under su, then dies by
    SIGKILL: nothing of it may be left."""
    ready = tmp_path / "ready"
    code = f"""
import sys, time
from pathlib import Path
from harness.children import ProcessScope
scope = ProcessScope()
scope.spawn("daemon", ["sh", "-c", "su nobody -s /bin/sh -c 'exec sleep 303' & exec sleep 304"])
time.sleep(0.5)
Path({str(ready)!r}).write_text("x")
time.sleep(300)
"""
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parent.parent)
    deadline = time.monotonic() + 20
    while not ready.exists() and time.monotonic() < deadline:
        assert parent.poll() is None
        time.sleep(0.05)
    tree = [parent.pid] + [p.pid for p in psutil.Process(parent.pid).children(recursive=True)]
    assert len(tree) >= 4
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    alive = tree
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [
            p
            for p in tree
            if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        ]
    assert alive == [], [psutil.Process(p).cmdline() for p in alive]
