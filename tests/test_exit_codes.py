"""Exit codes are API: every path through `imbench` ends with its own code, and none prints a
traceback. One table, one row per path; each row drives the real command (a subprocess, or
`harness.cli.main` in this process where a fault must be injected) and checks what it left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from harness import cli
from harness.kernel import exitcodes
from tests.conftest import IMBENCH, needs_root, run_processes
from tests.requirements import require_binary, require_root

pytestmark = pytest.mark.slow  # real servers, peers or imbench runs: not the fast suite

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    results: Path


@dataclass(frozen=True)
class Path_:
    """One row: how to drive the command, the exit code it must end with, what else must hold."""

    name: str
    drive: Callable[[Path, Callable[..., Path]], Outcome]
    code: int
    check: Callable[[Outcome], None] = lambda outcome: None
    heavy: bool = False


def _cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> tuple[int, str, str]:
    done = subprocess.run(
        [*IMBENCH, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout, env=env
    )
    return done.returncode, done.stdout, done.stderr


def _run_cli(tmp_path: Path, scenario: Path, env: dict[str, str] | None = None) -> Outcome:
    results = tmp_path / "results"
    code, out, err = _cli(
        "run", str(scenario), "--results-dir", str(results), "--no-cost", "--no-report", env=env
    )
    return Outcome(code, out, err, results)


def _only_run(results: Path) -> Path:
    runs = [p for p in results.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def _no_run_folder(outcome: Outcome) -> None:
    assert not outcome.results.exists() or list(outcome.results.iterdir()) == []


# --- bad input: refused before anything started ---------------------------------------------


def _malformed_scenario(tmp_path: Path, scenario_file: Callable[..., Path]) -> Outcome:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scenario]\nname = "x"\nduration_s = -1\n[[workload]]\nkind = "chat"\nusers = 3\n'
    )
    return _run_cli(tmp_path, bad)


def _bad_scenario_checks(outcome: Outcome) -> None:
    _no_run_folder(outcome)
    assert "scenario.duration_s = -1" in outcome.err


def _missing_backend_binary(tmp_path: Path, scenario_file: Callable[..., Path]) -> Outcome:
    """Janus asked for, but not on the PATH (a PATH holding only Python)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    scenario = tmp_path / "janus.toml"
    scenario.write_text(
        '[scenario]\nname = "j"\nduration_s = 5\n[media]\nbackend = "janus"\n'
        '[[workload]]\nkind = "video"\nusers = 2\n'
    )
    return _run_cli(tmp_path, scenario, env={**os.environ, "PATH": str(bin_dir)})


def _missing_backend_checks(outcome: Outcome) -> None:
    _no_run_folder(outcome)
    assert "media.backend = 'janus': is not installed here" in outcome.err
    assert "scripts/install-janus" in outcome.err


# --- a run's own statuses -----------------------------------------------------------------------


def _nothing_owed(tmp_path: Path, scenario_file: Callable[..., Path]) -> Outcome:
    """Two chat users at one message per 1,000 s: nothing is sent, so nothing was owed."""
    scenario = tmp_path / "idle.toml"
    scenario.write_text(
        '[scenario]\nname = "idle"\nduration_s = 2\nramp_s = 0\ndrain_s = 1\n'
        '[network]\nmode = "loopback"\n'
        '[[workload]]\nkind = "chat"\nusers = 2\nsend_rate_per_user_hz = 0.001\n'
    )
    return _run_cli(tmp_path, scenario)


def _invalid_checks(outcome: Outcome) -> None:
    summary = json.loads((_only_run(outcome.results) / "summary.json").read_text())
    assert summary["status"] == "invalid"
    assert "no delivery was owed" in " ".join(summary["reasons"])


