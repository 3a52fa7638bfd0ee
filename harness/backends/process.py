"""What every adapter of a server process shares: readiness (a line on stdout, or a poll), giving
up with the log's tail, stopping, and finding the program on the PATH."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from typing import NoReturn

from harness.children import Child
from harness.kernel.errors import BackendFailure, EnvironmentProblem

STOP_GRACE_S = 10.0


async def read_ready_line(child: Child, prefix: str, timeout_s: float) -> str:
    """Wait for the line starting with `prefix` on the server's stdout; return the rest of it."""
    try:
        async with asyncio.timeout(timeout_s):
            async for line in child.lines():
                text = line.strip()
                if text.startswith(prefix):
                    return text[len(prefix) :].strip()
    except TimeoutError:
        pass
    await give_up(child, f"backend did not become ready within {timeout_s:g} s")


async def poll_until_ready(
    child: Child,
    ready: Callable[[], Awaitable[bool]],
    timeout_s: float,
    poll_s: float,
    what: str,
) -> None:
    """Poll `ready()` every `poll_s` while the server runs; give up after `timeout_s`."""
    try:
        async with asyncio.timeout(timeout_s):
            while child.returncode is None:
                if await ready():
                    return
                await asyncio.sleep(poll_s)
    except TimeoutError:
        pass
    await give_up(child, f"{what} within {timeout_s:g} s")


async def give_up(child: Child, what: str) -> NoReturn:
    """Stop a server that failed to start and raise BackendFailure with its log's tail."""
    await child.wait(1.0)  # it has usually exited already: keep its own exit status
    await child.stop()
    raise BackendFailure(
        f"{what} ({child.name}: {child.exit_text()}); log tail:\n{child.log_tail()}"
    )


class ServerProcess:
    """What every adapter of one or more server processes shares: its processes, stopping them."""

    needs_namespace = False
    _children: list[Child]

    def processes(self) -> list[Child]:
        return list(getattr(self, "_children", []))

    async def stop(self) -> None:
        """Stop gracefully, then forcibly, the last started first; safe when never started."""
        for child in reversed(self.processes()):
            await child.stop(STOP_GRACE_S)


def find_binary(name: str, install_hint: str) -> str:
    """The program's path, or EnvironmentProblem saying what to install."""
    found = shutil.which(name)
    if found is None:
        raise EnvironmentProblem(f"`{name}` is not on the PATH: {install_hint}")
    return found


def missing_binary(name: str, install_hint: str) -> str | None:
    """None when `name` is on the PATH, else what to do about it."""
    return None if shutil.which(name) else f"`{name}` is not on the PATH: {install_hint}"


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
