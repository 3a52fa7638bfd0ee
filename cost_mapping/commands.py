"""`imbench price` and `imbench cost`: the command-line face of cost mapping.

    imbench price --sheet agora-rtc --usage quantities.toml     what-if: raw canonical quantities
    imbench cost <run> [--profile p.toml] [--sheet id ...]      a run x a profile, side by side

The run command calls `print_run_costs` for its closing table.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from cost_mapping import bill_text, table
from cost_mapping.derive import call_shape_note, derive
from cost_mapping.display import num
from cost_mapping.engine import price
from cost_mapping.profile import load_profile
from cost_mapping.quantities import load_usage
from cost_mapping.sensitivity import sensitivity
from cost_mapping.sheet_load import load_sheets, shipped_ids
from cost_mapping.summary import read_summary
from harness.kernel import exitcodes
from harness.kernel.runs import resolve_run


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `price` and `cost` sub-commands to the `imbench` parser."""
    ids = ", ".join(shipped_ids())
    p = sub.add_parser(
        "price", help="price raw canonical quantities with one or more sheets (what-if)"
    )
    p.add_argument(
        "--sheet", action="append", required=True, metavar="ID|FILE", help=f"shipped: {ids}"
    )
    p.add_argument(
        "--usage",
        required=True,
        type=Path,
        help="TOML of canonical quantities per month; 'example' for the shipped example",
    )
    p.add_argument(
        "--json", action="store_true", help="print the bills as JSON, every line included"
    )
    p.set_defaults(func=price_command)

    c = sub.add_parser("cost", help="cost a run under a usage profile, sheets side by side")
    c.add_argument("run", help="run folder, or run id under --results-dir")
    c.add_argument(
        "--results-dir", default="results", help="where run folders are (default: results)"
    )
    c.add_argument(
        "--profile", type=Path, default=None, help="usage profile TOML (default: the shipped one)"
    )
    c.add_argument(
        "--sheet", action="append", metavar="ID|FILE", help="repeat; default: every shipped sheet"
    )
    c.set_defaults(func=cost_command)


def usage_file(path: Path) -> Path:
    """The usage file; `example` names the shipped example when no such file exists."""
    if str(path) == "example" and not path.exists():
        return Path(str(resources.files("cost_mapping") / "profiles" / "quantities_example.toml"))
    return path


def price_command(args: argparse.Namespace) -> int:
    quantities = load_usage(usage_file(args.usage))
    bills = [price(sheet, quantities) for sheet in load_sheets(args.sheet)]
    if args.json:
        sys.stdout.write(json.dumps([table.bill_json(b) for b in bills], indent=2) + "\n")
        return exitcodes.OK
    for bill in bills:
        sys.stdout.write(bill_text.render_bill(bill) + "\n")
    return exitcodes.OK


def cost_command(args: argparse.Namespace) -> int:
    run_dir = resolve_run(args.run, Path(args.results_dir), "imbench cost")
    costs(run_dir, args.profile, args.sheet, sys.stdout)
    return exitcodes.OK


def print_run_costs(run_dir: Path, profile_path: Path | None, out: TextIO) -> None:
    """Print the side-by-side cost table for a run folder; write cost.csv and cost.json into it."""
    costs(run_dir, profile_path, None, out)


def costs(
    run_dir: Path, profile_path: Path | None, sheet_refs: list[str] | None, out: TextIO
) -> None:
    # Read everything first, so a bad sheet or profile fails before anything is written.
    summary = read_summary(run_dir)
    profile = load_profile(profile_path)
    sheets = load_sheets(sheet_refs)
    quantities = derive(profile, summary)
    rows = table.ordered([table.row(price(s, quantities), quantities) for s in sheets])
    swings = sensitivity(profile, summary, sheets)
    out.write(
        f"cost of run {summary.run_id} ({summary.status}{', partial' if summary.partial else ''}) "
        f"under profile {profile.name}: {num(profile.peak_ccu)} peak CCU, {num(profile.mau)} MAU, per month\n"
    )
    note = call_shape_note(profile, summary)
    if note:
        out.write(note + "\n")
    if summary.status != "ok" or summary.partial:
        out.write(
            f"warning: run status {summary.status!r}{' (partial)' if summary.partial else ''}: "
            "its figures may not describe the backend; read the manifest's reasons\n"
        )
    out.write(table.render(rows))
    out.write("\n" + table.render_sensitivity(swings))
    context: dict[str, Any] = {
        "run_id": summary.run_id,
        "run_status": summary.status,
        "run_partial": summary.partial,
        "profile": profile.name,
        "profile_source": profile.source,
    }
    (run_dir / "cost.csv").write_text(table.to_csv(rows), encoding="utf-8")
    (run_dir / "cost.json").write_text(
        table.to_json(rows, quantities, context, swings), encoding="utf-8"
    )
    out.write(
        f"wrote {run_dir / 'cost.csv'} and {run_dir / 'cost.json'} (every line item with its provenance)\n"
    )