def _start_cli_run(tmp_path: Path, scenario: Path) -> tuple[subprocess.Popen[str], Path]:
    results = tmp_path / "results"
    proc = subprocess.Popen(
        [*IMBENCH, "run", str(scenario), "--results-dir", str(results), "--no-cost", "--no-report"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    return proc, results


def wait_for_load(tmp_path: Path, proc: subprocess.Popen[str], seconds_of_load: float) -> None:
    """Until the run's Locust driver runs, then `seconds_of_load` more."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any("locust_driver" in " ".join(p.cmdline()) for p in run_processes(str(tmp_path))):
            time.sleep(seconds_of_load)
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError("the load never started")


def _backend_killed(tmp_path: Path, scenario_file: Callable[..., Path]) -> Outcome:
    proc, results = _start_cli_run(tmp_path, scenario_file(duration_s=30))
    wait_for_load(tmp_path, proc, 7.0)
    [backend] = [
        p for p in run_processes(str(tmp_path)) if "embedded_server" in " ".join(p.cmdline())
    ]
    os.kill(backend.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    return Outcome(proc.returncode, out, err, results)


def _backend_killed_checks(outcome: Outcome) -> None:
    run = _only_run(outcome.results)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["partial"] is True
    assert any(
        "backend embedded exited unexpectedly (killed by SIGKILL)" in r for r in summary["reasons"]
    ), summary["reasons"]
    assert json.loads((run / "manifest.json").read_text())["status"] == "failed"
    sent = pd.read_parquet(run / "sent.parquet")
    delivered = pd.read_parquet(run / "deliveries.parquet")
    assert len(sent) > 100 and len(delivered) > 100
    sessions = pd.read_parquet(run / "sessions.parquet")
    assert (sessions["event"] == "error").sum() > 0, "users saw their connections drop"
    code, out, err = _cli("show", str(run))
    assert code == exitcodes.RUN_FAILED and "(partial)" in out and "Traceback" not in err


def _interrupted(tmp_path: Path, scenario_file: Callable[..., Path]) -> Outcome:
    proc, results = _start_cli_run(tmp_path, scenario_file(duration_s=30))
    wait_for_load(tmp_path, proc, 6.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return Outcome(proc.returncode, out, err, results)


def _interrupted_checks(outcome: Outcome) -> None:
    assert "status   aborted  (partial)" in outcome.out and "interrupted by SIGINT" in outcome.out
    run = _only_run(outcome.results)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "aborted"
    assert summary["metrics"]["messaging.messages_delivered"]["value"] > 100
    raw_rows = len((run / "raw" / "recv-0.csv").read_text().splitlines()) - 1
    assert raw_rows == len(pd.read_parquet(run / "deliveries.parquet"))


def _in_process(tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err, tmp_path / "results")


# --- harness errors ------------------------------------------------------------------------------


def _harness_fault_in_run(tmp_path: Path, scenario_file: Callable[..., Path]) -> Outcome:
    raise NotImplementedError  # driven in-process below: it needs monkeypatch and capsys


def _harness_fault_checks(outcome: Outcome) -> None:
    run = _only_run(outcome.results)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "error"
    assert manifest["reasons"] == ["harness error: RuntimeError('injected harness fault')"]
    [line] = outcome.err.strip().splitlines()
    assert line.endswith(f"traceback in {run / 'harness-error.log'}"), line
    assert "RuntimeError: injected harness fault" in (run / "harness-error.log").read_text()


PATHS = [
    Path_(
        "a malformed scenario is bad input",
        _malformed_scenario,
        exitcodes.BAD_INPUT,
        _bad_scenario_checks,
    ),
    Path_(
        "a backend whose binary is missing is bad input",
        _missing_backend_binary,
        exitcodes.BAD_INPUT,
        _missing_backend_checks,
    ),
    Path_(
        "a run where nothing was owed is invalid",
        _nothing_owed,
        exitcodes.RUN_INVALID,
        _invalid_checks,
        heavy=True,
    ),
    Path_(
        "a backend killed mid-run is a failed run",
        _backend_killed,
        exitcodes.RUN_FAILED,
        _backend_killed_checks,
        heavy=True,
    ),
    Path_(
        "Ctrl-C aborts the run and keeps its records",
        _interrupted,
        exitcodes.ABORTED,
        _interrupted_checks,
        heavy=True,
    ),
]


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_every_path_ends_with_its_exit_code_and_no_traceback(
    path: Path_, tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    if path.heavy and path.drive in (_backend_killed, _interrupted):
        require_root("kills a process inside the run's namespace")
    outcome = path.drive(tmp_path, scenario_file)
    assert outcome.code == path.code, (outcome.out[-2000:], outcome.err[-2000:])
    assert "Traceback" not in outcome.err and "Traceback" not in outcome.out
    path.check(outcome)


def test_an_exception_inside_imbench_run_is_a_harness_error_with_its_status_recorded(
    tmp_path: Path,
    scenario_file: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    leaves_nothing_behind: None,
) -> None:
    from harness import run

    async def explode(self: object, *args: object) -> None:
        raise RuntimeError("injected harness fault")

    monkeypatch.setattr(run._Session, "_load", explode)
    argv = ["run", str(scenario_file()), "--results-dir", str(tmp_path / "results"), "--no-cost"]
    outcome = _in_process(tmp_path, [*argv, "--quiet"], capsys)
    assert outcome.code == exitcodes.HARNESS_ERROR
    _harness_fault_checks(outcome)


def test_an_environment_failure_mid_run_is_a_harness_error_not_a_dead_backend(
    tmp_path: Path,
    scenario_file: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    leaves_nothing_behind: None,
) -> None:
    from harness import run
    from harness.kernel.errors import EnvironmentProblem

    def no_network(mode: str, source: str) -> object:
        raise EnvironmentProblem("`ip netns add` failed: injected")

    monkeypatch.setattr(run, "create_network", no_network)
    argv = ["run", str(scenario_file()), "--results-dir", str(tmp_path / "results"), "--no-cost"]
    outcome = _in_process(tmp_path, [*argv, "--quiet"], capsys)
    assert outcome.code == exitcodes.HARNESS_ERROR, outcome.err
    manifest = json.loads((_only_run(tmp_path / "results") / "manifest.json").read_text())
    assert manifest["status"] == "error"
    assert manifest["reasons"] == ["harness error: `ip netns add` failed: injected"]


def test_an_unexpected_exception_in_any_command_exits_70_naming_its_traceback_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness import app

    def broken(args: object) -> int:
        raise ValueError("injected bug")

    monkeypatch.setattr(app, "show_command", broken)
    assert cli.main(["show", "anything"]) == exitcodes.HARNESS_ERROR
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("imbench: harness error: ValueError('injected bug'); traceback in ")
    log = Path(line.rsplit(" ", 1)[1])
    assert "ValueError: injected bug" in log.read_text()
    log.unlink()


def _run_folder(tmp_path: Path, summary: dict[str, object] | None) -> Path:
    run = tmp_path / "results" / "20261201T000000Z-x-embedded-0000"
    (run / "raw").mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps({"run_id": run.name, "status": "ok"}))
    if summary is not None:
        (run / "summary.json").write_text(json.dumps(summary))
    return run


@pytest.mark.parametrize(
    ("case", "make", "expected"),
    [
        (
            "a summary without a status",
            lambda tmp: _run_folder(tmp, {"schema": "imbench.summary/1", "metrics": {}}),
            "summary.json: status = None",
        ),
        (
            "a summary that is not JSON",
            lambda tmp: _write(_run_folder(tmp, None) / "summary.json", "{not json"),
            "valid JSON as docs/results.md describes",
        ),
        ("a folder without a manifest", lambda tmp: _mkdir(tmp / "empty"), "has no manifest.json"),
        ("a run id that matches nothing", lambda tmp: Path("2026-nothing"), "no run folder"),
    ],
)
def test_show_of_something_that_is_not_a_good_run_is_bad_input(
    case: str, make: Callable[[Path], Path], expected: str, tmp_path: Path
) -> None:
    target = make(tmp_path)
    code, out, err = _cli("show", str(target), "--results-dir", str(tmp_path / "results"))
    assert code == exitcodes.BAD_INPUT, (case, out, err)
    assert expected in err and "Traceback" not in err, (case, err)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path.parent


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def test_a_reader_that_closes_the_pipe_early_is_not_an_error(tmp_path: Path) -> None:
    summary = json.loads((ROOT / "tests" / "fixtures" / "summary_messaging.json").read_text())
    summary["reasons"] = [f"reason {i}: " + "x" * 100 for i in range(5_000)]  # > a pipe's buffer
    run = _run_folder(tmp_path, summary)
    proc = subprocess.Popen(
        [*IMBENCH, "show", "--json", str(run)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"{"
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == exitcodes.OK
    assert err == b""


@needs_root
def test_kill_9_of_imbench_run_leaves_nothing_and_the_next_show_says_abandoned(
    tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    require_binary("nsenter")  # util-linux, on every Debian
    proc, results = _start_cli_run(tmp_path, scenario_file(duration_s=30))
    wait_for_load(tmp_path, proc, 6.0)
    assert run_processes(str(tmp_path)), "the run's backend and generator are running"
    proc.kill()  # SIGKILL: no cleanup code of imbench runs
    proc.communicate(timeout=10)
    deadline = time.monotonic() + 5
    while run_processes(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert run_processes(str(tmp_path)) == []
    run = _only_run(results)
    assert json.loads((run / "manifest.json").read_text())["status"] == "running"

    code, out, err = _cli("show", str(run))
    assert code == exitcodes.HARNESS_ERROR, (out, err)
    assert "status   abandoned  (partial)" in out and "orchestrator" in out
    assert "Traceback" not in err
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "abandoned"
    assert summary["metrics"]["messaging.messages_delivered"]["value"] > 50
    assert json.loads((run / "manifest.json").read_text())["status"] == "abandoned"
    private = json.loads((run / "manifest.json").read_text())["private_dir"]
    assert not Path(private).exists()
