"""A comparison (harness.compare) as a terminal table, as CSV and as JSON. Pure.

The text table heads each run's column `#1`, `#2`, ... (with its marks) and lists the run ids
above it; a legend says why each mark is there. CSV is one row per column fact and per figure,
a column per run, figures as plain numbers (`n/a (reason)` where a run has none); JSON carries
the same columns and rows with each cell's number, its text and its reason.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from harness.compare import Column, Comparison

SCHEMA = "imbench.compare/1"
FACTS: tuple[tuple[str, str], ...] = (
    ("backend", "backend_text"),
    ("status", "status_text"),
    ("scenario", "scenario_text"),
    ("host", "host"),
)
"""The column facts shown above the figures: (row label, `Column` attribute)."""


def labels(comparison: Comparison) -> list[str]:
    return [f"#{i}" for i in range(1, len(comparison.columns) + 1)]


def to_text(comparison: Comparison) -> str:
    names = labels(comparison)
    lines = [f"imbench compare: {len(comparison.columns)} runs"]
    lines += [
        f"  {n}  {c.run_id}  ({c.path})" for n, c in zip(names, comparison.columns, strict=True)
    ]
    head = ("", *(c.heading(n) for n, c in zip(names, comparison.columns, strict=True)))
    facts = [(label, *(str(getattr(c, attr)) for c in comparison.columns)) for label, attr in FACTS]
    figures = [(r.label, *(cell.text for cell in r.cells)) for r in comparison.rows]
    table = [head, *facts, *figures]
    widths = [max(len(line[i]) for line in table) for i in range(len(head))]

    def line(cells: tuple[str, ...], numeric: bool) -> str:
        first = cells[0].ljust(widths[0])
        rest = [
            c.rjust(w) if numeric else c.ljust(w)
            for c, w in zip(cells[1:], widths[1:], strict=True)
        ]
        return "  ".join((first, *rest)).rstrip()

    lines += ["", line(head, False), "  ".join("-" * w for w in widths)]
    lines += [line(f, False) for f in facts]
    lines += [line(f, True) for f in figures]
    legend = comparison.legend(names)
    if legend:
        lines += ["", "marks (the first run is the one scenario and host are compared with):"]
        lines += [f"  {text}" for text in legend]
    else:
        lines += ["", "same scenario, same host, every run ok"]
    if comparison.profile_note:
        lines.append(comparison.profile_note)
    return "\n".join(lines) + "\n"


def _csv_number(value: float | None, text: str) -> str:
    return repr(value) if value is not None else text


def to_csv(comparison: Comparison) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    cols = comparison.columns
    writer.writerow(("row", "what", "unit", *(c.run_id for c in cols)))
    writer.writerow(("path", "run folder", "", *(c.path for c in cols)))
    writer.writerow(("backend", "backend", "", *(c.backend for c in cols)))
    writer.writerow(("backend_version", "backend version", "", *(c.backend_version for c in cols)))
    writer.writerow(("status", "status", "", *(str(c.status) for c in cols)))
    writer.writerow(("partial", "partial", "", *(str(c.partial).lower() for c in cols)))
    writer.writerow(("scenario", "scenario", "", *(c.scenario for c in cols)))
    writer.writerow(("scenario_sha256", "scenario sha256", "", *(c.scenario_sha256 for c in cols)))
    writer.writerow(("host", "host", "", *(c.host for c in cols)))
    writer.writerow(("marks", "marks", "", *(" ".join(m.word for m in c.marks) for c in cols)))
    for row in comparison.rows:
        cells = (_csv_number(cell.value, cell.text) for cell in row.cells)
        writer.writerow((row.key, row.label, row.unit, *cells))
    return buf.getvalue()


def _column_json(column: Column) -> dict[str, Any]:
    return {
        "run_id": column.run_id,
        "path": column.path,
        "backend": column.backend,
        "backend_version": column.backend_version,
        "status": str(column.status),
        "partial": column.partial,
        "reasons": list(column.reasons),
        "scenario": column.scenario,
        "scenario_sha256": column.scenario_sha256,
        "host": column.host,
        "marks": [{"mark": m.word, "meaning": m.meaning} for m in column.marks],
    }


def to_json(comparison: Comparison) -> str:
    doc = {
        "schema": SCHEMA,
        "profile": comparison.profile_note,
        "runs": [_column_json(c) for c in comparison.columns],
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "unit": row.unit,
                "better": str(row.better),
                "cells": [
                    {
                        "run_id": column.run_id,
                        "value": cell.value,
                        "text": cell.text,
                        "note": cell.note,
                    }
                    for column, cell in zip(comparison.columns, row.cells, strict=True)
                ],
            }
            for row in comparison.rows
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
