"""Tests that need Debian's Mosquitto: skipped without it locally, a failure under CI=true (a CI run
must never pass by skipping them; scripts/bootstrap installs it as root)."""

from __future__ import annotations

from harness.backends.mosquitto import MosquittoBackend
from tests.requirements import unavailable


def require_mosquitto() -> None:
    absent = MosquittoBackend().missing()
    if absent is not None:
        unavailable(absent)
