"""The one way imbench starts, follows and stops a child process: servers, load generators, tools.

Every process of a run is started through the run's `ProcessScope`, so none outlives the run —
not even when `imbench run` itself is killed with SIGKILL, and not the grandchildren a daemon
starts under `su`/`runuser`. As root the scope is a PID namespace held by a keeper process:

    imbench ─ setpriv --pdeathsig KILL ─ unshare --pid --fork --kill-child ─ sleep infinity   (keeper)
    imbench ─ nsenter --target <keeper> --pid ─ [ip netns exec <ns>] ─ the program             (a child)

When the orchestrator dies the kernel kills setpriv/unshare (parent-death signal), unshare's
`--kill-child` kills the keeper, and the death of a PID namespace's init kills every process in
it. `close()` does the same on purpose at the end of every run. nsenter re-raises the signal
that ended the program, so a child's exit status reads as the program's own (-9: SIGKILL).
Without root the scope falls back to a parent-death signal on each direct child and a process
group per child (`method` says which); grandchildren can then survive a SIGKILL of imbench.

A child's `pid` is the program's own (what the meters measure and signals reach); `proc` is
the direct child (nsenter, or the program itself in the fallback), whose exit status we reap.
Processes are `subprocess.Popen`s, so the same code serves the asyncio orchestrator, scripts and
synchronous tests; asyncio only reads their stdout (`lines`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

from harness.kernel.errors import EnvironmentProblem

SCOPE_PID_NAMESPACE = "pid-namespace"
SCOPE_PDEATHSIG = "pdeathsig"
STOP_GRACE_S = 10.0
FIND_PROGRAM_S = 5.0
POLL_S = 0.05
RUN_ENV = "IMBENCH_RUN"
KEEPER_PREFIX = (
    "setpriv",
    "--pdeathsig",
    "KILL",
    "--",
    "unshare",
    "--pid",
    "--fork",
    "--kill-child",
)


@dataclass
class Child:
    """One started program: its name (a meter source or backend part), pids and log."""

    name: str
    proc: subprocess.Popen[bytes]
    pid: int
    log_path: Path | None
    _reader: asyncio.StreamReader | None = field(default=None, repr=False)

    @property
    def returncode(self) -> int | None:
        """The program's exit status once it has ended (negative: killed by that signal)."""
        return self.proc.poll()

    def exit_text(self) -> str:
        return exit_text(self.proc.returncode) if self.proc.returncode is not None else "running"

    async def lines(self) -> AsyncIterator[str]:
        """The program's stdout, line by line, until it closes (stdout must be a pipe)."""
        if self.proc.stdout is None:
            return
        if self._reader is None:
            loop = asyncio.get_running_loop()
            self._reader = asyncio.StreamReader()
            protocol = asyncio.StreamReaderProtocol(self._reader)
            await loop.connect_read_pipe(lambda: protocol, self.proc.stdout)
        while True:
            line = await self._reader.readline()
            if not line:
                return
            yield line.decode(errors="replace").rstrip("\n")

    async def wait(self, timeout_s: float | None = None) -> int | None:
        """Wait for the program to end (up to `timeout_s`); its exit status, or None if running."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while self.proc.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            await asyncio.sleep(POLL_S)
        return self.proc.returncode

    def signal(self, sig: signal.Signals) -> None:
        """Send `sig` to the program (and in the fallback, to its process group too)."""
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, sig)
        if sig == signal.SIGKILL:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)

    async def stop(self, grace_s: float = STOP_GRACE_S) -> int:
        """SIGTERM, up to `grace_s` to end, then SIGKILL; safe when already ended."""
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            if await self.wait(grace_s) is None:
                self.signal(signal.SIGKILL)
                await self.wait()
        self._close_pipes()
        return self.proc.returncode

    def stop_now(self, grace_s: float = STOP_GRACE_S) -> int:
        """`stop` for code without an event loop (scripts, synchronous tests)."""
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait()
        self._close_pipes()
        return self.proc.returncode

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdout, self.proc.stdin):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def log_tail(self, chars: int = 2000) -> str:
        if self.log_path is None:
            return "(no log)"
        try:
            return self.log_path.read_text(errors="replace")[-chars:].strip() or "(no output)"
        except OSError:
            return "(no log)"


def exit_text(returncode: int) -> str:
    """'exit code 3' or 'killed by SIGKILL'."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def can_hold_a_pid_namespace() -> bool:
    return os.geteuid() == 0 and all(shutil.which(t) for t in ("unshare", "nsenter", "setpriv"))


