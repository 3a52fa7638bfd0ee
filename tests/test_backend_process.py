"""Starting servers: a server that never gets ready is stopped and reported with its log."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from harness.backends.process import poll_until_ready, read_ready_line, spawn_server
from harness.kernel.errors import BackendFailure
from harness.network import NET_LOOPBACK, TestNetwork

LOOPBACK = TestNetwork(NET_LOOPBACK, "127.0.0.1", "127.0.0.1", "lo")


def test_a_server_that_dies_before_ready_fails_with_its_exit_code_and_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    code = "import sys; sys.stderr.write('port already in use\\n'); sys.exit(3)"

    async def scenario() -> None:
        proc = await spawn_server(LOOPBACK, [sys.executable, "-c", code], log)
        await read_ready_line(proc, "READY", 10.0, log)

    with pytest.raises(BackendFailure, match=r"(?s)exit code 3\).*port already in use"):
        asyncio.run(scenario())


def test_a_server_that_never_answers_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    log = tmp_path / "server.log"

    async def never() -> bool:
        return False

    async def scenario() -> int | None:
        proc = await spawn_server(
            LOOPBACK, [sys.executable, "-c", "import time; time.sleep(60)"], log
        )
        with pytest.raises(BackendFailure, match=r"did not answer within 0\.5 s \(exit code -15\)"):
            await poll_until_ready(proc, never, 0.5, 0.1, log, "did not answer")
        return proc.returncode

    assert asyncio.run(scenario()) == -15
