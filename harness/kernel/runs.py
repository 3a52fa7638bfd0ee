"""Finding a run folder from what a user typed: a path, a run id, or a unique prefix of one.

Every command that takes a RUN argument resolves it here, so `imbench show`, `cost`, `compare`,
`report` and `check` accept the same things and fail the same way.
"""

from __future__ import annotations

from pathlib import Path

from harness.kernel.errors import BadInput

MANIFEST = "manifest.json"
MAX_LISTED = 10


def is_run_folder(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def resolve_run(arg: str, results_dir: Path, command: str = "imbench") -> Path:
    """The run folder `arg` names: a folder holding a manifest, or a run id (or unique prefix of
    one) under `results_dir`. Anything else is BadInput naming what was given and what exists."""
    direct = Path(arg)
    if is_run_folder(direct):
        return direct
    if direct.is_dir():
        raise BadInput(command, "RUN", arg, f"is a folder but not a run: it has no {MANIFEST}")
    if direct.is_absolute() or "/" in arg:
        raise BadInput(command, "RUN", arg, "no such run folder")
    runs = (
        sorted(p for p in results_dir.glob(f"{_escaped(arg)}*") if p.is_dir() and is_run_folder(p))
        if results_dir.is_dir()
        else []
    )
    exact = [p for p in runs if p.name == arg]
    if exact:
        return exact[0]
    if len(runs) == 1:
        return runs[0]
    if runs:
        listed = ", ".join(p.name for p in runs[:MAX_LISTED])
        more = f" and {len(runs) - MAX_LISTED} more" if len(runs) > MAX_LISTED else ""
        raise BadInput(
            command, "RUN", arg, f"matches {len(runs)} runs, give more of the id: {listed}{more}"
        )
    raise BadInput(
        command, "RUN", arg, f"no run folder by that path, nor a run id under {results_dir}/"
    )


def _escaped(prefix: str) -> str:
    """A run-id prefix as a glob pattern that matches it literally."""
    return "".join(f"[{c}]" if c in "*?[]" else c for c in prefix)
