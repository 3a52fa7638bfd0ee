"""`imbench compare RUN RUN [RUN ...]`: stored runs side by side, in one table.

    imbench compare RUN RUN [RUN ...] [--profile P] [--csv PATH] [--json PATH]

Each RUN is resolved as `imbench show` resolves it (a run folder, a run id or a unique prefix of
one under `--results-dir`). Every run is read and priced before anything is printed or written,
so a run that cannot be found or read is bad input (exit 2) naming it and nothing is written.
Prints the table (harness.compare_formats), writes the CSV and JSON when asked. Exit 0 when the
comparison is printed, whatever the runs' status: the table marks it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.abandoned import settle_if_abandoned
from harness.compare import ComparedRun, build_comparison
from harness.compare_formats import to_csv, to_json, to_text
from harness.kernel import exitcodes
from harness.kernel.errors import BadInput
from harness.kernel.runs import resolve_run
from harness.kernel.summary import read_summary
from harness.manifest import Manifest
from harness.report.costs import run_costs
from harness.store import RunFolder

COMMAND = "imbench compare"


def load_compared(run_dir: Path, profile: Path | None) -> ComparedRun:
    """A run's summary, manifest and costs; a run still marked running whose imbench is gone
    is settled as abandoned first (as `imbench show` does)."""
    folder = RunFolder(run_dir)
    settle_if_abandoned(folder)
    summary = read_summary(run_dir)
    manifest = Manifest.from_json(folder.read_json("manifest.json"), str(run_dir / "manifest.json"))
    return ComparedRun(str(run_dir), summary, manifest, run_costs(run_dir, profile))


def compare_command(args: argparse.Namespace) -> int:
    results_dir = Path(args.results_dir)
    run_dirs = [resolve_run(arg, results_dir, COMMAND) for arg in [args.first, *args.others]]
    profile = Path(args.profile) if args.profile else None
    if profile is not None and not profile.is_file():
        raise BadInput("--profile", "", str(profile), "must be an existing usage profile file")
    for option, value in (("--csv", args.csv), ("--json", args.json)):
        if value is not None and Path(value).is_dir():
            raise BadInput(COMMAND, option, value, "a file path (it is a folder)")
    comparison = build_comparison([load_compared(d, profile) for d in run_dirs])
    sys.stdout.write(to_text(comparison))
    for value, text in ((args.csv, to_csv), (args.json, to_json)):
        if value is not None:
            path = Path(value)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(comparison), encoding="utf-8")
            print(f"wrote {path}")
    return exitcodes.OK
