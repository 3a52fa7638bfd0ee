"""The metric table of docs/results.md, generated from the registry (harness.kernel.metrics).

    python -m harness.metrics_doc           rewrite the table in docs/results.md
    python -m harness.metrics_doc --check   exit 1 when the docs and the registry differ

The table sits between two marker comments; everything else in the document is prose.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from harness.kernel.metrics import DISTRIBUTION_STATS, SPECS, MetricSpec, Shape, WorkloadKind

DOC = Path(__file__).parents[1] / "docs" / "results.md"
BEGIN = "<!-- metric table: generated from harness/kernel/metrics.py by `python -m harness.metrics_doc` -->"
END = "<!-- end of metric table -->"


def _shape(spec: MetricSpec) -> str:
    if spec.shape is Shape.DISTRIBUTION:
        return "/".join(DISTRIBUTION_STATS)
    return "value, p25/p75" if spec.spread else "value"


def _produced_by(spec: MetricSpec) -> str:
    text = ", ".join(kind for kind in WorkloadKind if kind in spec.produced_by)
    if spec.needs_turn:
        text += ", with TURN"
    if spec.unless:
        text += ", without " + ", ".join(kind for kind in WorkloadKind if kind in spec.unless)
    return text


def markdown_table(specs: Sequence[MetricSpec] = SPECS) -> str:
    """One row per registered metric, in registry order."""
    lines = [
        "| metric | unit | shape | better | produced by | meaning |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{s.name}` | {s.unit} | {_shape(s)} | {s.better} | {_produced_by(s)} | {s.brief} |"
        for s in specs
    ]
    return "\n".join(lines)


def with_table(doc: str, table: str | None = None) -> str:
    """`doc` with the text between the markers replaced by the generated table."""
    head, begin, rest = doc.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"the metric table markers are missing: {BEGIN!r} ... {END!r}")
    return f"{head}{BEGIN}\n{markdown_table() if table is None else table}\n{END}{tail}"


def main(argv: Sequence[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    wanted = with_table(current)
    if "--check" in argv:
        if current != wanted:
            print(
                f"{DOC}: the metric table differs from the registry; run python -m harness.metrics_doc"
            )
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
