"""Named baselines: a finished run's folder kept under `<results>/baselines/<name>/` for
regression claims (`--baseline NAME`).

A baseline keeps what regression claims read: `manifest.json` (host facts, the scenario, the
window), `summary.json` and the run's Parquet tables (the per-interval samples, not only the
summary), plus `baseline.json` saying which run it came from and when it was saved. Saving never
overwrites: an existing name is refused unless `--replace` is given. Run folders under results/
are git-ignored; commit a baseline with `git add -f results/baselines/<name>`.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness.kernel.errors import BadInput
from harness.kernel.runs import MANIFEST, is_run_folder, resolve_run
from harness.kernel.status import RunStatus
from harness.kernel.summary import read_summary

FOLDER = "baselines"
RECORD = "baseline.json"
SCHEMA = "imbench.baseline/1"
KEPT = ("manifest.json", "summary.json")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Baseline:
    path: Path
    name: str
    """The baseline's name, or "" when a run folder is used directly as one."""
    run_id: str

    @property
    def label(self) -> str:
        return (
            f"baseline {self.name} (run {self.run_id})"
            if self.name
            else f"baseline run {self.run_id}"
        )


def baselines_dir(results_dir: Path) -> Path:
    return results_dir / FOLDER


def save(run_arg: str, name: str, results_dir: Path, *, replace: bool = False) -> Baseline:
    """Keep the run `run_arg` names as baseline `name`; BadInput for a bad name, a run that is
    not ok, or a name already taken (unless `replace`)."""
    command = "imbench baseline save"
    if not _NAME.fullmatch(name):
        accepted = "letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit)"
        raise BadInput(command, "NAME", name, accepted)
    source = resolve_run(run_arg, results_dir, command)
    summary = read_summary(source)
    if summary.status is not RunStatus.OK:
        reasons = "; ".join(summary.reasons)
        raise BadInput(
            command,
            "RUN",
            run_arg,
            f"a baseline must be an ok run; it is {summary.status} ({reasons})",
        )
    target = baselines_dir(results_dir) / name
    if target.exists():
        if not replace:
            existing = _run_id_of(target)
            raise BadInput(
                command,
                "NAME",
                name,
                f"is taken (baseline of run {existing}); choose another name, or --replace",
            )
        shutil.rmtree(target)
    staging = target.with_name(f".{name}.saving")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for kept in (*KEPT, *sorted(p.name for p in source.glob("*.parquet"))):
        shutil.copy2(source / kept, staging / kept)
    record = {
        "schema": SCHEMA,
        "name": name,
        "run_id": summary.run_id,
        "source": str(source),
        "saved_utc": datetime.now(UTC).isoformat(),
    }
    (staging / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    staging.rename(target)
    return Baseline(target, name, summary.run_id)


def find(arg: str, results_dir: Path, command: str) -> Baseline:
    """A baseline by name (under `<results>/baselines/`), else a run folder or run id used as one."""
    named = baselines_dir(results_dir) / arg
    if _NAME.fullmatch(arg) and is_run_folder(named):
        return Baseline(named, arg, _run_id_of(named))
    try:
        folder = resolve_run(arg, results_dir, command)
    except BadInput:
        known = ", ".join(listed(results_dir)) or "none saved yet"
        raise BadInput(
            command,
            "--baseline",
            arg,
            f"a baseline name ({known}) or a run folder / run id under {results_dir}/",
        ) from None
    return Baseline(folder, "", _run_id_of(folder))


def listed(results_dir: Path) -> list[str]:
    folder = baselines_dir(results_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / MANIFEST).is_file())


def _run_id_of(folder: Path) -> str:
    record = folder / RECORD
    try:
        return str(json.loads(record.read_text(encoding="utf-8"))["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return folder.name
