"""The composition root: turns parsed CLI arguments into a scenario run or a report of a stored run.

Usable as a library too: `harness.run.execute(load_scenario(path), RunOptions(...))` refuses the
same scenarios as `imbench run` (harness.preflight) and returns the same result.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.abandoned import settle_if_abandoned
from harness.kernel.errors import BadInput
from harness.kernel.runs import resolve_run
from harness.kernel.status import RunStatus
from harness.kernel.summary import read_summary
from harness.manifest import Manifest
from harness.progress import summary_table
from harness.run import RunOptions, execute
from harness.scenario import load_scenario
from harness.store import RunFolder

if TYPE_CHECKING:
    from harness.claims.gate import Gate


def run_command(args: argparse.Namespace) -> int:
    gate: Gate | None = None
    if args.claims or args.baseline or args.junit or args.markdown:
        from harness.claims.gate import prepare_run

        scenario, gate = prepare_run(args)  # the claims checked with the scenario, before load
    else:
        scenario = load_scenario(args.scenario, args.backend)
    profile = Path(args.profile) if args.profile else None
    if profile is not None and not profile.is_file():
        raise BadInput("--profile", "", str(profile), "must be an existing usage profile file")
    options = RunOptions(
        results_dir=Path(args.results_dir), locust_web_port=args.locust_web, quiet=args.quiet
    )
    result = execute(scenario, options)
    print()
    print(summary_table(result.summary))
    if not args.no_cost and result.status in (RunStatus.OK, RunStatus.INVALID):
        _print_costs(result.folder.path, profile)
    if not args.no_report:
        _write_report(result.folder.path, profile)
    print(f"\nrun folder: {result.folder.path}")
    if gate is not None:
        from harness.claims.gate import judge_run

        return judge_run(gate, result.folder.path, args, sys.stdout)
    return result.status.exit_code


def _write_report(run_dir: Path, profile: Path | None) -> None:
    """The run's report.html and report.md; a failure to write them is said, and the run's own
    exit code stands (its records are complete either way)."""
    from harness.report.command import REPORT_NAME, write_report

    try:
        files = write_report([run_dir], run_dir / REPORT_NAME, profile)
    except Exception as exc:
        from harness.cli import crash_log

        log = crash_log(exc)
        print(f"\nimbench: report not written: {exc!r}; traceback in {log}", file=sys.stderr)
        return
    print(f"\nreport: {files.html}  (summary: {files.markdown})")


def _print_costs(run_dir: Path, profile: Path | None) -> None:
    try:
        from cost_mapping.commands import print_run_costs
    except ImportError:
        return
    print()
    print_run_costs(run_dir, profile, sys.stdout)


def show_command(args: argparse.Namespace) -> int:
    folder = RunFolder(resolve_run(args.run, Path(args.results_dir), "imbench show"))
    if settle_if_abandoned(folder):
        print(f"run {folder.run_id} was abandoned by its imbench; marked as such", file=sys.stderr)
    manifest = Manifest.from_json(
        folder.read_json("manifest.json"), str(folder.path / "manifest.json")
    )
    if not (folder.path / "summary.json").exists():
        return _show_unfinished(folder, manifest)
    summary = read_summary(folder.path)
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        print(summary_table(summary))
        print(f"\nrun folder: {folder.path}")
    return summary.status.exit_code


def _show_unfinished(folder: RunFolder, manifest: Manifest) -> int:
    """A run without summary.json: still running, or it never got to finish."""
    counts = {p.name: _rows(p) for p in sorted(folder.raw.glob("*.csv"))}
    recorded = ", ".join(f"{name} {n:,} rows" for name, n in counts.items()) or "none"
    what = "is still running" if manifest.status == RunStatus.RUNNING else "never finished"
    print(f"run {folder.run_id}: status {manifest.status} — no summary.json (the run {what})")
    for reason in manifest.reasons:
        print(f"reason   {reason}")
    print(f"records  {recorded} (in {folder.raw})")
    return manifest.status.exit_code


def _rows(path: Path) -> int:
    with path.open("rb") as fh:
        return max(0, sum(1 for _ in fh) - 1)
