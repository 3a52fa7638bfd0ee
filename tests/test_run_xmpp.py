"""Prosody and ejabberd as real messaging backends: the quickstart's users and rates (shortened to
a 5 s ramp and 8 s of steady load), run through `imbench run` against the Debian daemons inside the run's
namespace; a plaintext and a TLS run on Prosody; the backend killed mid-run."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil
import pytest

from harness.children import RUN_ENV
from harness.kernel import exitcodes
from harness.run import RunOptions, RunResult, execute
from harness.scenario import parse_scenario
from tests.conftest import IMBENCH, needs_root
from tests.requirements import require_backend, require_binary

pytestmark = [pytest.mark.slow, needs_root]

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "workloads" / "scenarios" / "quickstart.toml"
INSTALL = {
    "prosody": ("prosody", "install-prosody"),
    "ejabberd": ("ejabberdctl", "install-ejabberd"),
}
PROGRAM = {"prosody": "lua5.4", "ejabberd": "beam.smp"}


def require_installed(backend: str) -> None:
    """Install the backend with its script when missing; under CI=true a failure fails the test."""
    binary, script = INSTALL[backend]
    require_binary(binary, install=f"scripts/{script}")
    require_backend(backend)


def quickstart(
    backend: str, *, duration_s: float = 8, ramp_s: float = 5, tls: bool = False
) -> dict[str, Any]:
    doc = tomllib.loads(QUICKSTART.read_text())
    doc["scenario"].update(backend=backend, duration_s=duration_s, ramp_s=ramp_s, drain_s=2)
    doc["network"] = {"mode": "netns", "tls": tls}
    return doc


def run_processes_of(marker: str) -> list[psutil.Process]:
    """Every process (any user) whose IMBENCH_RUN names a run under `marker`."""
    found = []
    for proc in psutil.process_iter(["name"]):
        try:
            if marker in proc.environ().get(RUN_ENV, ""):
                found.append(proc)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


@pytest.fixture
def passwords(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the XMPP adapters make for the run's accounts."""
    issued: list[str] = []

    def recording(nbytes: int | None = None) -> str:
        issued.append(secrets.token_urlsafe(nbytes))
        return issued[-1]

    monkeypatch.setattr(
        "harness.backends.xmpp_server.secrets", SimpleNamespace(token_urlsafe=recording)
    )
    return issued


def check_quickstart_run(result: RunResult, backend: str, tmp_path: Path) -> dict[str, Any]:
    assert result.status == "ok", result.reasons
    summary = result.summary
    assert summary.backend == backend and summary.unavailable == {}
    m = summary.metrics
    for kind in ("chat", "group", "messaging"):
        assert m[f"{kind}.delivery_ratio"].value >= 0.999, kind
        assert m[f"{kind}.duplicates"].value == 0
    # the quickstart's rates: 60 x 1.0 Hz chat and 60 x 0.5 Hz group, 90 msg/s once all are in
    assert m["messaging.messages_sent"].value > 0.8 * 90 * 10
    for name, metric in m.items():
        figure = metric.value if metric.stats is None else metric.stats.p50
        if name.endswith(("lost", "duplicates", "reordered")):
            assert figure is not None and figure >= 0, name
        else:
            assert figure is not None and figure > 0, (name, metric)
    assert m["backend.storage_bytes_per_stored_msg"].value > 100, "the archive grows per message"
    assert m["generator.cpu_pct_max"].value < 80, "the generator was not the bottleneck"
    assert run_processes_of(str(tmp_path)) == [], "nothing of the run is left running"
    manifest = json.loads((result.folder.path / "manifest.json").read_text())
    assert not Path(manifest["private_dir"]).exists()
    return manifest


def no_password_in(folder: Path, issued: list[str]) -> None:
    assert len(issued) == 120 and all(len(p) >= 24 for p in issued)
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) > 10 and any("backend-data" in str(p) for p in files)
    needles = [p.encode() for p in issued]
    leaked = [f for f in files if any(n in f.read_bytes() for n in needles)]
    assert leaked == []


