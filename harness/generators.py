"""Load-generator processes: start one Locust driver per configured process, follow their stats, stop them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from harness.analysis import Window
from harness.backends import Endpoint
from harness.drivers.locust_driver import DriverConfig
from harness.scenario import Scenario
from workloads.layout import layout_slots, split_slots

STOP_GRACE_S = 15.0


class Generator:
    """One driver process and the last two stats lines it printed."""

    def __init__(self, index: int, proc: asyncio.subprocess.Process, log_path: Path) -> None:
        self.index = index
        self.proc = proc
        self.log_path = log_path
        self.latest: dict[str, Any] = {}
        self.previous: dict[str, Any] = {}
        self.reader = asyncio.create_task(self._follow())

    @property
    def source(self) -> str:
        return f"generator-{self.index}"

    async def _follow(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            try:
                stats = json.loads(line)
            except json.JSONDecodeError:
                continue
            self.previous, self.latest = self.latest, stats

    def rate(self, counter: str) -> float:
        """Per-second rate of a cumulative counter between the last two stats lines."""
        if not self.previous or not self.latest:
            return 0.0
        dt_s = (self.latest["t_ns"] - self.previous["t_ns"]) / 1e9
        return (self.latest[counter] - self.previous[counter]) / dt_s if dt_s > 0 else 0.0

    def log_tail(self, chars: int = 600) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:].strip() or "(no output)"
        except OSError:
            return "(no log)"


async def start_generators(
    scenario: Scenario, endpoint: Endpoint, window: Window, raw_dir: Path, web_port: int | None
) -> list[Generator]:
    parts = split_slots(layout_slots(scenario), scenario.generator_processes)
    generators = []
    for index, slots in enumerate(parts):
        config = DriverConfig(
            generator=index,
            host=endpoint.host,
            port=endpoint.port,
            slots=tuple(slots),
            ramp_s=scenario.ramp_s,
            start_ns=window.load_start_ns,
            send_stop_ns=window.send_stop_ns,
            end_ns=window.end_ns,
            seed=scenario.seed,
            raw_dir=str(raw_dir),
            web_port=web_port if index == 0 else None,
        )
        config_path = raw_dir / f"generator-{index}.json"
        config_path.write_text(config.to_json(), encoding="utf-8")
        log_path = raw_dir.parent / f"generator-{index}.log"
        with log_path.open("ab") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "harness.drivers.locust_driver",
                str(config_path),
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
        generators.append(Generator(index, proc, log_path))
    return generators


async def stop_generators(generators: list[Generator]) -> None:
    """Ask every still-running driver to stop (it flushes its records), then force it."""
    for gen in generators:
        if gen.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                gen.proc.send_signal(signal.SIGTERM)
    for gen in generators:
        try:
            await asyncio.wait_for(gen.proc.wait(), STOP_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(gen.proc.pid, signal.SIGKILL)
            await gen.proc.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(gen.reader, 2.0)
