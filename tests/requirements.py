"""What a test needs from the machine (root, a program on PATH), and what happens when it is not
there: locally the test is skipped with the reason; under `CI=true` it fails, naming what is
missing, so a CI run that lacks a backend can never pass by skipping its tests.

    require_root("network namespaces need root")
    janus = require_binary("janus", install="scripts/install-janus")
    require_backend("mosquitto")        # whatever the backend's adapter says it lacks

`@pytest.mark.root` on a test or module calls `require_root` before the test (tests/conftest.py).
A test needing a backend calls `require_binary` itself or through a fixture (tests/backends/conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALL_TIMEOUT_S = 600


def in_ci() -> bool:
    """True when the environment says CI (`CI=true`, as GitHub Actions, GitLab CI and .ci/run set)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str) -> NoReturn:
    """Skip the test for `reason`; under CI=true, fail it instead."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}: a CI run must not skip it", pytrace=False)
    pytest.skip(reason)


def require_root(why: str = "network namespaces need root") -> None:
    if os.geteuid() != 0:
        unavailable(f"not root ({why}; CI runs as root)")


def needs_binary(binary: str, install: str | None = None) -> pytest.MarkDecorator:
    """`require_binary` as a mark, for a test or a parameter (`pytest.param(..., marks=...)`);
    tests/conftest.py applies it before the test's fixtures start."""
    return pytest.mark.binary(binary, install=install)


def require_backend(name: str) -> None:
    """A backend whose adapter finds everything it needs (`Backend.missing()`: its programs,
    plugins, virtualenv); otherwise skipped locally, failed under CI=true with the adapter's word."""
    from harness.backends import create_backend

    missing = create_backend(name).missing()
    if missing is not None:
        unavailable(missing)


def require_binary(binary: str, install: str | None = None) -> str:
    """The path of `binary` on PATH. When it is missing: outside CI, as root, `install` (a script
    under the repository, e.g. "scripts/install-janus") is run once and PATH looked up again;
    under CI=true it is not (scripts/bootstrap installs every backend before the tests run)."""
    found = shutil.which(binary)
    if found:
        return found
    how = f"; {install} installs it" if install else ""
    if install and not in_ci() and os.geteuid() == 0:
        try:
            done = subprocess.run(
                [str(REPO / install)], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            unavailable(f"`{binary}` is not on PATH and {install} could not run: {error}")
        found = shutil.which(binary)
        if found:
            return found
        unavailable(f"`{binary}` is not on PATH and {install} failed: {done.stderr.strip()[-500:]}")
    unavailable(f"`{binary}` is not on PATH{how}")
