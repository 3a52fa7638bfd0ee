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
EXPLAINED = {
    "encoding": ("harness.kernel.config.read_toml__mutmut_20",),  # "UTF-8" names the same codec
    "keyword": (
        "harness.analysis.delivery_figures__mutmut_11",
        "harness.analysis.delivery_figures__mutmut_14",
        "harness.analysis.delivery_figures__mutmut_15",
        "harness.media_analysis.under_target__mutmut_52",
    ),
    "falsy": (
        "harness.store.RunFolderǁcreate__mutmut_5",
        "harness.store.RunFolderǁ_write_json__mutmut_10",
        "harness.kernel.config.Fieldsǁ__init____mutmut_5",
        "harness.kernel.config.Fieldsǁ_open__mutmut_30",
        "harness.kernel.config.Fieldsǁabandon__mutmut_1",
        "harness.kernel.config.Fieldsǁhas__mutmut_1",
        "harness.kernel.config.Fieldsǁ_lookup__mutmut_1",
        "harness.kernel.directory.Directoryǁfrom_dict__mutmut_30",
        "harness.kernel.records.json_lines__mutmut_8",
        "harness.analysis.expected_deliveries__mutmut_6",
        "harness.analysis.expected_deliveries__mutmut_22",
    ),
    "stand-in": (
        "harness.kernel.summary.parse_summary__mutmut_104",
        "harness.kernel.summary.parse_summary__mutmut_126",
        "harness.kernel.summary.Fieldsǁtext__mutmut_14",
        "harness.kernel.summary.Fieldsǁnumber__mutmut_12",
        "harness.kernel.config.Fieldsǁtext__mutmut_25",
        "harness.kernel.config.Fieldsǁtext__mutmut_26",
    ),
    "implied": (
        "harness.analysis.rolling_cpu_pct_max__mutmut_23",
        "harness.analysis.rolling_cpu_pct_max__mutmut_27",
        "harness.analysis.rolling_cpu_pct_max__mutmut_30",
        "harness.analysis.rolling_cpu_pct_max__mutmut_31",
        "harness.analysis.rolling_cpu_pct_max__mutmut_32",
        "harness.analysis.rolling_cpu_pct_max__mutmut_33",
        "harness.analysis.count_reordered__mutmut_10",
        "harness.summary.resource_metrics__mutmut_50",
        "harness.meters.sampler.Samplerǁ_track_cpu__mutmut_8",
        "harness.media_analysis.under_target__mutmut_16",
        "harness.summary.client_wire_metrics__mutmut_7",
        "harness.summary.wire_metrics__mutmut_46",
        "harness.summary.validity_reasons__mutmut_9",
        "harness.kernel.figures.allowed__mutmut_1",
        "harness.kernel.config.as_decimal__mutmut_9",
        "harness.kernel.status.parse_status__mutmut_2",
        "harness.kernel.runs.resolve_run__mutmut_33",
        "harness.kernel.runs.escaped__mutmut_4",
        "harness.kernel.runs.escaped__mutmut_6",
    ),
    "unreachable": (
        "harness.kernel.config.read_toml__mutmut_7",
        "harness.kernel.config.FileProblemsǁadd__mutmut_5",
        "harness.kernel.config.Fieldsǁ_open__mutmut_23",
        "harness.kernel.config.Fieldsǁ_child__mutmut_1",
        "harness.kernel.config.Fieldsǁ_child__mutmut_7",
        "harness.kernel.config.Fieldsǁchoice__mutmut_17",
        "harness.kernel.config.Fieldsǁchoice__mutmut_21",
        "harness.analysis.expected_deliveries__mutmut_4",
        "harness.analysis.expected_deliveries__mutmut_7",
        "harness.analysis.expected_deliveries__mutmut_10",
        "harness.analysis.expected_deliveries__mutmut_48",
        "harness.store.RunFolderǁread_media_records__mutmut_12",
        "harness.store.RunFolderǁread_media_records__mutmut_14",
        "workloads.payload.PayloadMakerǁ__init____mutmut_10",
    ),
    "filler": (
        "workloads.payload.PayloadMakerǁ__init____mutmut_12",
        "workloads.payload.PayloadMakerǁ__init____mutmut_15",
        "workloads.payload.PayloadMakerǁ__init____mutmut_19",
        "workloads.payload.PayloadMakerǁbody__mutmut_4",
    ),
    "hang guard": ("harness.meters.portwire.PortWireMeterǁ_nft__mutmut_13",),
}
"""Mutants judged one by one (by the short name the docs show), each class explained in
docs/testing.md: equivalent to the original for every input that can reach it. Numbers are
mutmut's per function: after a change to a function, check its entries against `mutmut show`."""
BY_NAME = {name: label for label, names in EXPLAINED.items() for name in names}
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


def classify(short: str, line: str) -> str:
    if short in BY_NAME:
        return BY_NAME[short]
    for label, pattern in CLASSES:
        if pattern.search(line):
            return label
    return "open"


def markdown(survivors: list[tuple[str, str]]) -> int:
    by_class: dict[str, list[str]] = defaultdict(list)
    for name, status in survivors:
        line = changed_line(name)
        short = name.split(".x", 1)[0] + "." + name.split(".x", 1)[1].lstrip("_ǁ")
        by_class[classify(short, line)].append(f"| `{short}` | {status} | `{line[:90]}` |")
    labels = dict.fromkeys([*(label for label, _ in CLASSES), *EXPLAINED, "open"])
    for label in labels:
        rows = by_class.get(label, [])
        print(f"\n#### {label} ({len(rows)})\n")
        if rows:
            print("| mutant | status | the mutated line |\n|---|---|---|")
            print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
