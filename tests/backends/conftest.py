"""Fixtures for real-backend tests: a run namespace made by harness.network, Debian packages
installed on demand (scripts/install-*), a clip cache per session. Needs root; skipped otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.network import TestNetwork, create_network, remove_network

REPO = Path(__file__).resolve().parents[2]


def _installed(binary: str, script: str) -> None:
    """Install the Debian package with scripts/<script> when `binary` is missing, or skip."""
    if shutil.which(binary):
        return
    if os.geteuid() != 0:
        pytest.skip(f"{binary} is not installed and installing it needs root (scripts/{script})")
    done = subprocess.run(
        [str(REPO / "scripts" / script)], capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0 or not shutil.which(binary):
        pytest.skip(f"scripts/{script} could not install {binary}: {done.stderr.strip()[-500:]}")


@pytest.fixture
def janus_installed() -> None:
    _installed("janus", "install-janus")


@pytest.fixture
def coturn_installed() -> None:
    _installed("turnserver", "install-coturn")


@pytest.fixture
def run_net() -> Iterator[TestNetwork]:
    """A run network exactly as `imbench run` makes it (namespace + veth), removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CI runs as root)")
    net = create_network("netns", source="tests/backends")
    try:
        yield net
    finally:
        remove_network(net)


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")
