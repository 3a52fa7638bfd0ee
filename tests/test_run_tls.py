"""TLS as real deployments run it: the same scenario on one backend, with and without TLS — the
embedded backend (wss) and Mosquitto (mqtts).

Run under the heavy-work lock: flock /tmp/imbench-heavy.lock pytest tests/test_run_tls.py
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.kernel import exitcodes
from tests.conftest import IMBENCH, needs_root
from tests.requirements import require_backend

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, needs_root]

SCHEMES = {"embedded": "wss", "mosquitto": "mqtts"}
"""What each backend's manifest calls its TLS (`backend.config.tls` starts with it)."""
TLS13_RECORD_OVERHEAD_BYTES = 5 + 1 + 16
"""RFC 8446 §5.2: a 5-byte record header, the inner content-type byte and a 16-byte AEAD tag."""


def run_cli(tmp_path: Path, scenario: Path, tls: bool) -> tuple[Path, str]:
    results = tmp_path / f"results-{tls}"
    done = subprocess.run(
        [*IMBENCH, "run", str(scenario), "--results-dir", str(results), "--no-report", "--no-cost"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert done.returncode == exitcodes.OK, done.stdout + done.stderr
    (folder,) = [p for p in results.iterdir() if p.is_dir()]
    return folder, done.stdout


def figure(folder: Path, name: str) -> float:
    value: float = json.loads((folder / "summary.json").read_text())["metrics"][name]["value"]
    return value


@pytest.mark.parametrize("backend", sorted(SCHEMES))
def test_a_tls_and_a_plaintext_run_of_one_scenario_both_complete_and_show_what_tls_costs(
    backend: str,
    tmp_path: Path,
    scenario_file: Callable[..., Path],
    leaves_nothing_behind: None,
) -> None:
    if backend == "mosquitto":
        require_backend("mosquitto")
    plain_scenario = scenario_file("plain", 8, mode="netns", backend=backend)
    tls_scenario = scenario_file("tls", 8, mode="netns", backend=backend, tls=True)
    plain, plain_out = run_cli(tmp_path, plain_scenario, tls=False)
    tls, tls_out = run_cli(tmp_path, tls_scenario, tls=True)

    for folder, out in ((plain, plain_out), (tls, tls_out)):
        assert figure(folder, "messaging.delivery_ratio") >= 0.999
        assert "backend CPU per 1k delivered" in out and "wire per delivered message" in out
        assert figure(folder, "backend.cpu_core_s_per_1k_delivered_msgs") > 0
    manifests = [json.loads((f / "manifest.json").read_text()) for f in (plain, tls)]
    assert manifests[0]["scenario_sha256"] == manifests[1]["scenario_sha256"], "one scenario"
    assert manifests[0]["tls"] is None and manifests[0]["provision"]["tls"] is False
    assert manifests[0]["backend"]["config"]["tls"] is False
    assert manifests[1]["tls"]["names"][0] == "imbench.test"
    assert manifests[1]["tls"]["ip"] == manifests[1]["methods"]["server_host"]
    assert manifests[1]["provision"]["tls"] is True
    assert manifests[1]["backend"]["config"]["tls"].startswith(SCHEMES[backend])

    # The veth counts TLS records: every message crosses it as at least one record more than
    # its plaintext frame (a sent frame once, each delivery once), plus the handshakes.
    sent, delivered = (figure(tls, f"messaging.messages_{k}") for k in ("sent", "delivered"))
    records_per_delivered = 1 + sent / delivered
    overhead = figure(tls, "wire.bytes_per_delivered_msg") - figure(
        plain, "wire.bytes_per_delivered_msg"
    )
    assert overhead >= 0.8 * TLS13_RECORD_OVERHEAD_BYTES * records_per_delivered, overhead
    assert overhead < 4 * figure(plain, "wire.bytes_per_delivered_msg"), overhead
    print(
        f"{backend} plaintext vs TLS: backend CPU "
        f"{figure(plain, 'backend.cpu_core_s_per_1k_delivered_msgs'):.4f} vs "
        f"{figure(tls, 'backend.cpu_core_s_per_1k_delivered_msgs'):.4f} core-s/1k delivered; "
        f"wire {figure(plain, 'wire.bytes_per_delivered_msg'):.1f} vs "
        f"{figure(tls, 'wire.bytes_per_delivered_msg'):.1f} bytes/delivered msg"
    )

    for path in tls.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), f"{path} holds a private key"
    private_dir = Path(manifests[1]["private_dir"])
    assert not private_dir.exists(), "the run's key went with its private dir"
