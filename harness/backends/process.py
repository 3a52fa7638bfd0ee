"""Starting and stopping a server process in the run's network, shared by backend adapters."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import NoReturn

from harness.kernel.errors import BackendFailure, EnvironmentProblem
from harness.network import TestNetwork

STOP_GRACE_S = 10.0
EXITED_GRACE_S = 1.0


async def spawn_server(
    net: TestNetwork, argv: Sequence[str], log_path: Path
) -> asyncio.subprocess.Process:
    """Start `argv` inside the run's namespace (if any), in its own session, stderr to `log_path`."""
    with log_path.open("ab") as log:
        return await asyncio.create_subprocess_exec(
            *net.exec_prefix(),
            *argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )


async def read_ready_line(
    proc: asyncio.subprocess.Process, prefix: str, timeout_s: float, log_path: Path
) -> str:
    """Wait for the line starting with `prefix` on the server's stdout; return the rest of it."""
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                line = await proc.stdout.readline()
                if not line:
                    break
                text = line.decode(errors="replace").strip()
                if text.startswith(prefix):
                    return text[len(prefix) :].strip()
    except TimeoutError:
        pass
    await give_up(proc, log_path, f"backend did not become ready within {timeout_s:g} s")


async def poll_until_ready(
    proc: asyncio.subprocess.Process,
    ready: Callable[[], Awaitable[bool]],
    timeout_s: float,
    poll_s: float,
    log_path: Path,
    what: str,
) -> None:
    """Poll `ready()` every `poll_s` while the server runs; give up after `timeout_s`."""
    try:
        async with asyncio.timeout(timeout_s):
            while proc.returncode is None:
                if await ready():
                    return
                await asyncio.sleep(poll_s)
    except TimeoutError:
        pass
    await give_up(proc, log_path, f"{what} within {timeout_s:g} s")


async def give_up(proc: asyncio.subprocess.Process, log_path: Path, what: str) -> NoReturn:
    """Stop a server that failed to start and raise BackendFailure with its log's tail."""
    # It has usually exited already: let asyncio reap it first, because signalling a process
    # that has exited reaps it behind asyncio's back and its exit code is then lost (255).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), EXITED_GRACE_S)
    await stop_process(proc)
    tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
    raise BackendFailure(f"{what} (exit code {proc.returncode}); log tail:\n{tail}")


class ServerProcess:
    """What every adapter of a server process shares: the process once started, and stopping it."""

    _proc: asyncio.subprocess.Process | None = None

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        return self._proc

    async def stop(self) -> None:
        """Stop gracefully, then forcibly; safe when never started or already dead."""
        if self._proc is not None:
            await stop_process(self._proc)


def find_binary(name: str, install_hint: str) -> str:
    """The program's path, or EnvironmentProblem saying what to install."""
    found = shutil.which(name)
    if found is None:
        raise EnvironmentProblem(f"`{name}` is not on the PATH: {install_hint}")
    return found


def version_output(name: str, install_hint: str) -> str | None:
    """What `<name> --version` prints, or None when the program is not installed or fails."""
    try:
        done = subprocess.run(
            [find_binary(name, install_hint), "--version"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (EnvironmentProblem, OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout


async def stop_process(proc: asyncio.subprocess.Process, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM, wait up to `grace_s`, then SIGKILL the whole session."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), grace_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