class ProcessScope:
    """Every process of one run; `close()` (or the death of imbench) ends them all."""

    def __init__(self, use_pid_namespace: bool | None = None, tag: str | None = None) -> None:
        self.tag = tag
        """Given to every child as IMBENCH_RUN (which run a process belongs to, for `ps` and tests)."""
        wanted = can_hold_a_pid_namespace() if use_pid_namespace is None else use_pid_namespace
        self.method = SCOPE_PID_NAMESPACE if wanted else SCOPE_PDEATHSIG
        self.children: list[Child] = []
        self._keeper: subprocess.Popen[bytes] | None = None
        self._init_pid: int | None = None
        self._pdeathsig = shutil.which("setpriv") is not None
        if wanted:
            self._start_keeper()

    def _start_keeper(self) -> None:
        self._keeper = subprocess.Popen(
            [*KEEPER_PREFIX, "--", "sleep", "infinity"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._init_pid = _only_child(self._keeper)
        if self._init_pid is None:
            self._keeper.kill()
            raise EnvironmentProblem(
                "could not make the run's PID namespace (`unshare --pid --fork` did not start)"
            )

    @property
    def keeper_pid(self) -> int | None:
        """The PID namespace's init (its death ends every process of the run)."""
        return self._init_pid

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path | None = None,
        prefix: Sequence[str] = (),
        stdout_pipe: bool = False,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Child:
        """Start `prefix + argv` in the scope (`prefix`: e.g. `ip netns exec <ns>`); stderr (and
        stdout unless piped) go to `log_path`."""
        if self._init_pid is not None:
            outer = ["nsenter", "--target", str(self._init_pid), "--pid", "--"]
        elif self._pdeathsig:
            outer = ["setpriv", "--pdeathsig", "KILL", "--"]
        else:
            outer = []
        if self.tag is not None:
            env = {**(os.environ if env is None else env), RUN_ENV: self.tag}
        log: IO[bytes] | int = subprocess.DEVNULL
        if log_path is not None:
            log = log_path.open("ab")
        try:
            proc = subprocess.Popen(
                [*outer, *prefix, *argv],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout_pipe else log,
                stderr=log,
                start_new_session=True,
                env=env,
                cwd=cwd,
            )
        finally:
            if not isinstance(log, int):
                log.close()
        pid = proc.pid
        if self._init_pid is not None:
            pid = _only_child(proc) or proc.pid
        child = Child(name, proc, pid, log_path)
        self.children.append(child)
        return child

    async def stop_all(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop every child still running (SIGTERM to all first, then wait, then SIGKILL)."""
        running = [c for c in self.children if c.returncode is None]
        for child in running:
            child.signal(signal.SIGTERM)
        await asyncio.gather(*(c.stop(grace_s) for c in running))

    def close(self) -> None:
        """Kill whatever is left of the run (grandchildren included) and reap every child."""
        if self._init_pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self._init_pid, signal.SIGKILL)
        for child in self.children:
            if child.proc.poll() is None:
                child.signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.proc.wait(5)
            child._close_pipes()
        if self._keeper is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._keeper.wait(5)
            self._init_pid = None

    def describe(self) -> dict[str, str]:
        what = {
            SCOPE_PID_NAMESPACE: "every process of the run in one PID namespace (unshare + "
            "nsenter), killed with it, also on SIGKILL of imbench",
            SCOPE_PDEATHSIG: "a parent-death signal on each direct child (no root: grandchildren "
            "may outlive a SIGKILL of imbench)",
        }
        return {"process_scope": self.method, "process_scope_detail": what[self.method]}


def _only_child(proc: subprocess.Popen[bytes]) -> int | None:
    """The pid of the one process `proc` forked (nsenter's / unshare's program), once it exists."""
    deadline = time.monotonic() + FIND_PROGRAM_S
    try:
        parent = psutil.Process(proc.pid)
    except psutil.NoSuchProcess:
        return None
    while time.monotonic() < deadline:
        try:
            children = parent.children()
        except psutil.NoSuchProcess:
            return None
        if children:
            return int(children[0].pid)
        if proc.poll() is not None:
            return None
        time.sleep(0.002)
    return None
