"""gevent (Locust) and asyncio (orchestrator, aiortc) never share a process: importing the
orchestrator must not import Locust or gevent, whose monkey-patching would break asyncio and aiortc."""

from __future__ import annotations

import subprocess
import sys


def test_the_orchestrator_and_cli_import_neither_locust_nor_gevent() -> None:
    code = (
        "import sys, harness.cli, harness.app, harness.run, harness.generators, harness.layout; "
        "print(sorted(m for m in ('locust', 'gevent') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_locust_driver_does_import_locust() -> None:
    code = "import sys, harness.drivers.locust_driver; print('locust' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
