"""The run orchestrator (asyncio): network → backend → meters → load generators → records.

`execute` refuses a scenario this machine cannot run before anything exists (harness.preflight),
then runs it. Whatever happens — the run completes, the backend dies, Ctrl-C, an error in the
harness — the generators are stopped so they flush their records, the backends are stopped, a
last sample is taken, every process of the run is ended (harness.children), the namespace and
the private dir are removed, and the run folder is finished (harness.finalize) with its status
and reasons. An unexpected exception leaves status `error`, its traceback in the run folder, and
is raised again as HarnessCrash naming that file.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from harness.abandoned import settle_abandoned
from harness.analysis import Window
from harness.backends import (
    Backend,
    BackendContext,
    Endpoint,
    MessagingBackend,
    chosen_backends,
    create_backend,
)
from harness.backends.certificate import RunCertificate, create_run_certificate
from harness.backends.external import EXTERNAL_METHODS, ExternalBackend
from harness.children import ProcessScope
from harness.finalize import RunResult, RunState, finalize_run, window_marks
from harness.generators import DriverFiles, Generator, start_generators, stop_generators
from harness.kernel import records
from harness.kernel.directory import Directory
from harness.kernel.errors import BackendFailure, HarnessCrash, ImbenchError
from harness.kernel.records import RecordFile
from harness.kernel.status import RunStatus
from harness.layout import media_targets_mbps, population
from harness.manifest import (
    MEASUREMENT_METHODS,
    Manifest,
    Orchestrator,
    git_commit,
    host_facts,
    package_versions,
)
from harness.meters.portwire import PortWireMeter, nft_available
from harness.meters.sampler import Sampler
from harness.meters.storage import StorageMeter
from harness.meters.wire import WireMeter
from harness.network import TestNetwork, create_network, external_network, remove_network
from harness.preflight import check_runnable
from harness.progress import Progress, progress_line, start_line
from harness.scenario import Scenario
from harness.store import RunFolder, new_run_id

__all__ = ["RunOptions", "RunResult", "execute"]

SETTLE_S = 1.0
DRIVER_STARTUP_S = 3.0
FINISH_GRACE_S = 20.0
MONITOR_INTERVAL_S = 0.5
PROGRESS_INTERVAL_S = 5.0
ERROR_LOG = "harness-error.log"


@dataclass
class RunOptions:
    results_dir: Path = Path("results")
    locust_web_port: int | None = None
    quiet: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    sample_interval_s: float = 1.0
    on_network_ready: Callable[[TestNetwork], None] | None = None


def execute(scenario: Scenario, options: RunOptions) -> RunResult:
    """Run `scenario` to completion (or failure, or interruption) and return its finished result.

    BadInput (nothing started, no run folder) when this machine cannot run it."""
    check_runnable(scenario)
    return asyncio.run(_execute(scenario, options))


def create_backends(scenario: Scenario) -> dict[str, Backend]:
    """The servers a scenario needs, by meter source: `backend` (messaging), `sfu` (media), `turn`."""
    return {c.source: create_backend(c.name, c.options) for c in chosen_backends(scenario)}


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


def _new_manifest(
    scenario: Scenario,
    backends: dict[str, Backend],
    run_id: str,
    start: datetime,
    scope: ProcessScope,
    private_dir: Path,
) -> Manifest:
    none = {"name": "none"}
    return Manifest(
        run_id=run_id,
        start_utc=start.isoformat(),
        scenario=scenario.resolved(),
        scenario_file=scenario.source,
        scenario_sha256=scenario.sha256(),
        backend=backends["backend"].describe() if "backend" in backends else none,
        media_backend=backends["sfu"].describe() if "sfu" in backends else none,
        turn=backends["turn"].describe() if "turn" in backends else none,
        host=host_facts(),
        packages=package_versions(),
        git=git_commit(),
        methods={**MEASUREMENT_METHODS, **scope.describe(), "net_method": "none (not made yet)"},
        orchestrator=Orchestrator.this_process(),
        media_targets_mbps={str(g): v for g, v in media_targets_mbps(scenario).items()},
        private_dir=str(private_dir),
    )


async def _execute(scenario: Scenario, opt: RunOptions) -> RunResult:
    for run_id in settle_abandoned(opt.results_dir):
        _say(opt, f"imbench: run {run_id} was abandoned by an earlier imbench; marked as such")
    start = datetime.now(UTC)
    backends = create_backends(scenario)
    label = "+".join(b.name for b in backends.values())
    folder = RunFolder.create(opt.results_dir, new_run_id(start, scenario.name, label))
    private_dir = Path(tempfile.mkdtemp(prefix=f"imbench-{folder.run_id}-"))
    scope = ProcessScope(tag=str(folder.path))
    manifest = _new_manifest(scenario, backends, folder.run_id, start, scope, private_dir)
    folder.write_manifest(manifest.to_json())
    _say(opt, f"imbench: run {folder.run_id} → {folder.path}")
    state = RunState()
    session = _Session(scenario, opt, folder, backends, manifest, state, scope, private_dir)
    crash: BaseException | None = None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, session.interrupt, sig)
    try:
        await session.run()
    except BackendFailure as exc:
        state.fail(RunStatus.FAILED, str(exc))
    except ImbenchError as exc:  # the environment broke mid-run (a tool failed, a permission)
        state.fail(RunStatus.ERROR, f"harness error: {exc}")
    except BaseException as exc:  # the harness itself broke: record it, clean up, then raise
        state.fail(RunStatus.ERROR, f"harness error: {exc!r}")
        crash = exc
    finally:
        await session.cleanup()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return _finish(folder, manifest, state, crash)


def _finish(
    folder: RunFolder, manifest: Manifest, state: RunState, crash: BaseException | None
) -> RunResult:
    """Finalize; a crash (in the run or in finalizing) leaves status error and its traceback."""
    try:
        result = finalize_run(folder, manifest, state)
    except Exception as exc:
        if crash is None:
            crash = exc
        state.fail(RunStatus.ERROR, f"harness error while finishing the run: {exc!r}")
        manifest.status, manifest.reasons = state.status, state.reasons
        manifest.end_utc = manifest.end_utc or datetime.now(UTC).isoformat()
        folder.write_manifest(manifest.to_json())
    if crash is not None:
        log = folder.path / ERROR_LOG
        log.write_text("".join(traceback.format_exception(crash)), encoding="utf-8")
        raise HarnessCrash(repr(crash), log) from crash
    return result


class _Session:
    """One run's moving parts, so cleanup can reach whatever was started."""

    def __init__(
        self,
        scenario: Scenario,
        opt: RunOptions,
        folder: RunFolder,
        backends: dict[str, Backend],
        manifest: Manifest,
        state: RunState,
        scope: ProcessScope,
        private_dir: Path,
    ) -> None:
        self.scenario, self.opt, self.folder = scenario, opt, folder
        self.backends, self.manifest, self.state = backends, manifest, state
        self.scope, self.private_dir = scope, private_dir
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
        self.net = self._network()
        self.manifest.methods.update(self.net.describe())
        self.folder.write_manifest(self.manifest.to_json())
        if self.opt.on_network_ready is not None:
            self.opt.on_network_ready(self.net)
        self.sampler = Sampler(
            RecordFile(self.folder.raw / "samples.csv", records.SAMPLE_COLUMNS),
            self.opt.sample_interval_s,
        )
        if self.net.meter_interface:
            self.sampler.wire = WireMeter(self.net.meter_interface)
        self.sampler.sample_once()
        endpoints = await self._start_backends()
        self.sampler_task = asyncio.create_task(self.sampler.run(self.sampler_stop))
        directory = await self._provision()
        if await _wait_or(self.interrupted, SETTLE_S):
            return
        await self._load(endpoints, directory)

    async def _provision(self) -> Directory | None:
        """Create the messaging users and rooms on the started backend (timed in the manifest)."""
        backend = self.backends.get("backend")
        if backend is None:
            return None
        assert isinstance(backend, MessagingBackend), f"{backend.name} is not a messaging backend"
        started_ns = time.monotonic_ns()
        directory = await backend.provision(population(self.scenario))
        self.manifest.provision = {
            "users": len(directory.users) or sum(w.users for w in self.scenario.workloads),
            "rooms": len(directory.rooms),
            "seconds": round((time.monotonic_ns() - started_ns) / 1e9, 3),
            "client": directory.client,
            "tls": directory.tls,
        }
        self.manifest.unavailable = backend.unavailable()
        self.folder.write_manifest(self.manifest.to_json())
        return directory

    async def _start_backends(self) -> dict[str, Endpoint]:
        assert self.net is not None and self.sampler is not None
        endpoints = {}
        data_paths = []
        probes: list[Callable[[], int]] = []
        tls = self._run_certificate()
        for source, backend in self.backends.items():
            _say(
                self.opt,
                f"imbench: network {self.net.method} ({self.net.server_host}); starting {backend.name}",
            )
            private = self.private_dir / source
            private.mkdir(mode=0o700)
            ctx = BackendContext(
                self.net,
                self.scope,
                self.folder.path / f"{source}-data",
                private,
                self.folder.path / f"{source}.log",
                tls if source == "backend" else None,
            )
            endpoints[source] = await backend.start(ctx)
            self._describe_started(source, backend)
            pids = [c.pid for c in backend.processes()]
            if pids:  # an external server runs none here
                self.sampler.add_process(source, pids)
            data_paths += backend.data_paths()
            # optional hook: storage a backend measures itself (a database's own size)
            probes += getattr(backend, "storage_probes", list)()
        if data_paths or probes:  # an external server's storage is not ours to measure
            self.sampler.storage = StorageMeter(data_paths, probes)
        if "backend" in endpoints and "sfu" in endpoints:
            self._meter_messaging_port(endpoints["backend"].port)
        return endpoints

    def _network(self) -> TestNetwork:
        """The run's namespace (or loopback); none of ours for a server that is not ours."""
        backend = self.backends.get("backend")
        if isinstance(backend, ExternalBackend):
            self.manifest.methods |= EXTERNAL_METHODS
            return external_network(backend.target().host)
        return create_network(self.scenario.network_mode, self.scenario.source)

    def _run_certificate(self) -> RunCertificate | None:
        """The run's TLS certificate (`[network] tls = true`), in the private dir; else None."""
        assert self.net is not None
        if not self.scenario.tls:
            return None
        cert = create_run_certificate(self.private_dir / "tls", self.net.server_host)
        self.manifest.tls = cert.describe()
        return cert

    def _describe_started(self, source: str, backend: Backend) -> None:
        """The manifest's entry for a backend as it really started (its TLS, versions found)."""
        field = {"backend": "backend", "sfu": "media_backend", "turn": "turn"}[source]
        setattr(self.manifest, field, backend.describe())
        self.folder.write_manifest(self.manifest.to_json())

    def _meter_messaging_port(self, port: int) -> None:
        """Media shares the veth: count the messaging server's own TCP port in the namespace too."""
        assert self.net is not None and self.sampler is not None
        methods = self.manifest.methods
        if self.net.namespace is None or not nft_available():
            methods["wire_messaging"] = "none: media shares the wire (needs netns + nft)"
            return
        meter = PortWireMeter(self.net.namespace, port)
        meter.install()
        self.sampler.port_wires["wire-messaging"] = meter
        methods["wire_messaging"] = (
            f"nftables counters on TCP port {port} inside the namespace, + 14 B Ethernet per packet"
        )
        methods["wire_messaging_port"] = port

    async def _load(self, endpoints: dict[str, Endpoint], directory: Directory | None) -> None:
        sc = self.scenario
        load_start_ns = time.monotonic_ns() + int(DRIVER_STARTUP_S * 1e9)
        send_stop_ns = load_start_ns + int((sc.ramp_s + sc.duration_s) * 1e9)
        window = Window(load_start_ns, send_stop_ns, send_stop_ns + int(sc.drain_s * 1e9))
        self.state.window = window
        self.manifest.window_ns = window_marks(window)  # an abandoned run can still be finished
        self.folder.write_manifest(self.manifest.to_json())
        assert self.net is not None and self.sampler is not None
        files = DriverFiles(self.folder.raw, self.private_dir, self.folder.path)
        self.generators = start_generators(
            self.scope,
            sc,
            endpoints,
            directory,
            window,
            files,
            self.opt.locust_web_port,
            self.net.client_host,
            media_driver_options(sc, self.backends),
        )
        for gen in self.generators:
            self.sampler.add_process(gen.source, gen.child.pid)
        _say(
            self.opt,
            start_line(
                sum(w.users for w in sc.workloads),
                sum(m.peers for m in sc.media),
                sc.ramp_s,
                sc.duration_s,
                len(self.generators),
            ),
        )
        await self._monitor(window)

    async def _monitor(self, window: Window) -> None:
        deadline_ns = window.end_ns + int(FINISH_GRACE_S * 1e9)
        next_progress_ns = time.monotonic_ns() + int(PROGRESS_INTERVAL_S * 1e9)
        while True:
            if await _wait_or(self.interrupted, MONITOR_INTERVAL_S):
                return
            now = time.monotonic_ns()
            if self._backend_died((now - window.load_start_ns) / 1e9):
                return
            if all(g.child.returncode is not None for g in self.generators):
                for g in self.generators:
                    if g.child.returncode != 0:
                        self.state.fail(
                            RunStatus.FAILED,
                            f"{g.source} exited with {g.child.exit_text()}: {g.child.log_tail(600)}",
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

    def _backend_died(self, at_s: float) -> bool:
        """Record a backend failure naming the process when any backend process has exited."""
        for backend in self.backends.values():
            for child in backend.processes():
                if child.returncode is None:
                    continue
                who = (
                    backend.name
                    if child.name == backend.name
                    else f"{backend.name}: its {child.name} process"
                )
                self.state.fail(
                    RunStatus.FAILED,
                    f"backend {who} exited unexpectedly ({child.exit_text()}) "
                    f"{at_s:.1f} s after load start",
                )
                return True
        return False

    def _progress(self, now_ns: int, window: Window) -> None:
        if self.opt.quiet or self.sampler is None:
            return
        stats = [g.latest for g in self.generators if g.latest is not None]
        media = [g.media for g in self.generators if g.media is not None]
        phase = "ramp" if now_ns < window.load_start_ns + self.scenario.ramp_s * 1e9 else "load"
        phase = "drain" if now_ns >= window.send_stop_ns else phase
        has_media = any(g.is_media for g in self.generators)
        p = Progress(
            elapsed_s=(now_ns - self.started_ns) / 1e9,
            phase=phase,
            users=sum(s.users_connected for s in stats),
            users_target=sum(w.users for w in self.scenario.workloads),
            sent_per_s=sum(g.rate("sent") for g in self.generators),
            received_per_s=sum(g.rate("received") for g in self.generators),
            latency_ms_p50=max((s.latency_ms_p50 for s in stats), default=0.0),
            latency_ms_p95=max((s.latency_ms_p95 for s in stats), default=0.0),
            backend_cpu_pct=sum(self.sampler.cpu_pct_recent(s) for s in self.backends),
            generator_cpu_pct=max(
                (self.sampler.cpu_pct_recent(g.source) for g in self.generators), default=0.0
            ),
            wire_mbps=self.sampler.wire_mbps_recent(),
            media_streams=sum(m.recv_streams for m in media) if has_media else None,
            media_recv_mbps=sum(m.recv_mbps for m in media),
            media_participants=sum(m.peers for m in self.scenario.media),
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
                self.manifest.turn_relay = {
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
        self.scope.close()
        if self.net is not None:
            remove_network(self.net)
        shutil.rmtree(self.private_dir, ignore_errors=True)


async def _wait_or(event: asyncio.Event, timeout_s: float) -> bool:
    """Wait up to `timeout_s`; True if `event` was set."""
    try:
        await asyncio.wait_for(event.wait(), timeout_s)
    except TimeoutError:
        return False
    return True


def _say(opt: RunOptions, text: str) -> None:
    """A line for the user; a reader that went away (a closed pipe) only silences the run."""
    if opt.quiet:
        return
    try:
        print(text, file=opt.out, flush=True)
    except (BrokenPipeError, ValueError):
        opt.quiet = True