@pytest.mark.parametrize("backend", ["prosody", "ejabberd"])
def test_the_quickstart_runs_ok_on_the_real_server_and_no_password_reaches_the_run_folder(
    backend: str, tmp_path: Path, passwords: list[str]
) -> None:
    require_installed(backend)
    result = execute(
        parse_scenario(quickstart(backend), "quickstart-10s"),
        RunOptions(results_dir=tmp_path / "results", quiet=True),
    )
    manifest = check_quickstart_run(result, backend, tmp_path)
    config = manifest["backend"]["config"]
    if backend == "prosody":
        assert "mod_limits not loaded" in config["rate_limits"]
    else:
        assert config["shapers"].startswith("none") and config["max_user_sessions"] >= 10**6
        assert "+sbwt" in config["erlang_flags"]
    assert manifest["provision"]["users"] == 120 and manifest["provision"]["client"] == "xmpp"
    no_password_in(result.folder.path, passwords)


def test_prosody_behind_starttls_costs_more_cpu_and_wire_than_plaintext(tmp_path: Path) -> None:
    require_installed("prosody")
    figures = {}
    for tls in (False, True):
        result = execute(
            # the quickstart's own 10 s ramp: a burst of TLS handshakes lags the generator's loop
            parse_scenario(quickstart("prosody", ramp_s=10, tls=tls), f"quickstart-tls-{tls}"),
            RunOptions(results_dir=tmp_path / f"results-{tls}", quiet=True),
        )
        manifest = check_quickstart_run(result, "prosody", tmp_path)
        assert manifest["provision"]["tls"] is tls and manifest["backend"]["config"]["tls"] is tls
        m = result.summary.metrics
        figures[tls] = (
            m["backend.cpu_core_s_per_1k_delivered_msgs"].value,
            m["wire.bytes_per_delivered_msg"].value,
        )
    (plain_cpu, plain_wire), (tls_cpu, tls_wire) = figures[False], figures[True]
    # TLS records add at least 22 bytes (5 header + 16 tag + 1 type) to every message on the wire
    assert tls_wire > plain_wire + 20, figures
    assert tls_cpu > 0 and plain_cpu > 0


def kill_mid_run(tmp_path: Path, backend: str) -> tuple[int, str, Path]:
    require_installed(backend)
    scenario = tmp_path / "long.toml"
    doc = quickstart(backend, duration_s=30)
    lines = [f"[scenario]\nname = 'killed'\nbackend = '{backend}'\nduration_s = 30\n"]
    lines.append("ramp_s = 3\ndrain_s = 2\n[network]\nmode = 'netns'\n")
    for workload in doc["workload"]:
        payload = ", ".join(f"{k} = {json.dumps(v)}" for k, v in workload.pop("payload").items())
        fields = "\n".join(f"{k} = {json.dumps(v)}" for k, v in workload.items())
        lines.append(f"[[workload]]\n{fields}\npayload = {{ {payload} }}\n")
    scenario.write_text("\n".join(lines))
    results = tmp_path / "results"
    proc = subprocess.Popen(
        [*IMBENCH, "run", str(scenario), "--results-dir", str(results), "--no-cost", "--no-report"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 90
    server = None
    while time.monotonic() < deadline and server is None:
        names = {p.name(): p for p in run_processes_of(str(results))}
        if "locust_driver" in " ".join(" ".join(p.cmdline()) for p in names.values()):
            server = names.get(PROGRAM[backend])
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.3)
    assert server is not None, "the load never started"
    time.sleep(7)
    os.kill(server.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=90)
    [run] = list(results.iterdir())
    return proc.returncode, err, run


@pytest.mark.parametrize("backend", ["prosody", "ejabberd"])
def test_killing_the_server_mid_run_fails_the_run_naming_it_and_keeps_the_records(
    backend: str, tmp_path: Path
) -> None:
    code, err, run = kill_mid_run(tmp_path, backend)
    assert code == exitcodes.RUN_FAILED, err
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["partial"] is True
    wanted = f"backend {backend} exited unexpectedly (killed by SIGKILL)"
    assert any(wanted in r for r in summary["reasons"]), summary["reasons"]
    assert (run / "sent.parquet").exists() and (run / "deliveries.parquet").exists()
    assert summary["metrics"]["messaging.messages_delivered"]["value"] > 100
    time.sleep(1)
    assert run_processes_of(str(tmp_path)) == []
