"""Runs whose orchestrator vanished (killed outright, or its machine lost power).

Such a run's manifest still says `running`. When a later `imbench run` or `imbench show` finds one
whose orchestrator process no longer exists on this host, it marks it `abandoned` and finishes it
from what it recorded (raw/ is flushed every second), so its records stay readable; the private
dir it left behind is removed. Its processes are already gone: they lived in the run's PID
namespace (harness.children), which died with the orchestrator; its network namespace is swept.
"""

from __future__ import annotations

import contextlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

from harness.finalize import RunState, finalize_run, window_of
from harness.kernel.errors import BadInput
from harness.kernel.runs import is_run_folder
from harness.kernel.status import RunStatus
from harness.manifest import Manifest
from harness.network import can_use_netns, sweep_stale
from harness.store import RunFolder


def abandoned_reason(manifest: Manifest) -> str:
    o = manifest.orchestrator
    return (
        f"abandoned: its orchestrator (imbench pid {o.pid} on {o.hostname}) ended without "
        "finishing the run (killed outright?); records up to that point are kept"
    )


def settle_if_abandoned(folder: RunFolder) -> bool:
    """Mark `folder` abandoned and finish it if its orchestrator is gone; True if it did."""
    try:
        manifest = Manifest.from_json(folder.read_json("manifest.json"), str(folder.path))
    except BadInput:
        return False
    if manifest.status != RunStatus.RUNNING or manifest.orchestrator.alive() is not False:
        return False
    if manifest.private_dir:
        with contextlib.suppress(OSError):
            shutil.rmtree(manifest.private_dir)
    if can_use_netns():
        sweep_stale()  # its network namespace, which only a live imbench removes
    manifest.end_utc = datetime.now(UTC).isoformat()
    state = RunState(RunStatus.ABANDONED, [abandoned_reason(manifest)], window_of(manifest))
    try:
        finalize_run(folder, manifest, state)
    except Exception:  # records too broken to summarise: still say what happened
        manifest.status, manifest.reasons = RunStatus.ABANDONED, state.reasons
        folder.write_manifest(manifest.to_json())
    return True


def settle_abandoned(results_dir: Path) -> list[str]:
    """Every abandoned run under `results_dir`, marked and finished; their run ids."""
    if not results_dir.is_dir():
        return []
    settled = []
    for path in sorted(results_dir.iterdir()):
        if path.is_dir() and is_run_folder(path) and settle_if_abandoned(RunFolder(path)):
            settled.append(path.name)
    return settled
