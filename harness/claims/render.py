"""A judgement of claims, written for its readers: the terminal, a pull-request comment (Markdown,
a GitHub-flavoured table), JSON for scripts (`imbench.claims/1`), and JUnit XML for CI test
views (the Jenkins/Ant schema pytest's xunit2 output follows: tests/fixtures/junit-10.xsd).

In JUnit a failed claim is a `<failure>`, an inconclusive one an `<error type="inconclusive">`:
CI shows both as not passed (an inconclusive claim is never a pass), and tells them apart.
"""

from __future__ import annotations

import json
import platform
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness.claims.evaluate import Judgement, Verdict
from harness.claims.outcome import Outcome, exit_meaning

SCHEMA = "imbench.claims/1"
LABELS = {Outcome.PASS: "PASS", Outcome.FAIL: "FAIL", Outcome.INCONCLUSIVE: "INCONCLUSIVE"}
MARKS = {Outcome.PASS: "✅", Outcome.FAIL: "❌", Outcome.INCONCLUSIVE: "⚠️"}


@dataclass(frozen=True)
class Context:
    """What the judgement was about, for headers and properties."""

    claims_file: str
    title: str
    run_id: str
    baseline: str
    """The baseline's label, or "" when none was given."""


def counts(judgement: Judgement) -> str:
    passed, failed = judgement.count(Outcome.PASS), judgement.count(Outcome.FAIL)
    return f"{passed} passed, {failed} failed, {judgement.count(Outcome.INCONCLUSIVE)} inconclusive"


def text(judgement: Judgement, ctx: Context) -> str:
    lines = [f"claims {ctx.claims_file} on run {ctx.run_id} ({judgement.status})"]
    if ctx.baseline:
        lines[0] += f" against {ctx.baseline}"
    width = max(len(LABELS[o]) for o in Outcome)
    for verdict in judgement.verdicts:
        lines.append(f"  {LABELS[verdict.outcome].ljust(width)}  {verdict.claim.text}")
        if verdict.claim.name != verdict.claim.text:
            lines.append(f"  {''.ljust(width)}  ({verdict.claim.name})")
        lines.append(f"  {''.ljust(width)}  {verdict.sentence}")
    code = judgement.exit_code
    lines.append(
        f"{len(judgement.verdicts)} claims: {counts(judgement)} → exit {code} ({exit_meaning(code)})"
    )
    return "\n".join(lines) + "\n"


def markdown(judgement: Judgement, ctx: Context) -> str:
    head = f"### imbench claims: {_md(ctx.title)}\n\nRun `{ctx.run_id}` ({judgement.status})"
    head += f" against {_md(ctx.baseline)}" if ctx.baseline else ""
    code = judgement.exit_code
    head += f": {counts(judgement)} — exit {code} ({exit_meaning(code)}).\n"
    rows = ["| | claim | verdict | evidence |", "|---|---|---|---|"]
    for v in judgement.verdicts:
        name = "" if v.claim.name == v.claim.text else f" {_md(v.claim.name)}"
        claim = f"`{v.claim.text.replace('|', '¦')}`{name}"
        rows.append(f"| {MARKS[v.outcome]} | {claim} | {v.outcome.value} | {_md(v.sentence)} |")
    return head + "\n" + "\n".join(rows) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipe, no HTML, no line break."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\n", " ")
    )


def to_json(judgement: Judgement, ctx: Context) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "claims_file": ctx.claims_file,
        "title": ctx.title,
        "run_id": ctx.run_id,
        "run_status": str(judgement.status),
        "baseline": ctx.baseline or None,
        "exit_code": judgement.exit_code,
        "claims": [_verdict_json(v) for v in judgement.verdicts],
    }


def _verdict_json(v: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": v.claim.name,
        "expr": v.claim.text,
        "source": v.claim.source or None,
        "outcome": v.outcome.value,
        "sentence": v.sentence,
        "observed": v.observed,
        "n": v.n,
        "baseline": v.baseline,
    }
    if v.shift is not None:
        s = v.shift
        out["comparison"] = {
            "change": s.change,
            "ci95": [_finite(s.low), _finite(s.high)],
            "p_beyond_bound": s.p_beyond,
            "blocks": [s.n_run, s.n_base],
            "host_change": v.host_change,
        }
    return out


def _finite(x: float) -> float | None:
    return x if abs(x) != float("inf") else None


def json_text(judgement: Judgement, ctx: Context) -> str:
    return json.dumps(to_json(judgement, ctx), indent=2) + "\n"


def junit(judgement: Judgement, ctx: Context, now: datetime | None = None) -> str:
    """JUnit XML: one suite for the claims file, one test case per claim."""
    failures = str(judgement.count(Outcome.FAIL))
    errors = str(judgement.count(Outcome.INCONCLUSIVE))
    tests = str(len(judgement.verdicts))
    root = ET.Element(
        "testsuites", name="imbench claims", tests=tests, failures=failures, errors=errors, time="0"
    )
    stamp = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    suite = ET.SubElement(
        root,
        "testsuite",
        name=ctx.title,
        tests=tests,
        failures=failures,
        errors=errors,
        skipped="0",
        time="0",
        timestamp=stamp,
        hostname=platform.node(),
        file=ctx.claims_file,
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", ctx.run_id),
        ("run_status", str(judgement.status)),
        ("baseline", ctx.baseline),
        ("exit_code", str(judgement.exit_code)),
    ):
        if value:
            ET.SubElement(properties, "property", name=name, value=value)
    classname = f"imbench.claims.{ctx.title}"
    for v in judgement.verdicts:
        case = ET.SubElement(suite, "testcase", name=v.claim.name, classname=classname, time="0")
        if v.outcome is Outcome.FAIL:
            ET.SubElement(case, "failure", type="claim failed", message=v.sentence).text = _body(v)
        elif v.outcome is Outcome.INCONCLUSIVE:
            ET.SubElement(case, "error", type="inconclusive", message=v.sentence).text = _body(v)
        ET.SubElement(case, "system-out").text = f"{v.claim.text}\n{v.sentence}\n"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _body(v: Verdict) -> str:
    source = f"\nsource: {v.claim.source}" if v.claim.source else ""
    return f"{v.claim.text}\n{v.sentence}{source}"
