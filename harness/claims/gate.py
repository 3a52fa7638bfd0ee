"""The claims gate, composed: `imbench check CLAIMS RUN` and `imbench run SCENARIO --claims CLAIMS`.

Both parse and check the claims file against the scenario (for `check`, the one the run's manifest
resolved) and resolve the baseline before anything else; `run --claims` does it in the same step
that reads the scenario and asks whether this machine can run it, so a misspelt metric is bad input
(exit 2) reported with every other problem, before any load starts. Then the run is judged and the
verdicts written: terminal (or `--json`), `--junit PATH`, `--markdown PATH`; `run --claims` also
keeps them in the run folder as `claims.json`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from harness import preflight
from harness.claims import render
from harness.claims.baselines import Baseline, find
from harness.claims.claimsfile import ClaimsFile, load_claims
from harness.claims.evaluate import Judgement, judge
from harness.claims.evidence import gather, read_manifest, scenario_of, target_of
from harness.kernel.errors import BadInput, Problem
from harness.kernel.runs import resolve_run
from harness.scenario import Scenario, load_scenario

RUN_RECORD = "claims.json"


@dataclass(frozen=True)
class Outputs:
    junit: Path | None = None
    markdown: Path | None = None
    as_json: bool = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> Outputs:
        junit, markdown = getattr(args, "junit", None), getattr(args, "markdown", None)
        return cls(
            Path(junit) if junit else None,
            Path(markdown) if markdown else None,
            bool(getattr(args, "json", False)),
        )


@dataclass(frozen=True)
class Gate:
    """A claims file checked against a scenario, and the baseline its regressions compare with."""

    claims: ClaimsFile
    baseline: Baseline | None

    def judge(self, run_dir: Path) -> tuple[Judgement, render.Context]:
        blocks = self.baseline is not None and self.claims.regression
        run = gather(run_dir, f"run {run_dir.name}", self.claims, blocks=blocks, costs=True)
        base = None
        if self.baseline is not None:
            base = gather(
                self.baseline.path, self.baseline.label, self.claims, blocks=blocks, costs=False
            )
        context = render.Context(
            self.claims.path,
            self.claims.title,
            run.summary.run_id,
            self.baseline.label if self.baseline else "",
        )
        return judge(self.claims.claims, run, base), context


def emit(judgement: Judgement, context: render.Context, outputs: Outputs, out: TextIO) -> None:
    """Write the verdicts where asked: stdout (text or JSON), JUnit XML, Markdown."""
    out.write(
        render.json_text(judgement, context) if outputs.as_json else render.text(judgement, context)
    )
    written = []
    if outputs.junit is not None:
        _write(outputs.junit, render.junit(judgement, context))
        written.append(f"JUnit XML {outputs.junit}")
    if outputs.markdown is not None:
        _write(outputs.markdown, render.markdown(judgement, context))
        written.append(f"Markdown {outputs.markdown}")
    if written and not outputs.as_json:
        out.write(f"wrote {' and '.join(written)}\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- imbench check ------------------------------------------------------------------------------


def check(args: argparse.Namespace, out: TextIO) -> int:
    results = Path(args.results_dir)
    run_dir = resolve_run(args.run, results, "imbench check")
    manifest = read_manifest(run_dir)
    if not (run_dir / "summary.json").is_file():
        raise BadInput(
            "imbench check",
            "RUN",
            args.run,
            f"a finished run: it has no summary.json (status {manifest.status}; "
            "`imbench show RUN` finishes a run whose imbench vanished)",
        )
    baseline = find(args.baseline, results, "imbench check") if args.baseline else None
    target = target_of(scenario_of(manifest), baseline is not None)
    gate = Gate(load_claims(args.claims, target), baseline)
    judgement, context = gate.judge(run_dir)
    emit(judgement, context, Outputs.of(args), out)
    return judgement.exit_code


# --- imbench run --claims -----------------------------------------------------------------------


def prepare_run(args: argparse.Namespace) -> tuple[Scenario, Gate | None]:
    """The scenario and, with --claims, its gate — every problem of the scenario, the machine,
    the claims file and the baseline reported together as one BadInput, before any load."""
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = load_scenario(args.scenario, args.backend)
        problems += preflight.problems(scenario)
    except BadInput as exc:
        problems += exc.problems
    gate = None
    if args.claims:
        gate, found = _gate_for(args, scenario)
        problems += found
    else:
        problems.append(
            Problem("imbench run", "--claims", None, "--baseline, --junit and --markdown need it")
        )
    if problems:
        raise BadInput.of(problems)
    assert scenario is not None
    return scenario, gate


def _gate_for(
    args: argparse.Namespace, scenario: Scenario | None
) -> tuple[Gate | None, list[Problem]]:
    problems: list[Problem] = []
    baseline = None
    if args.baseline:
        try:
            baseline = find(args.baseline, Path(args.results_dir), "imbench run")
        except BadInput as exc:
            problems += exc.problems
    given = bool(args.baseline)
    try:
        claims = load_claims(args.claims, target_of(scenario, given, Path(args.scenario).stem))
    except BadInput as exc:
        return None, problems + list(exc.problems)
    return Gate(claims, baseline), problems


def judge_run(gate: Gate, run_dir: Path, args: argparse.Namespace, out: TextIO) -> int:
    """Judge a finished run; keep the verdicts in its folder; the gate's exit code."""
    judgement, context = gate.judge(run_dir)
    (run_dir / RUN_RECORD).write_text(render.json_text(judgement, context), encoding="utf-8")
    out.write("\n")
    emit(judgement, context, Outputs.of(args), out)
    return judgement.exit_code
