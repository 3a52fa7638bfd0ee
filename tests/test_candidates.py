"""One scenario, every messaging candidate: the same workload against each backend through its own
protocol, each run ok with every figure the reference backend publishes (or n/a with the reason),
then `imbench compare` over all of them, calling them one scenario.

The rates are the quickstart's shape (1:1 pairs, rooms of ten) scaled to well inside what the
slowest candidate, Synapse on PostgreSQL, sustains on this machine kind (about 13.5 msg/s sent,
47 deliveries/s; here 8 msg/s sent, 32 deliveries/s; docs/backends.md gives each backend's
measured ceiling and the shipped-rate quickstart runs against the others in their own tests), so one
scenario — one workload hash — runs unchanged against all five with `--backend NAME`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.backends import create_backend
from harness.kernel import exitcodes
from harness.kernel.metric_names import MESSAGING
from harness.kernel.summary import Summary, read_summary
from harness.scenario import KNOWN_BACKENDS
from tests.conftest import IMBENCH, needs_root

pytestmark = [pytest.mark.slow, needs_root]

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = tuple(b for b in KNOWN_BACKENDS if b != "external")
SCENARIO = """\
# The quickstart's mix (1:1 pairs, rooms of ten) at the rates every candidate sustains here.
[scenario]
name = "candidates"
backend = "embedded"
duration_s = 10
ramp_s = 3
drain_s = 3
seed = 1

[[workload]]
kind = "chat"
users = 20
send_rate_per_user_hz = 0.25
payload = { distribution = "lognormal", median_bytes = 120, sigma = 0.6, max_bytes = 2048 }

[[workload]]
kind = "group"
users = 20
room_size = 10
send_rate_per_user_hz = 0.15
payload = { distribution = "uniform", min_bytes = 40, max_bytes = 400 }
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each candidate's run folder, run one after the other (heavy: never two at once)."""
    base = tmp_path_factory.mktemp("candidates")
    scenario = base / "candidates.toml"
    scenario.write_text(SCENARIO)
    results = base / "results"
    folders: dict[str, Path] = {}
    for backend in CANDIDATES:
        missing = create_backend(backend).missing()
        assert missing is None, f"{backend} is not installed: {missing}"
        before = set(results.iterdir()) if results.exists() else set()
        argv = [*IMBENCH, "run", str(scenario), "--backend", backend]
        argv += ["--results-dir", str(results), "--quiet", "--no-cost", "--no-report"]
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        (folder,) = set(results.iterdir()) - before
        assert done.returncode == exitcodes.OK, f"{backend}: {done.stderr[-2000:]}"
        folders[backend] = folder
    return folders


def published(summary: Summary) -> set[str]:
    return set(summary.metrics) | set(summary.unavailable)


@pytest.mark.parametrize("backend", CANDIDATES)
def test_each_candidate_delivers_and_publishes_every_figure(
    runs: dict[str, Path], backend: str
) -> None:
    summary = read_summary(runs[backend])
    assert summary.status == "ok", summary.reasons
    assert summary.backend == backend
    ratio = summary.metrics[MESSAGING.delivery_ratio].value
    assert ratio is not None and ratio >= 0.999
    reference = set(read_summary(runs["embedded"]).metrics)
    assert reference - published(summary) == set(), "figures neither given nor n/a with a reason"
    for name, reason in summary.unavailable.items():
        assert reason.strip(), name


def test_compare_prints_every_figure_for_every_candidate_as_one_scenario(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    folders = [str(runs[b]) for b in CANDIDATES]
    out = tmp_path / "compare.json"
    shown = subprocess.run(
        [*IMBENCH, "compare", *folders, "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert shown.returncode == exitcodes.OK, shown.stderr
    assert "OTHER-SCENARIO" not in shown.stdout
    for backend in CANDIDATES:
        assert backend in shown.stdout
    hashes = {
        json.loads((runs[b] / "manifest.json").read_text())["scenario_sha256"] for b in CANDIDATES
    }
    assert len(hashes) == 1
    document = json.loads(out.read_text())
    assert [run["marks"] for run in document["runs"]] == [[]] * len(CANDIDATES)
    headline = [row for row in document["rows"] if not row["key"].startswith("cost.")]
    for row in headline:  # every figure for every backend: a number, or n/a with its reason
        for backend, cell in zip(CANDIDATES, row["cells"], strict=True):
            assert cell["value"] is not None or cell["note"], (backend, row["key"], cell)
