"""One run's stored records, read once for a report: summary.json, the manifest, the Parquet
tables (raw/ when a run never got to write them) and its window. The only I/O of the report's
content; everything built from a `RunRecords` is pure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.abandoned import settle_if_abandoned
from harness.analysis import Window
from harness.finalize import window_of
from harness.kernel.summary import Summary, read_summary
from harness.manifest import Manifest
from harness.store import RunFolder
from harness.summary import RunData


@dataclass(frozen=True)
class RunRecords:
    path: Path
    summary: Summary
    manifest: Manifest
    data: RunData
    window: Window | None
    """Load start, send stop and end (monotonic ns); None when the run never started load."""

    @property
    def run_id(self) -> str:
        return self.summary.run_id

    @property
    def ramp_s(self) -> float:
        return float(self.manifest.scenario.get("ramp_s", 0.0))


def load_run(run_dir: Path) -> RunRecords:
    """Everything a report shows of the run in `run_dir`. A run still marked running whose
    imbench is gone is settled as abandoned first (as `imbench show` does); a folder without
    summary.json is BadInput naming it."""
    folder = RunFolder(run_dir)
    settle_if_abandoned(folder)
    summary = read_summary(run_dir)
    manifest = Manifest.from_json(folder.read_json("manifest.json"), str(run_dir / "manifest.json"))
    return RunRecords(run_dir, summary, manifest, folder.load(), window_of(manifest))
