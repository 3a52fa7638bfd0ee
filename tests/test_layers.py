"""Layers point one way, and `scripts/check` says so: its import-linter contracts fail when
`workloads/` or `cost_mapping/` import from `harness/` outside the kernel, or the kernel imports
anything else of ours. Each case plants one import in a copy of the tree and runs lint-imports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    for package in ("harness", "workloads", "cost_mapping"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_shipped_tree_keeps_every_contract(tmp_path: Path) -> None:
    done = _lint(_copy_tree(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("workloads/payload.py", "import harness.scenario", "workloads import only the kernel"),
        (
            "workloads/media/plan.py",
            "from harness.run import execute",
            "workloads import only the kernel",
        ),
        (
            "cost_mapping/display.py",
            "from harness.store import RunFolder",
            "cost_mapping imports only the kernel",
        ),
        (
            "cost_mapping/tiers.py",
            "import workloads.schedule",
            "cost_mapping imports only the kernel",
        ),
        (
            "harness/kernel/status.py",
            "import harness.network",
            "the kernel imports nothing else of imbench",
        ),
    ],
)
def test_an_import_across_the_layers_breaks_a_contract(
    tmp_path: Path, module: str, planted: str, contract: str
) -> None:
    tree = _copy_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{planted}  # noqa\n")
    done = _lint(tree)
    assert done.returncode != 0
    assert f"{contract} BROKEN" in done.stdout, done.stdout[-3000:]
