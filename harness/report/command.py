"""`imbench report RUN [RUN ...]`, and the report `imbench run` writes when a run ends.

    imbench report RUN [RUN ...] [--profile P] [--out FILE.html]

Writes one self-contained HTML page and its Markdown summary beside it (same name, `.md`): for
one run `report.html` and `report.md` in its run folder; for several
`<results-dir>/reports/compare-<first run id>-and-<n>-more.html`; or where `--out` says. Prints
the paths. Exit 0 when written, whatever the runs' status (the page marks it); bad input 2.
"""

from __future__ import annotations

import argparse
import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness.kernel import exitcodes
from harness.kernel.errors import BadInput
from harness.kernel.runs import resolve_run

REPORT_NAME = "report.html"


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    markdown: Path


def default_output(run_dirs: Sequence[Path], results_dir: Path) -> Path:
    if len(run_dirs) == 1:
        return run_dirs[0] / REPORT_NAME
    first = run_dirs[0].name
    return results_dir / "reports" / f"compare-{first}-and-{len(run_dirs) - 1}-more.html"


def _colophon(run_dirs: Sequence[Path], profile: Path | None) -> str:
    try:
        version = importlib.metadata.version("imbench")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
    runs = ", ".join(str(d) for d in run_dirs)
    return (
        f"Written by imbench {version} on {when} from the stored records of {runs}; "
        f"costs under {'profile ' + str(profile) if profile else 'the shipped usage profile'}."
    )


def write_report(run_dirs: Sequence[Path], out: Path, profile: Path | None = None) -> ReportFiles:
    """Read every run (and price it) first, so bad input fails before anything is written."""
    from harness.report.build import build_report
    from harness.report.costs import run_costs
    from harness.report.html_page import render_html
    from harness.report.markdown import render_markdown
    from harness.report.run_records import load_run

    if profile is not None and not profile.is_file():
        raise BadInput("--profile", "", str(profile), "must be an existing usage profile file")
    runs = [load_run(d) for d in run_dirs]
    costs = [run_costs(d, profile) for d in run_dirs]
    report = build_report(runs, costs, _colophon(run_dirs, profile))
    files = ReportFiles(out, out.with_suffix(".md"))
    out.parent.mkdir(parents=True, exist_ok=True)
    files.html.write_text(render_html(report), encoding="utf-8")
    files.markdown.write_text(render_markdown(report), encoding="utf-8")
    return files


def report_command(args: argparse.Namespace) -> int:
    results_dir = Path(args.results_dir)
    run_dirs = [resolve_run(arg, results_dir, "imbench report") for arg in args.runs]
    profile = Path(args.profile) if args.profile else None
    out = Path(args.out) if args.out else default_output(run_dirs, results_dir)
    if out.suffix != ".html":
        raise BadInput("imbench report", "--out", str(out), "a file name ending in .html")
    files = write_report(run_dirs, out, profile)
    print(f"report: {files.html}")
    print(f"summary: {files.markdown}")
    return exitcodes.OK
