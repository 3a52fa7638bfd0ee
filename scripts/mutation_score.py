#!/usr/bin/env python3
"""The mutation score of the last `mutmut run` (scripts/mutate): killed / all mutants, per module
and overall, and every mutant that was not killed, from `mutmut results --all true`.

Killed: a test failed (killed), hung (timeout) or crashed (segfault). Not killed: no test failed
(survived), no test of the selection calls the mutated function (no tests), or the run was
unstable (suspicious). Exits 1 when the overall score is below --min-pct.

    .venv/bin/python scripts/mutation_score.py [--min-pct 85] [--elapsed-s N] [--names | --markdown]

`--markdown` prints the mutants not killed for docs/testing.md, each with the line it changes,
sorted into the classes the docs explain (a change below the figures' precision, a keyword
equal in effect to the default, ...) by what the change looks like; the rest are open.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

KILLED = {"killed", "timeout", "segfault"}
NOT_KILLED = {"survived", "no tests", "suspicious"}
CLASSES = (
    ("precision", re.compile(r"\b(1000000001\.0|1000001\.0|800000001\.0)")),
    ("encoding", re.compile(r"encoding=(None|\"UTF-8\")|(open|read_text|write_text)\(.*, \)")),
    (
        "keyword",
        re.compile(
            r"\b(index|drop|as_index)=(None|False)|\b(kind|strict|how|timeout|n|cutoff|side)="
            r"|, \)"
        ),
    ),
)
"""Mutants by what they change: a divisor off by one part in 10^9 (figures keep 6 significant
digits); the text encoding under a UTF-8 locale; a keyword argument or trailing argument whose
value has the default's effect on the data it gets. docs/testing.md explains each class."""
MUTANT = re.compile(r"^\s*(?P<name>\S+?)\.x(?:_|ǁ)\S*__mutmut_\d+: (?P<status>.+?)\s*$")


def results() -> list[tuple[str, str, str]]:
    """(module, mutant, status) of every mutant mutmut knows."""
    mutmut = Path(sys.executable).with_name("mutmut")
    done = subprocess.run(
        [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
    )
    found = []
    for line in done.stdout.splitlines():
        match = MUTANT.match(line)
        if match:
            found.append((match["name"], line.strip().rsplit(": ", 1)[0], match["status"]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-pct", type=float, default=85.0)
    parser.add_argument("--elapsed-s", type=float, default=None)
    parser.add_argument(
        "--names", action="store_true", help="only print the mutants not killed (or not run)"
    )
    parser.add_argument("--markdown", action="store_true", help="the survivors for the docs")
    args = parser.parse_args()
    mutants = results()
    if args.markdown:
        return markdown([(m, s) for _, m, s in mutants if s in NOT_KILLED])
    if args.names:
        for _, name, status in mutants:
            if status not in KILLED:  # not killed, or not run yet
                print(name)
        return 0
    if not mutants:
        print("mutation_score: no mutants; run scripts/mutate first", file=sys.stderr)
        return 2
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    unknown = Counter(s for _, _, s in mutants if s not in KILLED | NOT_KILLED)
    for module, _, status in mutants:
        by_module[module][status] += 1
    width = max(len(m) for m in by_module)
    print(f"{'module':<{width}}  killed / mutants   score  (survived, no tests)")
    for module in sorted(by_module):
        counts = by_module[module]
        killed, total = sum(counts[s] for s in KILLED), sum(counts.values())
        print(
            f"{module:<{width}}  {killed:>6} / {total:<7}  {100 * killed / total:5.1f}%"
            f"  ({counts['survived']}, {counts['no tests']})"
        )
    killed = sum(1 for _, _, s in mutants if s in KILLED)
    score_pct = 100 * killed / len(mutants)
    print(f"{'overall':<{width}}  {killed:>6} / {len(mutants):<7}  {score_pct:5.1f}%")
    if args.elapsed_s is not None:
        print(f"mutation run took {args.elapsed_s:.0f} s")
    if unknown:
        print(f"not finished: {dict(unknown)}; rerun scripts/mutate", file=sys.stderr)
        return 2
    survivors = [(m, s) for _, m, s in mutants if s in NOT_KILLED]
    if survivors:
        print(f"\nnot killed ({len(survivors)}; `.venv/bin/mutmut show <name>` shows the change):")
        for name, status in survivors:
            print(f"  {name}: {status}")
    if score_pct < args.min_pct:
        print(f"score {score_pct:.1f}% is below {args.min_pct:.0f}%", file=sys.stderr)
        return 1
    return 0


def changed_line(name: str) -> str:
    """The mutant's new line, from `mutmut show` (the first added line of its diff)."""
    mutmut = Path(sys.executable).with_name("mutmut")
    shown = subprocess.run([str(mutmut), "show", name], capture_output=True, text=True).stdout
    added = [
        ln[1:].strip()
        for ln in shown.splitlines()
        if ln.startswith("+") and not ln.startswith("+++")
    ]
    removed = [
        ln[1:].strip()
        for ln in shown.splitlines()
        if ln.startswith("-") and not ln.startswith("---")
    ]
    return (added or [f"(removed) {removed[0]}" if removed else ""])[0]


def classify(line: str) -> str:
    for label, pattern in CLASSES:
        if pattern.search(line):
            return label
    return "open"


def markdown(survivors: list[tuple[str, str]]) -> int:
    by_class: dict[str, list[str]] = defaultdict(list)
    for name, status in survivors:
        line = changed_line(name)
        short = name.split(".x", 1)[0] + "." + name.split(".x", 1)[1].lstrip("_ǁ")
        by_class[classify(line)].append(f"| `{short}` | {status} | `{line[:90]}` |")
    for label, _ in (*CLASSES, ("open", None)):
        rows = by_class.get(label, [])
        print(f"\n#### {label} ({len(rows)})\n")
        if rows:
            print("| mutant | status | the mutated line |\n|---|---|---|")
            print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
