"""Tests that need Debian's Mosquitto: skipped without it locally, a failure under CI=true (a CI run
must never pass by skipping them; scripts/bootstrap installs it as root)."""

from __future__ import annotations

import os

import pytest

from harness.backends.mosquitto import MosquittoBackend


def require_mosquitto() -> None:
    absent = MosquittoBackend().missing()
    if absent is None:
        return
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"CI=true and {absent}: a CI run must not skip it", pytrace=False)
    pytest.skip(absent)
