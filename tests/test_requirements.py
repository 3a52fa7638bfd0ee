"""Skips that cannot hide (tests/requirements.py): a missing root or program skips a test locally
and fails it under CI=true, naming what is missing; and the whole suite, run under CI=true with
Janus hidden from PATH, fails and says `janus`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import conftest
from tests.requirements import in_ci, needs_binary, require_binary, require_root

REPO = Path(__file__).resolve().parents[1]
MISSING = "imbench-no-such-program"


@pytest.mark.parametrize(
    ("value", "ci"),
    [("true", True), ("TRUE", True), ("1", True), ("yes", True), ("", False), ("false", False)],
)
def test_ci_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, ci: bool
) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci() is ci


def test_without_ci_a_missing_program_skips_naming_it_and_its_installer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # not root: no installer is tried
    with pytest.raises(pytest.skip.Exception, match=f"`{MISSING}` is not on PATH; scripts/x"):
        require_binary(MISSING, install="scripts/x")


def test_an_installer_that_cannot_run_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(pytest.skip.Exception, match="scripts/no-such-installer could not run"):
        require_binary(MISSING, install="scripts/no-such-installer")


def test_under_ci_a_missing_program_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"CI=true and `{MISSING}` is not on PATH"):
        require_binary(MISSING, install="scripts/install-x")


def test_a_program_on_path_is_found_and_nothing_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    assert require_binary("sh", install="scripts/does-not-exist") == shutil.which("sh")


def test_as_root_outside_ci_the_installer_runs_and_its_failure_is_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    marker = tmp_path / "ran"
    installer = tmp_path / "install-x"
    installer.write_text(f"#!/bin/sh\ntouch {marker}\necho 'no such package' >&2\nexit 1\n")
    installer.chmod(0o755)
    with pytest.raises(pytest.skip.Exception, match=f"{installer} failed: no such package"):
        require_binary(MISSING, install=str(installer))
    assert marker.exists()


def test_as_root_the_installer_may_put_the_program_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    installer = tmp_path / "install-x"
    installer.write_text(f"#!/bin/sh\nprintf '#!/bin/sh\\n' > {bin_dir}/{MISSING}\n")
    installer.write_text(installer.read_text() + f"chmod +x {bin_dir}/{MISSING}\n")
    installer.chmod(0o755)
    assert require_binary(MISSING, install=str(installer)) == str(bin_dir / MISSING)


def test_under_ci_the_installer_is_not_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """scripts/bootstrap installed every backend before CI's tests; a missing one is a failure."""
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    marker = tmp_path / "ran"
    installer = tmp_path / "install-x"
    installer.write_text(f"#!/bin/sh\ntouch {marker}\n")
    installer.chmod(0o755)
    with pytest.raises(pytest.fail.Exception, match=MISSING):
        require_binary(MISSING, install=str(installer))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_without_root_a_root_test_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(outcome, match="not root"):
        require_root()
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    require_root()


class _Item:
    """The two pytest.Item methods the setup hook reads."""

    def __init__(self, *marks: pytest.Mark) -> None:
        self.marks = marks

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return next((m for m in self.marks if m.name == name), None)

    def iter_markers(self, name: str) -> list[pytest.Mark]:
        return [m for m in self.marks if m.name == name]


def test_the_root_mark_and_needs_binary_act_at_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(pytest.fail.Exception, match="not root"):
        conftest.pytest_runtest_setup(_Item(pytest.mark.root.mark))  # type: ignore[arg-type]
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    conftest.pytest_runtest_setup(_Item(pytest.mark.root.mark))  # type: ignore[arg-type]
    marks = (needs_binary("sh").mark, needs_binary(MISSING, install="scripts/install-x").mark)
    with pytest.raises(
        pytest.fail.Exception, match=f"`{MISSING}` is not on PATH; scripts/install-x"
    ):
        conftest.pytest_runtest_setup(_Item(*marks))  # type: ignore[arg-type]


def _path_without(tmp_path: Path, hidden: str) -> str:
    """A PATH of one folder linking every program of the current PATH except `hidden`."""
    folder = tmp_path / "path"
    folder.mkdir()
    for entry in os.environ["PATH"].split(os.pathsep):
        if not entry or not Path(entry).is_dir():
            continue
        for program in Path(entry).iterdir():
            link = folder / program.name
            if program.name != hidden and not link.exists() and os.access(program, os.X_OK):
                link.symlink_to(program)
    assert shutil.which(hidden, path=str(folder)) is None
    return str(folder)


def test_under_ci_with_janus_hidden_from_path_the_janus_test_fails_naming_it(
    tmp_path: Path,
) -> None:
    test = "tests/media/test_driver_backends.py::test_the_driver_holds_a_one_to_one_through_janus_at_target_without_loss"
    env = {**os.environ, "CI": "true", "PATH": _path_without(tmp_path, "janus")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE", test],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout[-2000:]
    assert "CI=true and `janus` is not on PATH; scripts/install-janus installs it" in done.stdout
    assert "1 error" in done.stdout and "skipped" not in done.stdout
