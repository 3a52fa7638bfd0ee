"""The `imbench` command line. It parses arguments and hands over to the composition root.

Each sub-command is a function taking the parsed arguments and returning an exit code
(`harness.kernel.exitcodes`). Errors from the `harness.kernel.errors` tree become their exit code
and a message on stderr. Any other exception is a harness error: exit HARNESS_ERROR, one line on
stderr naming the log file that holds its traceback. A reader that closes stdout early (`| head`)
is not an error. Bad arguments are argparse's: usage on stderr, exit BAD_INPUT.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from harness.claims import commands as claims_commands
from harness.kernel import exitcodes
from harness.kernel.errors import ImbenchError

Command = Callable[[argparse.Namespace], int]


def _cmd_run(args: argparse.Namespace) -> int:
    from harness.app import run_command

    return run_command(args)


def _cmd_show(args: argparse.Namespace) -> int:
    from harness.app import show_command

    return show_command(args)


def _cmd_report(args: argparse.Namespace) -> int:
    from harness.report.command import report_command

    return report_command(args)


def _cmd_compare(args: argparse.Namespace) -> int:
    from harness.compare_command import compare_command

    return compare_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imbench",
        description="Measured POC load tests of IM and real-time video backends, mapped to cost.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and write results/<run-id>/")
    run.add_argument(
        "scenario", help="scenario file (TOML), e.g. workloads/scenarios/quickstart.toml"
    )
    run.add_argument(
        "--backend",
        metavar="NAME",
        default=None,
        help="run the scenario against this messaging backend instead of its [scenario] backend "
        "(embedded, ...); the scenario's [backend.NAME] table holds its options",
    )
    run.add_argument(
        "--results-dir", default="results", help="where run folders go (default: results)"
    )
    run.add_argument(
        "--locust-web",
        metavar="PORT",
        type=int,
        nargs="?",
        const=8089,
        default=None,
        help="also serve Locust's web UI on 127.0.0.1:PORT (default 8089) from the first generator",
    )
    run.add_argument("--quiet", action="store_true", help="no live progress lines")
    run.add_argument(
        "--profile",
        default=None,
        help="usage profile (TOML) for the closing cost table (default: the shipped profile)",
    )
    run.add_argument("--no-cost", action="store_true", help="skip the closing cost table")
    run.add_argument(
        "--no-report", action="store_true", help="do not write report.html and report.md"
    )
    claims_commands.add_run_options(run)
    run.set_defaults(func=_cmd_run)

    show = sub.add_parser("show", help="print a stored run's summary")
    show.add_argument("run", help="run folder, or run id under --results-dir")
    show.add_argument("--results-dir", default="results")
    show.add_argument("--json", action="store_true", help="print summary.json as is")
    show.set_defaults(func=_cmd_show)

    report = sub.add_parser(
        "report", help="write an HTML report (self-contained) and a Markdown summary of runs"
    )
    report.add_argument("runs", nargs="+", metavar="RUN", help="run folders or run ids")
    report.add_argument("--results-dir", default="results")
    report.add_argument(
        "--profile", default=None, help="usage profile (TOML) for the costs (default: shipped)"
    )
    report.add_argument(
        "--out",
        default=None,
        help="the HTML file (default: report.html in the run folder; for several runs "
        "<results-dir>/reports/compare-...html); the Markdown goes beside it",
    )
    report.set_defaults(func=_cmd_report)

    _add_compare(sub)

    _register_cost_commands(sub)
    claims_commands.register(sub)
    return parser


def _add_compare(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compare = sub.add_parser(
        "compare",
        help="stored runs side by side in one table: latency, delivery, backend CPU, RSS, wire, "
        "storage, self-hosted cost per concurrent user",
    )
    compare.add_argument(
        "first", metavar="RUN", help="run folder, or run id (prefix) under --results-dir"
    )
    compare.add_argument("others", metavar="RUN", nargs="+", help="the runs to set beside it")
    compare.add_argument("--results-dir", default="results")
    compare.add_argument(
        "--profile",
        default=None,
        help="usage profile (TOML) for the self-hosted costs (default: the shipped profile)",
    )
    compare.add_argument("--csv", default=None, metavar="PATH", help="also write the table as CSV")
    compare.add_argument("--json", default=None, metavar="PATH", help="also write it as JSON")
    compare.set_defaults(func=_cmd_compare)


def _register_cost_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `price` and `cost` from cost_mapping (its own module keeps its arguments)."""
    try:
        from cost_mapping.commands import register
    except ImportError:
        return
    register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        code = func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_went_away()
    except ImbenchError as exc:
        code = exc.exit_code
        _err(f"imbench: {exc}")
    except KeyboardInterrupt:
        code = exitcodes.ABORTED
        _err("imbench: interrupted")
    except Exception as exc:
        code = exitcodes.HARNESS_ERROR
        log = crash_log(exc)
        _err(f"imbench: harness error: {exc!r}; traceback in {log}")
    return code


def crash_log(exc: BaseException) -> Path:
    """Write the traceback of an exception nobody expected to a log file; its path."""
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    path = Path(tempfile.gettempdir()) / f"imbench-crash-{stamp}-{os.getpid()}.log"
    path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    return path


def _err(text: str) -> None:
    with contextlib.suppress(BrokenPipeError, ValueError):
        print(text, file=sys.stderr, flush=True)


def _reader_went_away() -> int:
    """stdout's reader closed the pipe: stop writing, quietly, and say the command did its part."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return exitcodes.OK


if __name__ == "__main__":
    sys.exit(main())
