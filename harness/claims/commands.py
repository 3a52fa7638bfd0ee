"""The command-line face of the claims gate: `imbench check`, `imbench baseline` and the claims
options of `imbench run`. Arguments only; the work is harness.claims.gate's (imported lazily, so
building the parser stays cheap)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.kernel import exitcodes


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--junit", metavar="PATH", help="also write the verdicts as JUnit XML")
    parser.add_argument(
        "--markdown", metavar="PATH", help="also write them as a Markdown table (a PR comment)"
    )


def add_run_options(run: argparse.ArgumentParser) -> None:
    """`imbench run SCENARIO --claims CLAIMS [--baseline RUN|NAME] [--junit P] [--markdown P]`."""
    run.add_argument(
        "--claims",
        metavar="CLAIMS",
        help="claims file (TOML) checked before load and judged on the run (docs/claims.md)",
    )
    run.add_argument(
        "--baseline", metavar="RUN|NAME", help="baseline for regression claims (with --claims)"
    )
    add_output_options(run)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check", help="judge a stored run against a claims file: pass, fail or inconclusive"
    )
    check.add_argument("claims", help="claims file (TOML); docs/claims.md")
    check.add_argument("run", help="run folder, or run id under --results-dir")
    check.add_argument("--baseline", metavar="RUN|NAME", help="baseline for regression claims")
    check.add_argument("--results-dir", default="results")
    check.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    add_output_options(check)
    check.set_defaults(func=check_command)

    baseline = sub.add_parser("baseline", help="keep a run as a named baseline; list them")
    actions = baseline.add_subparsers(dest="action", required=True, metavar="ACTION")
    save = actions.add_parser("save", help="keep RUN as baseline NAME (never overwrites silently)")
    save.add_argument("run", help="run folder, or run id under --results-dir")
    save.add_argument("name", help="the baseline's name, for --baseline NAME")
    save.add_argument("--results-dir", default="results")
    save.add_argument("--replace", action="store_true", help="replace a baseline of that name")
    save.set_defaults(func=baseline_save_command)
    listing = actions.add_parser("list", help="the saved baselines and the runs they came from")
    listing.add_argument("--results-dir", default="results")
    listing.set_defaults(func=baseline_list_command)


def check_command(args: argparse.Namespace) -> int:
    from harness.claims.gate import check

    return check(args, sys.stdout)


def baseline_save_command(args: argparse.Namespace) -> int:
    from harness.claims.baselines import save

    kept = save(args.run, args.name, Path(args.results_dir), replace=args.replace)
    print(f"saved {kept.label} → {kept.path}")
    return exitcodes.OK


def baseline_list_command(args: argparse.Namespace) -> int:
    from harness.claims.baselines import find, listed

    results = Path(args.results_dir)
    for name in listed(results):
        print(f"{name}  {find(name, results, 'imbench baseline list').label}")
    return exitcodes.OK
