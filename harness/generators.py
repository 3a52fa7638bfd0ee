"""Load-generator processes: Locust drivers for messaging, media drivers for calls; follow, then stop them.

Each generator is its own process in the run's process scope, with its own stdout progress lines;
its meter source is `generator-<g>` (Locust) or `media-<g>` (aiortc media driver). A driver's
config is a JSON file: the one the driver reads may hold credentials (a TURN password), so it is
written to the run's private dir; raw/ keeps a copy with every credential redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.analysis import Window
from harness.backends import Endpoint
from harness.children import Child, ProcessScope
from harness.drivers.messaging_config import DriverConfig
from harness.kernel.directory import Directory
from harness.kernel.records import MediaProgress, MessagingProgress
from harness.layout import layout_slots, media_shares, split_slots
from harness.scenario import Scenario

STOP_GRACE_S = 15.0


class Generator:
    """One driver process and the last two progress lines it printed."""

    def __init__(self, child: Child) -> None:
        self.child = child
        self.latest: MessagingProgress | None = None
        self.previous: MessagingProgress | None = None
        self.media: MediaProgress | None = None
        self.reader = asyncio.create_task(self._follow())

    @property
    def source(self) -> str:
        return self.child.name

    @property
    def is_media(self) -> bool:
        return self.source.startswith("media-")

    async def _follow(self) -> None:
        async for line in self.child.lines():
            try:
                if self.is_media:
                    self.media = MediaProgress.from_json(line)
                else:
                    self.previous, self.latest = self.latest, MessagingProgress.from_json(line)
            except (ValueError, TypeError):
                continue

    def rate(self, counter: str) -> float:
        """Per-second rate of a cumulative counter (`sent`, `received`) between the last two lines."""
        if self.previous is None or self.latest is None:
            return 0.0
        dt_s = (self.latest.t_ns - self.previous.t_ns) / 1e9
        delta = getattr(self.latest, counter) - getattr(self.previous, counter)
        return float(delta / dt_s) if dt_s > 0 else 0.0


@dataclass(frozen=True)
class DriverFiles:
    """Where driver configs go: the private dir (read by the driver) and raw/ (redacted copy)."""

    raw_dir: Path
    private_dir: Path
    logs_dir: Path


def _spawn(
    scope: ProcessScope,
    source: str,
    module: str,
    config_json: str,
    public_json: str,
    files: DriverFiles,
) -> Generator:
    config_path = files.private_dir / f"{source}.json"
    config_path.write_text(config_json, encoding="utf-8")
    config_path.chmod(0o600)
    (files.raw_dir / f"{source}.json").write_text(public_json, encoding="utf-8")
    child = scope.spawn(
        source,
        [sys.executable, "-m", module, str(config_path)],
        log_path=files.logs_dir / f"{source}.log",
        stdout_pipe=True,
    )
    return Generator(child)


def start_generators(
    scope: ProcessScope,
    scenario: Scenario,
    endpoints: dict[str, Endpoint],
    directory: Directory | None,
    window: Window,
    files: DriverFiles,
    web_port: int | None,
    client_host: str,
    media_options: dict[str, Any] | None = None,
) -> list[Generator]:
    """Start every load generator the scenario needs: messaging first, then media."""
    generators = []
    if scenario.workloads:
        assert directory is not None, "messaging needs the backend's directory"
        generators += _start_messaging(scope, scenario, directory, window, files, web_port)
    if scenario.media:
        generators += _start_media(
            scope, scenario, endpoints["sfu"], window, files, client_host, media_options or {}
        )
    return generators


def _start_messaging(
    scope: ProcessScope,
    scenario: Scenario,
    directory: Directory,
    window: Window,
    files: DriverFiles,
    web_port: int | None,
) -> list[Generator]:
    every = layout_slots(scenario)
    parts = split_slots(every, scenario.generator_processes)
    generators = []
    for index, slots in enumerate(parts):
        config = DriverConfig(
            generator=index,
            directory=directory,
            slots=tuple(slots),
            ramp_s=scenario.ramp_s,
            start_ns=window.load_start_ns,
            send_stop_ns=window.send_stop_ns,
            end_ns=window.end_ns,
            seed=scenario.seed,
            raw_dir=str(files.raw_dir),
            web_port=web_port if index == 0 else None,
            users_total=len(every),
        )
        generators.append(
            _spawn(
                scope,
                f"generator-{index}",
                "harness.drivers.locust_driver",
                config.to_json(),
                config.public_json(),
                files,
            )
        )
    return generators


def _start_media(
    scope: ProcessScope,
    scenario: Scenario,
    endpoint: Endpoint,
    window: Window,
    files: DriverFiles,
    client_host: str,
    options: dict[str, Any],
) -> list[Generator]:
    """One media driver per share; `options` adds driver fields (signalling, TURN relay)."""
    from harness.drivers.media_driver import MediaDriverConfig  # aiortc: only when media runs

    generators = []
    duration_s = (window.end_ns - time.monotonic_ns()) / 1e9
    for g, share in enumerate(media_shares(scenario)):
        media = scenario.media[share.workload]
        config = MediaDriverConfig(
            sfu_host=endpoint.host,
            sfu_port=endpoint.port,
            role=share.role,
            peers=share.peers,
            room_size=share.room_size,
            duration_s=duration_s,
            out_path=str(files.raw_dir / f"media-{g}.jsonl"),
            generator=g,
            first_peer=share.first_peer,
            room_prefix=f"w{share.workload}-room",
            video_codec=media.codec if media.kind == "video" else "vp8",
            resolution=media.resolution or "480p",
            video_bitrate_bps=int(media.bitrate_mbps * 1e6),
            audio_bitrate_bps=media.audio_bitrate_kbps * 1000,
            ice_addresses=(client_host,),
            join_rate_per_s=max(5.0, share.peers / scenario.ramp_s) if scenario.ramp_s else 50.0,
            **options,
        )
        generators.append(
            _spawn(
                scope,
                f"media-{g}",
                "harness.drivers.media_driver",
                config.to_json(),
                config.public_json(),
                files,
            )
        )
    return generators


async def stop_generators(generators: list[Generator]) -> None:
    """Ask every still-running driver to stop (it flushes its records), then force it."""
    for gen in generators:
        gen.child.signal(signal.SIGTERM)
    await asyncio.gather(*(gen.child.stop(STOP_GRACE_S) for gen in generators))
    for gen in generators:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(gen.reader, 2.0)
