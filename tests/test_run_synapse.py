"""End-to-end runs against Matrix Synapse on its own PostgreSQL: the real daemons in the run's
namespace, real Locust users speaking the client-server API, real meters.

The scenario is the quickstart's shape (60 chat users in pairs, 60 in six rooms of ten, the same
payloads) at 0.1 x its send rates: about 9 msg/s sent and 33 deliveries/s, which Synapse
sustains on this 2-core machine (docs/backends.md has the measured ceiling). Needs root (the
PostgreSQL instance runs as `postgres`); CI installs Synapse and PostgreSQL (scripts/bootstrap).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from harness.backends import postgresql
from harness.children import RUN_ENV
from harness.kernel import exitcodes
from harness.run import RunOptions, execute
from harness.scenario import load_scenario
from tests.conftest import IMBENCH, needs_root
from tests.requirements import require_backend

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, needs_root]

SCENARIO = """\
[scenario]
name = "{name}"
backend = "synapse"
duration_s = {duration_s}
ramp_s = 10
drain_s = 3
seed = 1

[network]
mode = "netns"

[[workload]]
kind = "chat"
users = 60
send_rate_per_user_hz = 0.1
payload = {{ distribution = "lognormal", median_bytes = 120, sigma = 0.6, max_bytes = 2048 }}

