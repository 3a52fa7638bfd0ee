"""The shipped examples stay true: each example claims file is valid for the scenarios it is meant
for, and every imbench command of the example CI workflow parses with the real argument parser and
names files that exist."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from harness.claims.claimsfile import load_claims
from harness.claims.evidence import target_of
from harness.cli import build_parser
from harness.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "ci" / "imbench-claims.yml"


@pytest.mark.parametrize(
    ("claims", "scenario", "baseline"),
    [
        ("examples/claims/messaging-vendor.toml", "workloads/scenarios/quickstart.toml", False),
        ("examples/claims/messaging-vendor.toml", "examples/ci/poc-short.toml", False),
        ("examples/claims/video-vendor.toml", "workloads/scenarios/video_calls.toml", False),
        ("examples/claims/no-regression.toml", "examples/ci/poc-short.toml", True),
        ("examples/claims/no-regression.toml", "workloads/scenarios/quickstart.toml", True),
    ],
)
def test_an_example_claims_file_is_valid_for_its_scenario(
    claims: str, scenario: str, baseline: bool
) -> None:
    target = target_of(load_scenario(ROOT / scenario), baseline)
    loaded = load_claims(ROOT / claims, target)
    assert loaded.claims and all(c.name for c in loaded.claims)


def _imbench_commands() -> list[list[str]]:
    """Every `imbench ...` invocation in the workflow's run steps, line continuations joined."""
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["claims"]["steps"]
    commands = []
    for step in steps:
        script = step.get("run", "").replace("\\\n", " ")
        for line in script.splitlines():
            words = shlex.split(line.replace("$", "VAR_").rstrip().removesuffix(")"))
            if ".venv/bin/imbench" in words:
                commands.append(words[words.index(".venv/bin/imbench") + 1 :])
            elif "scripts/imbench" in words:
                commands.append(words[words.index("scripts/imbench") + 1 :])
    return commands


def test_the_example_workflow_runs_gates_and_uploads() -> None:
    commands = _imbench_commands()
    verbs = [c[0] if c[0] != "baseline" else " ".join(c[:2]) for c in commands]
    assert verbs == ["run", "baseline save", "run", "check", "report"]
    parser = build_parser()
    for command in commands:
        parser.parse_args(command)
    text = WORKFLOW.read_text()
    for path in (
        "examples/ci/poc-short.toml",
        "examples/claims/messaging-vendor.toml",
        "examples/claims/no-regression.toml",
    ):
        assert path in text and (ROOT / path).is_file()
    assert "actions/upload-artifact" in text and "out/vendor-claims.xml" in text
