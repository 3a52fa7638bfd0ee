"""Claims files (TOML), read with the one config reader: every problem of the file at once, each
naming the file, the claim's field (`claim[2].expr`), the value and what is accepted.

    [claims]
    title = "Vendor X's published figures"    # optional: names the JUnit suite (default: file stem)
    profile = "default"                       # usage profile for cost claims: "default" (shipped)
                                              # or a path relative to this file

    [[claim]]
    expr = "chat.e2e_latency_ms.p99 < 250"    # the grammar: harness.claims.grammar, docs/claims.md
    name = "chat p99 under 250 ms"            # optional (default: the expression)
    source = "https://vendor.example/sla"     # optional: where the claim comes from
    profile = "profiles/big.toml"             # optional, cost claims only: overrides [claims].profile

Each expression is parsed (grammar) and then checked against the registry, the scenario, the
price sheets and whether a baseline was given (validate) — all before any load starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cost_mapping.profile import load_profile
from harness.claims.grammar import Expression, GrammarError, parse_expression
from harness.claims.validate import CostRef, Ref, Target, Unsupported, validate
from harness.kernel.config import Fields, read_toml
from harness.kernel.errors import BadInput, Problem

DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Claim:
    index: int
    name: str
    expression: Expression
    ref: Ref
    source: str
    """Where the claim comes from (a vendor page, an SLA); may be empty."""
    profile: Path | None
    """The usage profile a cost claim is priced under; None: the shipped default."""

    @property
    def field(self) -> str:
        return f"claim[{self.index}].expr"

    @property
    def text(self) -> str:
        return self.expression.text


@dataclass(frozen=True)
class ClaimsFile:
    path: str
    title: str
    claims: tuple[Claim, ...]

    @property
    def regression(self) -> bool:
        return any(c.expression.regression for c in self.claims)


def load_claims(path: Path | str, target: Target) -> ClaimsFile:
    """Read and check a claims file against `target`; one BadInput listing every problem."""
    source = str(path)
    top = Fields(source, read_toml(path, exact=True))
    head = top.table("claims")
    title = head.text("title", Path(path).stem)
    default_profile = head.text("profile", DEFAULT_PROFILE)
    head.done()
    claims: list[Claim] = []
    profiles: dict[Path | None, str] = {}
    items = top.tables("claim", required=True)
    if top.valid("claim") and not items:
        top.bad("claim", [], "must be one or more [[claim]] tables")
    for index, item in enumerate(items):
        claim = _claim(item, index, target, Path(path).parent, default_profile)
        if claim is not None:
            claims.append(claim)
            if isinstance(claim.ref, CostRef):
                own = item.has("profile")
                profiles.setdefault(
                    claim.profile, item.name("profile") if own else "claims.profile"
                )
    problems: list[Problem] = []
    try:
        top.finish()
    except BadInput as exc:
        problems += exc.problems
    for profile, field in profiles.items():
        problems += _profile_problems(source, field, profile)
    if problems:
        raise BadInput.of(problems)
    return ClaimsFile(source, title, tuple(claims))


def _claim(
    item: Fields, index: int, target: Target, folder: Path, default_profile: str
) -> Claim | None:
    text = item.text("expr")
    name = item.text("name", "")
    source = item.text("source", "")
    profile_text = item.text("profile", "")
    item.done()
    if not item.valid("expr"):
        return None
    try:
        expression = parse_expression(text)
        ref = validate(expression, target)
    except (GrammarError, Unsupported) as exc:
        item.bad("expr", text, str(exc))
        return None
    if profile_text and not isinstance(ref, CostRef):
        item.bad("profile", profile_text, "only a cost claim (cost.<sheet>.<figure>) is priced")
        return None
    profile = _profile_path(profile_text or default_profile, folder)
    return Claim(index, name or expression.text, expression, ref, source, profile)


def _profile_path(text: str, folder: Path) -> Path | None:
    if text == DEFAULT_PROFILE:
        return None
    path = Path(text)
    return path if path.is_absolute() else folder / path


def _profile_problems(source: str, field: str, profile: Path | None) -> list[Problem]:
    if profile is not None and not profile.is_file():
        accepted = f'"{DEFAULT_PROFILE}" or a usage profile file (relative to the claims file)'
        return [Problem(source, field, str(profile), accepted)]
    try:
        load_profile(profile)
    except BadInput as exc:
        return list(exc.problems)
    return []
