"""The quickstart scenario against Mosquitto, end to end: real broker in the run's namespace, real
Locust users speaking MQTT 5 (issue 8's check, shortened for CI: 12 s of load after a 2 s ramp).

Status ok, delivery ratio >= 0.999, every figure the workload produces present (storage per
stored message n/a: no_history, in summary.json, the terminal summary and `imbench show`), the
generator not saturated; QoS 0 and 1 both deliver; no password of the run is in any file under
its run folder (raw/ and the data dir included); killing the broker mid-run is exit 4 naming
it, with the records made until then kept and nothing left running."""

from __future__ import annotations

import json
import os
import secrets
import signal
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import psutil
import pytest

from harness.children import RUN_ENV
from harness.kernel import exitcodes
from harness.kernel.metric_names import BACKEND
from harness.kernel.metrics import SPECS, WorkloadKind
from harness.progress import summary_table
from harness.run import RunOptions, RunResult, execute
from harness.scenario import parse_scenario
from tests.conftest import needs_root
from tests.requirements import require_backend
from tests.test_exit_codes import _cli, _start_cli_run, wait_for_load

pytestmark = [pytest.mark.slow, needs_root]

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "workloads" / "scenarios" / "quickstart.toml"
MESSAGING_KINDS = frozenset({WorkloadKind.CHAT, WorkloadKind.GROUP})


@pytest.fixture(autouse=True)
def mosquitto_installed() -> None:
    require_backend("mosquitto")


def quickstart(duration_s: float = 12, ramp_s: float = 2, qos: int | None = None) -> dict[str, Any]:
    doc = tomllib.loads(QUICKSTART.read_text())
    doc["scenario"].update(duration_s=duration_s, ramp_s=ramp_s, backend="mosquitto")
    if qos is not None:
        doc["backend"] = {"mosquitto": {"qos": qos}}
    return doc


def run(tmp_path: Path, doc: dict[str, Any]) -> RunResult:
    result = execute(
        parse_scenario(doc, "quickstart"), RunOptions(results_dir=tmp_path / "results", quiet=True)
    )
    assert result.status == "ok", result.reasons
    return result


def mosquitto_processes(marker: str) -> list[psutil.Process]:
    """Mosquitto brokers of runs under `marker` (a run gives its processes IMBENCH_RUN=<folder>)."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if proc.info["name"] != "mosquitto":
                continue
            if marker in proc.environ().get(RUN_ENV, ""):
                found.append(proc)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def test_quickstart_against_mosquitto_delivers_every_message_with_every_figure_or_its_reason(
    tmp_path: Path, leaves_nothing_behind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued: list[str] = []  # every password the adapter makes (the users' and its probe's)
    real = secrets.token_urlsafe

    def recording(n: int) -> str:
        issued.append(real(n))
        return issued[-1]

    monkeypatch.setattr(
        "harness.backends.mosquitto.secrets", SimpleNamespace(token_urlsafe=recording)
    )
    result = run(tmp_path, quickstart())
    summary = result.summary
    m = summary.metrics
    assert m["messaging.delivery_ratio"].value >= 0.999
    assert m["messaging.peak_concurrent_users"].value == 120
    assert m["messaging.duplicates"].value == 0
    assert m["generator.cpu_pct_max"].value < 85
    assert m["backend.cpu_core_s_per_1k_delivered_msgs"].value > 0
    expected = [s.name for s in SPECS if s.produced(MESSAGING_KINDS)]
    missing = [n for n in expected if n not in m and n not in summary.unavailable]
    assert missing == [], missing
    assert summary.unavailable == {BACKEND.storage_bytes_per_stored_msg: "no_history"}
    doc = json.loads((result.folder.path / "summary.json").read_text())
    assert doc["unavailable"] == {BACKEND.storage_bytes_per_stored_msg: "no_history"}
    assert BACKEND.storage_bytes_per_stored_msg not in doc["metrics"]  # never a 0
    assert "storage per stored message" in summary_table(summary)
    assert "n/a (no_history)" in summary_table(summary)

    manifest = json.loads((result.folder.path / "manifest.json").read_text())
    assert manifest["backend"]["name"] == "mosquitto"
    assert manifest["backend"]["config"]["qos"] == 1
    assert manifest["backend"]["config"]["max_queued_messages"] == 0
    assert manifest["provision"]["users"] == 120 and manifest["provision"]["client"] == "mqtt"
    assert (result.folder.path / "backend-data" / "mosquitto.db").exists()

    code, out, err = _cli("show", str(result.folder.path))
    assert code == exitcodes.OK, err
    assert "storage per stored message" in out and "n/a (no_history)" in out

    assert mosquitto_processes(str(tmp_path)) == []
    assert len(issued) == 121  # 120 users + the readiness probe
    files = [p for p in result.folder.path.rglob("*") if p.is_file()]
    assert any(p.parent.name == "raw" for p in files)
    for path in files:
        data = path.read_bytes()
        leaked = [pw for pw in issued if pw.encode() in data]
        assert leaked == [], f"{path} holds a password"


def test_qos_0_delivers_too(tmp_path: Path, leaves_nothing_behind: None) -> None:
    result = run(tmp_path, quickstart(duration_s=8, qos=0))
    assert result.summary.metrics["messaging.delivery_ratio"].value >= 0.999
    manifest = json.loads((result.folder.path / "manifest.json").read_text())
    assert manifest["backend"]["config"]["qos"] == 0


def test_killing_mosquitto_mid_run_fails_the_run_naming_it_and_keeps_the_records(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    scenario = tmp_path / "quickstart.toml"
    text = QUICKSTART.read_text()
    for old, new in (
        ('backend = "embedded"', 'backend = "mosquitto"'),
        ("duration_s = 45", "duration_s = 30"),
        ("ramp_s = 10", "ramp_s = 2"),
    ):
        assert old in text
        text = text.replace(old, new)
    scenario.write_text(text)
    proc, results = _start_cli_run(tmp_path, scenario)
    wait_for_load(tmp_path, proc, 6.0)
    [broker] = mosquitto_processes(str(results))
    os.kill(broker.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == exitcodes.RUN_FAILED, (out, err)
    assert "Traceback" not in err
    [run_dir] = [p for p in results.iterdir() if p.is_dir()]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["partial"] is True
    assert any(
        "backend mosquitto exited unexpectedly (killed by SIGKILL)" in r for r in summary["reasons"]
    ), summary["reasons"]
    assert len(pd.read_parquet(run_dir / "sent.parquet")) > 100
    assert len(pd.read_parquet(run_dir / "deliveries.parquet")) > 100
    sessions = pd.read_parquet(run_dir / "sessions.parquet")
    assert (sessions["event"] == "error").sum() > 0, "users saw their connections drop"
    assert mosquitto_processes(str(results)) == []
    private = json.loads((run_dir / "manifest.json").read_text())["private_dir"]
    assert not Path(private).exists()
