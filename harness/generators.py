"""Load-generator processes: Locust drivers for messaging, media drivers for calls; follow, then stop them.

Each generator is its own process with its own stdout stats lines; its meter source is
`generator-<g>` (Locust) or `media-<g>` (aiortc media driver).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from harness.analysis import Window
from harness.backends import Endpoint
from harness.drivers.messaging_config import DriverConfig
from harness.layout import layout_slots, media_roles, split_slots
from harness.scenario import Scenario

STOP_GRACE_S = 15.0


class Generator:
    """One driver process and the last two stats lines it printed."""

    def __init__(self, source: str, proc: asyncio.subprocess.Process, log_path: Path) -> None:
        self.source = source
        self.proc = proc
        self.log_path = log_path
        self.latest: dict[str, Any] = {}
        self.previous: dict[str, Any] = {}
        self.reader = asyncio.create_task(self._follow())

    @property
    def is_media(self) -> bool:
        return self.source.startswith("media-")

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
        if not self.previous or not self.latest or counter not in self.latest:
            return 0.0
        dt_s = (self.latest["t_ns"] - self.previous["t_ns"]) / 1e9
        return (self.latest[counter] - self.previous[counter]) / dt_s if dt_s > 0 else 0.0

    def log_tail(self, chars: int = 600) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:].strip() or "(no output)"
        except OSError:
            return "(no log)"


async def _spawn(source: str, module: str, config_json: str, raw_dir: Path) -> Generator:
    config_path = raw_dir / f"{source}.json"
    config_path.write_text(config_json, encoding="utf-8")
    log_path = raw_dir.parent / f"{source}.log"
    with log_path.open("ab") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            str(config_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    return Generator(source, proc, log_path)


async def start_generators(
    scenario: Scenario,
    endpoints: dict[str, Endpoint],
    window: Window,
    raw_dir: Path,
    web_port: int | None,
    client_host: str,
    media_options: dict[str, Any] | None = None,
) -> list[Generator]:
    """Start every load generator the scenario needs: messaging first, then media."""
    generators = []
    if scenario.workloads:
        generators += await _start_messaging(
            scenario, endpoints["backend"], window, raw_dir, web_port
        )
    if scenario.media:
        generators += await _start_media(
            scenario, endpoints["sfu"], window, raw_dir, client_host, media_options or {}
        )
    return generators


async def _start_messaging(
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
        generators.append(
            await _spawn(
                f"generator-{index}", "harness.drivers.locust_driver", config.to_json(), raw_dir
            )
        )
    return generators


async def _start_media(
    scenario: Scenario,
    endpoint: Endpoint,
    window: Window,
    raw_dir: Path,
    client_host: str,
    options: dict[str, Any],
) -> list[Generator]:
    """One media driver per role share; `options` adds driver fields (signalling, TURN relay)."""
    from harness.drivers.media_driver import MediaDriverConfig

    generators = []
    duration_s = (window.end_ns - time.monotonic_ns()) / 1e9
    for g, (index, role, first, peers, room_size) in enumerate(media_roles(scenario)):
        media = scenario.media[index]
        config = MediaDriverConfig(
            sfu_host=endpoint.host,
            sfu_port=endpoint.port,
            role=role,
            peers=peers,
            room_size=room_size,
            duration_s=duration_s,
            out_path=str(raw_dir / f"media-{g}.jsonl"),
            generator=g,
            first_peer=first,
            room_prefix=f"w{index}-room",
            video_codec=media.codec if media.kind == "video" else "vp8",
            resolution=media.resolution or "480p",
            video_bitrate_bps=int(media.bitrate_mbps * 1e6),
            audio_bitrate_bps=media.audio_bitrate_kbps * 1000,
            ice_addresses=(client_host,),
            join_rate_per_s=max(5.0, peers / scenario.ramp_s) if scenario.ramp_s else 50.0,
            **options,
        )
        generators.append(
            await _spawn(f"media-{g}", "harness.drivers.media_driver", config.to_json(), raw_dir)
        )
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
