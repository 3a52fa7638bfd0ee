"""The composition root: turns parsed CLI arguments into a scenario run or a report of a stored run.

Usable as a library too: `harness.run.execute(load_scenario(path), RunOptions(...))`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.kernel import exitcodes
from harness.kernel.errors import BadInput
from harness.kernel.summary import read_summary
from harness.network import can_use_netns
from harness.progress import summary_table
from harness.run import RunOptions, execute
from harness.scenario import load_scenario
from harness.store import resolve_run

STATUS_EXIT = {
    "ok": exitcodes.OK,
    "invalid": exitcodes.RUN_INVALID,
    "failed": exitcodes.RUN_FAILED,
    "aborted": exitcodes.ABORTED,
}


def run_command(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if scenario.network_mode == "netns" and not can_use_netns():
        raise BadInput(
            scenario.source,
            "network.mode",
            "netns",
            "needs root and iproute2; use auto or loopback",
        )
    needs_namespace = scenario.media and (scenario.media_backend == "janus" or scenario.turn)
    if needs_namespace and (scenario.network_mode == "loopback" or not can_use_netns()):
        field = "media.turn" if scenario.turn else "media.backend"
        value = scenario.turn if scenario.turn else scenario.media_backend
        raise BadInput(
            scenario.source,
            field,
            value,
            "needs a network namespace (root, network.mode auto or netns): on loopback its ICE "
            "could fall back to the machine's own address",
        )
    profile = Path(args.profile) if args.profile else None
    if profile is not None and not profile.is_file():
        raise BadInput("--profile", "", str(profile), "must be an existing usage profile file")
    options = RunOptions(
        results_dir=Path(args.results_dir), locust_web_port=args.locust_web, quiet=args.quiet
    )
    result = execute(scenario, options)
    print()
    print(summary_table(result.summary))
    if not args.no_cost and result.status in ("ok", "invalid"):
        _print_costs(result.folder.path, profile)
    print(f"\nrun folder: {result.folder.path}")
    return STATUS_EXIT[result.status]


def _print_costs(run_dir: Path, profile: Path | None) -> None:
    try:
        from cost_mapping.commands import print_run_costs
    except ImportError:
        return
    print()
    print_run_costs(run_dir, profile, sys.stdout)


def show_command(args: argparse.Namespace) -> int:
    folder = resolve_run(args.run, Path(args.results_dir))
    summary_path = folder.path / "summary.json"
    if not summary_path.exists():
        manifest = folder.read_json("manifest.json")
        print(
            f"run {folder.run_id}: status {manifest.get('status')} — no summary.json "
            f"(the run never finalized; its raw records are in {folder.raw})"
        )
        return exitcodes.RUN_FAILED
    summary = read_summary(folder.path)
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        print(summary_table(summary))
        print(f"\nrun folder: {folder.path}")
    return STATUS_EXIT.get(summary.status, exitcodes.RUN_INVALID)