[[workload]]
kind = "group"
users = 60
room_size = 10
send_rate_per_user_hz = 0.05
payload = {{ distribution = "uniform", min_bytes = 40, max_bytes = 400 }}
"""


@pytest.fixture(autouse=True)
def synapse_installed() -> None:
    require_backend("synapse")


def scenario(tmp_path: Path, duration_s: float) -> Path:
    name = f"syn{secrets.token_hex(3)}"
    path = tmp_path / f"{name}.toml"
    path.write_text(SCENARIO.format(name=name, duration_s=duration_s))
    return path


def run_processes(tmp_path: Path) -> list[psutil.Process]:
    """Every process of a run under tmp_path (each carries IMBENCH_RUN=<run folder>), Synapse
    and every PostgreSQL process included."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue  # ended, not yet reaped by its parent
            if str(tmp_path) in proc.environ().get(RUN_ENV, ""):
                found.append(proc)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def assert_nothing_left(tmp_path: Path, run: Path) -> None:
    deadline = time.monotonic() + 10
    while run_processes(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run_processes(tmp_path) == []
    manifest = json.loads((run / "manifest.json").read_text())
    assert not Path(manifest["private_dir"]).exists()
    tag = run.name.replace("-", "_")[-60:]  # the instance dir is named after the run folder
    leftovers = [p for p in postgresql.BASE_DIR.glob("*") if p.name.startswith(tag)]
    assert leftovers == []


class SecretCollector(threading.Thread):
    """While a run goes: reads the credentials imbench keeps in the run's private dir (Synapse's
    homeserver.yaml and signing key, the generator's directory with every access token)."""

    def __init__(self, run_name: str) -> None:
        super().__init__(daemon=True)
        self.run_name = run_name
        self.secrets: set[str] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            for private in Path("/tmp").glob(f"imbench-*{self.run_name}*"):
                self._read(private)

    def _read(self, private: Path) -> None:
        try:
            hs = json.loads((private / "backend" / "homeserver.yaml").read_text())
            for key in ("registration_shared_secret", "macaroon_secret_key", "form_secret"):
                self.secrets.add(hs[key])
            key = (private / "backend" / "signing.key").read_text().split()[2]
            self.secrets.add(key)
            for config in private.glob("generator-*.json"):
                users = json.loads(config.read_text())["directory"]["users"]
                self.secrets.update(u["token"] for u in users.values())
        except (OSError, ValueError, KeyError, IndexError):
            pass


def test_a_quickstart_shaped_run_on_synapse_counts_its_postgresql_and_keeps_no_secret(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    path = scenario(tmp_path, duration_s=15)
    collector = SecretCollector(path.stem)
    collector.start()
    result = execute(load_scenario(path), RunOptions(results_dir=tmp_path / "results", quiet=True))
    collector.stop.set()
    collector.join()

    assert result.status == "ok", result.reasons
    summary, run = result.summary, result.folder.path
    assert summary.unavailable == {} and summary.backend == "synapse"
    m = summary.metrics
    assert m["messaging.delivery_ratio"].value >= 0.999
    assert m["messaging.messages_sent"].value > 150
    for name, metric in m.items():
        figure = metric.value if metric.stats is None else metric.stats.p50
        if name.endswith(("lost", "duplicates", "reordered")):
            assert figure == 0, (name, figure)
        else:
            assert figure is not None and figure > 0, (name, metric)

    manifest = json.loads((run / "manifest.json").read_text())
    config = manifest["backend"]["config"]
    assert config["database_option"] == "postgresql"
    assert config["database"] == {"name": "psycopg2", "cp_min": 5, "cp_max": 10}
    assert config["postgresql"]["initdb"].startswith("--locale=C -E UTF8")
    assert manifest["provision"]["users"] == 120 and manifest["provision"]["rooms"] == 36

    samples = pd.read_parquet(run / "samples.parquet")
    backend = samples[samples["source"] == "backend"]
    # Synapse alone is 1 process: the postmaster, its background workers and one backend per
    # pooled connection are counted with it
    assert backend["procs"].max() >= 8, backend["procs"].max()
    storage = samples[samples["source"] == "storage"]["storage_bytes"]
    media_dir = sum(f.stat().st_size for f in (run / "backend-data").rglob("*") if f.is_file())
    assert storage.min() > 5_000_000 > media_dir, "storage is the PostgreSQL database's size"
    assert m["backend.storage_bytes_delta"].value > 0

    assert len(collector.secrets) > 120, "read the run's tokens and Synapse's secrets"
    for file in run.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            leaked = [s for s in collector.secrets if s.encode() in data]
            assert leaked == [], (file, len(leaked))
    assert_nothing_left(tmp_path, run)


def start_cli_run(tmp_path: Path, path: Path) -> tuple[subprocess.Popen[str], Path]:
    results = tmp_path / "results"
    argv = [*IMBENCH, "run", str(path), "--results-dir", str(results), "--no-cost", "--no-report"]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    return proc, results


def wait_for_load(tmp_path: Path, proc: subprocess.Popen[str], seconds_of_load: float) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        procs = run_processes(tmp_path)
        if any("locust_driver" in command_line(p) for p in procs):
            time.sleep(seconds_of_load)
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError("the load never started")


def postmaster(tmp_path: Path) -> psutil.Process:
    postgres = [p for p in run_processes(tmp_path) if p.name() == "postgres"]
    pids = {p.pid for p in postgres}
    [root] = [p for p in postgres if p.ppid() not in pids]
    return root


def command_line(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return ""


def homeserver(tmp_path: Path) -> psutil.Process:
    [synapse] = [
        p
        for p in run_processes(tmp_path)
        if "synapse.app.homeserver" in command_line(p) and p.name() == "python"
    ]
    return synapse


@pytest.mark.parametrize(
    ("victim", "named"),
    [
        (
            postmaster,
            "backend synapse: its postgresql process exited unexpectedly (killed by SIGKILL)",
        ),
        (homeserver, "backend synapse exited unexpectedly (killed by SIGKILL)"),
    ],
    ids=["postgresql", "synapse"],
)
def test_killing_either_process_of_the_backend_fails_the_run_naming_it(
    tmp_path: Path, victim: object, named: str, leaves_nothing_behind: None
) -> None:
    proc, results = start_cli_run(tmp_path, scenario(tmp_path, duration_s=40))
    wait_for_load(tmp_path, proc, 12.0)
    target = victim(tmp_path)  # type: ignore[operator]
    os.kill(target.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == exitcodes.RUN_FAILED, (out[-2000:], err[-2000:])
    assert "Traceback" not in out + err
    [run] = [p for p in results.iterdir() if p.is_dir()]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["partial"] is True
    assert any(named in r for r in summary["reasons"]), summary["reasons"]
    sent = pd.read_parquet(run / "sent.parquet")
    delivered = pd.read_parquet(run / "deliveries.parquet")
    assert len(sent) > 20 and len(delivered) > 20, "the records up to the failure are kept"
    assert_nothing_left(tmp_path, run)
