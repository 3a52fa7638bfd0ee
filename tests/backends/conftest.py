"""Fixtures for real-backend tests: a run namespace made by harness.network, Debian packages
installed on demand (scripts/install-*), a clip cache per session. Needs root and the backends:
skipped without them locally, a failure under CI=true (tests/requirements.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.network import TestNetwork, create_network, remove_network
from tests.requirements import require_binary, require_root


@pytest.fixture
def janus_installed() -> None:
    require_binary("janus", install="scripts/install-janus")


@pytest.fixture
def coturn_installed() -> None:
    require_binary("turnserver", install="scripts/install-coturn")


@pytest.fixture
def run_net() -> Iterator[TestNetwork]:
    """A run network exactly as `imbench run` makes it (namespace + veth), removed afterwards."""
    require_root()
    net = create_network("netns", source="tests/backends")
    try:
        yield net
    finally:
        remove_network(net)


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")
