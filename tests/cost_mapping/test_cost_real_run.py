"""A real short messaging run of the embedded backend, then its bills: every line shows its
provenance, and none claims `measured` for a quantity the run did not measure.

Runs a real load run: run it alone, under the shared lock
(flock /tmp/imbench-heavy.lock pytest tests/cost_mapping/test_cost_real_run.py).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cost_mapping.commands import print_run_costs
from harness.run import RunOptions, execute
from harness.scenario import load_scenario

pytestmark = pytest.mark.slow


def test_a_real_messaging_run_prices_with_honest_provenance(
    tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    options = RunOptions(results_dir=tmp_path / "results", quiet=True)
    result = execute(load_scenario(scenario_file(mode="loopback", duration_s=4)), options)
    assert result.status in ("ok", "invalid"), result.reasons
    out = io.StringIO()
    print_run_costs(result.folder.path, None, out)
    doc = json.loads((result.folder.path / "cost.json").read_text())

    quantities = doc["quantities"]
    # a messaging run measured no video, so nothing is `measured`; message bytes rest on its
    # measured mean payload (derived), volumes on the profile (assumed)
    assert {q["provenance"] for q in quantities.values()} <= {"derived", "assumed"}
    assert quantities["message_bytes"]["provenance"] == "derived"
    assert "messaging.payload_bytes_mean" in quantities["message_bytes"]["derivation"]
    assert quantities["vcpu_hours"]["provenance"] == "derived"
    for bill in doc["bills"]:
        for line in bill["lines"]:
            assert line["provenance"] in ("derived", "assumed", "fixed"), line
    shown = out.getvalue()
    assert "provenance" in shown.splitlines()[1] or "provenance" in shown
    assert "what moves each total most" in shown
