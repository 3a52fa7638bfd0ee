"""The run orchestrator (asyncio): network → backend → meters → load generators → records → summary.

Whatever happens (the run completes, the backend dies, Ctrl-C, an exception in the harness) the
generators are stopped so they flush their records, the backend is stopped, a last sample is
taken, the namespace is removed, and the run folder is finalized with its status and reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from harness.analysis import Window
from harness.backends import Backend, Endpoint, create_backend
from harness.finalize import RunResult, RunState, finalize_run
from harness.generators import Generator, start_generators, stop_generators
from harness.kernel import records
from harness.kernel.errors import ImbenchError
from harness.kernel.records import RecordFile
from harness.kernel.status import RunStatus
from harness.manifest import MEASUREMENT_METHODS, git_commit, host_facts, package_versions
from harness.meters.portwire import PortWireMeter, nft_available
from harness.meters.sampler import Sampler
from harness.meters.storage import StorageMeter
from harness.meters.wire import WireMeter
from harness.network import TestNetwork, create_network, remove_network
from harness.progress import Progress, progress_line
from harness.scenario import Scenario
from harness.store import RunFolder, new_run_id

SETTLE_S = 1.0
DRIVER_STARTUP_S = 3.0
FINISH_GRACE_S = 20.0
MONITOR_INTERVAL_S = 0.5
PROGRESS_INTERVAL_S = 5.0


@dataclass
class RunOptions:
    results_dir: Path = Path("results")
    locust_web_port: int | None = None
    quiet: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    sample_interval_s: float = 1.0
    on_network_ready: Callable[[TestNetwork], None] | None = None


def execute(scenario: Scenario, options: RunOptions) -> RunResult:
    """Run `scenario` to completion (or failure, or interruption) and return its finalized result."""
    return asyncio.run(_execute(scenario, options))


def create_backends(scenario: Scenario) -> dict[str, Backend]:
    """The servers a scenario needs, by meter source: `backend` (messaging), `sfu` (media), `turn`."""
    backends: dict[str, Backend] = {}
    if scenario.workloads:
        backends["backend"] = create_backend(scenario.backend)
    if scenario.media:
        backends["sfu"] = create_backend(scenario.media_backend)
        if scenario.turn:
            backends["turn"] = create_backend("coturn")
    return backends


def media_driver_options(scenario: Scenario, backends: dict[str, Backend]) -> dict[str, Any]:
    """Driver config fields beyond the defaults: Janus signalling, relay-only ICE via coturn."""
    options: dict[str, Any] = {}
    if scenario.media_backend == "janus":
        options["signalling"] = "janus"
    if "turn" in backends:
        turn = backends["turn"].turn_server  # type: ignore[attr-defined]
        options.update(
            turn_host=turn.host,
            turn_port=turn.port,
            turn_username=turn.username,
            turn_password=turn.password,
        )
    return options


def _base_manifest(
    scenario: Scenario, backends: dict[str, Backend], run_id: str, start: datetime
) -> dict[str, Any]:
    none = {"name": "none"}
    return {
        "schema": "imbench.manifest/1",
        "run_id": run_id,
        "status": "running",
        "reasons": [],
        "start_utc": start.isoformat(),
        "end_utc": None,
        "scenario": scenario.resolved(),
        "scenario_file": scenario.source,
        "scenario_sha256": scenario.sha256(),
        "backend": backends["backend"].describe() if "backend" in backends else none,
        "media_backend": backends["sfu"].describe() if "sfu" in backends else none,
        "turn": backends["turn"].describe() if "turn" in backends else none,
        "host": host_facts(),
        "packages": package_versions(),
        "git": git_commit(),
        "methods": dict(MEASUREMENT_METHODS),
    }


async def _execute(scenario: Scenario, opt: RunOptions) -> RunResult:
    start = datetime.now(UTC)
    backends = create_backends(scenario)
    label = "+".join(b.name for b in backends.values())
    folder = RunFolder.create(opt.results_dir, new_run_id(start, scenario.name, label))
    manifest = _base_manifest(scenario, backends, folder.run_id, start)
    folder.write_manifest(manifest)
    _say(opt, f"imbench: run {folder.run_id} → {folder.path}")
    state = RunState()
    session = _Session(scenario, opt, folder, backends, manifest, state)
    crash: BaseException | None = None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, session.interrupt, sig)
    try:
        await session.run()
    except ImbenchError as exc:
        state.fail(RunStatus.FAILED, str(exc))
    except BaseException as exc:  # the harness itself broke: record it, clean up, then re-raise
        state.fail(RunStatus.FAILED, f"harness error: {exc!r}")
        crash = exc
    finally:
        await session.cleanup()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    result = finalize_run(folder, manifest, state, scenario)
    if crash is not None:
        traceback.print_exception(crash, file=sys.stderr)
        raise crash
    return result


class _Session:
    """One run's moving parts, so cleanup can reach whatever was started."""

    def __init__(
        self,
        scenario: Scenario,
        opt: RunOptions,
        folder: RunFolder,
        backends: dict[str, Backend],
        manifest: dict[str, Any],
        state: RunState,
    ) -> None:
        self.scenario, self.opt, self.folder = scenario, opt, folder
        self.backends, self.manifest, self.state = backends, manifest, state
        self.net: TestNetwork | None = None
        self.sampler: Sampler | None = None
        self.sampler_stop = asyncio.Event()
        self.sampler_task: asyncio.Task[None] | None = None
        self.generators: list[Generator] = []
        self.interrupted = asyncio.Event()
        self.started_ns = time.monotonic_ns()

    def interrupt(self, sig: signal.Signals) -> None:
        if not self.interrupted.is_set():
            self.state.fail(RunStatus.ABORTED, f"interrupted by {sig.name}")
            self.interrupted.set()

    async def run(self) -> None:
        self.net = create_network(self.scenario.network_mode, self.scenario.source)
        self.manifest["methods"].update(self.net.describe())
        self.folder.write_manifest(self.manifest)
        if self.opt.on_network_ready is not None:
            self.opt.on_network_ready(self.net)
        self.sampler = Sampler(
            RecordFile(self.folder.raw / "samples.csv", records.SAMPLE_COLUMNS),
            self.opt.sample_interval_s,
        )
        self.sampler.wire = WireMeter(self.net.meter_interface)
        self.sampler.sample_once()
        endpoints = await self._start_backends()
        self.sampler_task = asyncio.create_task(self.sampler.run(self.sampler_stop))
        if await _wait_or(self.interrupted, SETTLE_S):
            return
        await self._load(endpoints)

    async def _start_backends(self) -> dict[str, Endpoint]:
        assert self.net is not None and self.sampler is not None
        endpoints = {}
        data_paths = []
        for source, backend in self.backends.items():
            _say(
                self.opt,
                f"imbench: network {self.net.method} ({self.net.server_host}); starting {backend.name}",
            )
            log = self.folder.path / f"{source}.log"
            endpoints[source] = await backend.start(
                self.net, self.folder.path / f"{source}-data", log
            )
            assert backend.process is not None
            self.sampler.add_process(source, backend.process.pid)
            data_paths += backend.data_paths()
        self.sampler.storage = StorageMeter(data_paths)
        if "backend" in endpoints and "sfu" in endpoints:
            self._meter_messaging_port(endpoints["backend"].port)
        return endpoints

    def _meter_messaging_port(self, port: int) -> None:
        """Media shares the veth: count the messaging server's own TCP port in the namespace too."""
        assert self.net is not None and self.sampler is not None
        if self.net.namespace is None or not nft_available():
            self.manifest["methods"]["wire_messaging"] = (
                "none: media shares the wire (needs netns + nft)"
            )
            return
        meter = PortWireMeter(self.net.namespace, port)
        meter.install()
        self.sampler.port_wires["wire-messaging"] = meter
        self.manifest["methods"]["wire_messaging"] = (
            f"nftables counters on TCP port {port} inside the namespace, + 14 B Ethernet per packet"
        )
        self.manifest["methods"]["wire_messaging_port"] = port

    async def _load(self, endpoints: dict[str, Endpoint]) -> None:
        sc = self.scenario
        load_start_ns = time.monotonic_ns() + int(DRIVER_STARTUP_S * 1e9)
        send_stop_ns = load_start_ns + int((sc.ramp_s + sc.duration_s) * 1e9)
        window = Window(load_start_ns, send_stop_ns, send_stop_ns + int(sc.drain_s * 1e9))
        self.state.window = window
        assert self.net is not None
        self.generators = await start_generators(
            sc,
            endpoints,
            window,
            self.folder.raw,
            self.opt.locust_web_port,
            self.net.client_host,
            media_driver_options(sc, self.backends),
        )
        assert self.sampler is not None
        for gen in self.generators:
            self.sampler.add_process(gen.source, gen.proc.pid)
        _say(
            self.opt,
            f"imbench: {sc.total_users} users over {sc.ramp_s:g} s, then {sc.duration_s:g} s steady, "
            f"{len(self.generators)} generator process(es)",
        )
        await self._monitor(window)

    async def _monitor(self, window: Window) -> None:
        deadline_ns = window.end_ns + int(FINISH_GRACE_S * 1e9)
        next_progress_ns = time.monotonic_ns() + int(PROGRESS_INTERVAL_S * 1e9)
        while True:
            if await _wait_or(self.interrupted, MONITOR_INTERVAL_S):
                return
            now = time.monotonic_ns()
            for backend in self.backends.values():
                proc = backend.process
                if proc is not None and proc.returncode is not None:
                    at_s = (now - window.load_start_ns) / 1e9
                    self.state.fail(
                        RunStatus.FAILED,
                        f"backend {backend.name} exited unexpectedly ({_exit_text(proc.returncode)}) "
                        f"{at_s:.1f} s after load start",
                    )
                    return
            if all(g.proc.returncode is not None for g in self.generators):
                for g in self.generators:
                    if g.proc.returncode != 0:
                        self.state.fail(
                            RunStatus.FAILED,
                            f"{g.source} exited with {_exit_text(g.proc.returncode or 0)}: "
                            f"{g.log_tail()}",
                        )
                return
            if now > deadline_ns:
                self.state.fail(
                    RunStatus.FAILED,
                    f"generators still running {FINISH_GRACE_S:g} s after the run's end",
                )
                return
            if now >= next_progress_ns:
                next_progress_ns += int(PROGRESS_INTERVAL_S * 1e9)
                self._progress(now, window)

    def _progress(self, now_ns: int, window: Window) -> None:
        if self.opt.quiet or self.sampler is None:
            return
        stats = [g.latest for g in self.generators if g.latest and not g.is_media]
        media = [g.latest for g in self.generators if g.latest and g.is_media]
        phase = "ramp" if now_ns < window.load_start_ns + self.scenario.ramp_s * 1e9 else "load"
        phase = "drain" if now_ns >= window.send_stop_ns else phase
        wire = self.sampler.wire_mbps_recent()
        p = Progress(
            elapsed_s=(now_ns - self.started_ns) / 1e9,
            phase=phase,
            users=sum(s["users_connected"] for s in stats),
            users_target=sum(w.users for w in self.scenario.workloads),
            sent_per_s=sum(g.rate("sent") for g in self.generators),
            received_per_s=sum(g.rate("received") for g in self.generators),
            latency_ms_p50=max((s["latency_ms_p50"] for s in stats), default=0.0),
            latency_ms_p95=max((s["latency_ms_p95"] for s in stats), default=0.0),
            backend_cpu_pct=sum(self.sampler.cpu_pct_recent(s) for s in self.backends),
            generator_cpu_pct=max(
                (self.sampler.cpu_pct_recent(g.source) for g in self.generators), default=0.0
            ),
            wire_mbps=wire,
            media_streams=sum(m.get("recv_streams", 0) for m in media) if media else None,
            media_recv_mbps=sum(m.get("recv_mbps", 0.0) for m in media),
        )
        _say(self.opt, progress_line(p))

    async def cleanup(self) -> None:
        """Stop everything this run started, in an order that keeps every record."""
        with contextlib.suppress(Exception):
            await stop_generators(self.generators)
        for backend in self.backends.values():
            with contextlib.suppress(Exception):
                await backend.stop()
        if "turn" in self.backends:
            with contextlib.suppress(Exception):
                usage = self.backends["turn"].relay_usage()  # type: ignore[attr-defined]
                self.manifest["turn_relay"] = {
                    "total_bytes": usage.total_bytes,
                    "closed_allocations": usage.closed_allocations,
                }
        if self.sampler is not None:
            self.sampler_stop.set()
            if self.sampler_task is not None:
                with contextlib.suppress(Exception):
                    await self.sampler_task
            with contextlib.suppress(Exception):
                self.sampler.sample_once()
            self.sampler.out.close()
        if self.net is not None:
            remove_network(self.net)


async def _wait_or(event: asyncio.Event, timeout_s: float) -> bool:
    """Wait up to `timeout_s`; True if `event` was set."""
    try:
        await asyncio.wait_for(event.wait(), timeout_s)
    except TimeoutError:
        return False
    return True


def _exit_text(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _say(opt: RunOptions, text: str) -> None:
    if not opt.quiet:
        print(text, file=opt.out, flush=True)
