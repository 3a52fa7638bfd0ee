"""A run's facts and provenance, from its manifest and summary: what ran, against what, where,
from which commit, how it was measured, and how it ended. Pure."""

from __future__ import annotations

import json
from typing import Any

from harness.report.document import Row, Table, Text
from harness.report.figure_text import amount
from harness.report.marks import marked, run_marks
from harness.report.run_records import RunRecords


def _workload(w: dict[str, Any]) -> str:
    kind = w.get("kind", "?")
    if kind in ("chat", "group"):
        text = f"{kind}: {w.get('users')} users at {w.get('send_rate_per_user_hz')} msgs/s each"
        if kind == "group":
            text += f", rooms of {w.get('room_size')}"
        return text
    return (
        f"{kind} {w.get('mode', '')}: {w.get('users')} users, rooms of {w.get('room_size')}, "
        f"{w.get('codec', '')} {w.get('resolution', '')} at {w.get('bitrate_mbps')} Mbps"
    ).replace("  ", " ")


def _server(info: dict[str, Any]) -> str:
    name = str(info.get("name", "none"))
    version = info.get("version")
    return f"{name} {version}" if version else name


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def fact_rows(run: RunRecords) -> list[tuple[str, str]]:
    """What ran and how it ended: (fact, text) pairs in reading order."""
    s, m = run.summary, run.manifest
    git = m.git
    commit = str(git.get("commit", "unknown")) + (
        " (uncommitted changes)" if git.get("dirty") else ""
    )
    workloads = [*m.scenario.get("workloads", []), *m.scenario.get("media", [])]
    return [
        ("run", marked(s)),
        ("status", str(s.status) + ("  (partial)" if s.partial else "")),
        *(("reason", r) for r in s.reasons),
        *(("note", n) for n in s.notes),
        *((f"mark {mk.word}", mk.meaning) for mk in run_marks(s)),
        ("scenario", f"{s.scenario} ({m.scenario_file})"),
        *(("workload", _workload(w)) for w in workloads),
        ("backend", _server(m.backend)),
        ("media backend", _server(m.media_backend) if s.media_backend != "none" else "none"),
        ("TURN relay", _server(m.turn)),
        ("network", s.net_method),
        ("load window", f"{s.load_window_s:g} s"),
        ("host", f"{m.host.get('hostname', '?')}: {_cpus_and_memory(m.host)}"),
        ("commit", commit),
    ]


def provenance_rows(run: RunRecords) -> list[tuple[str, str]]:
    """Where and with what it ran, and how each figure was measured."""
    m, host = run.manifest, run.manifest.host
    rows = [
        ("scenario sha256", m.scenario_sha256),
        ("backend config", _compact(m.backend.get("config", {}))),
        ("started (UTC)", m.start_utc),
        ("ended (UTC)", m.end_utc or "—"),
        ("operating system", f"{host.get('os', '?')} (kernel {host.get('kernel', '?')})"),
        ("Python", str(host.get("python", "?"))),
        ("packages", ", ".join(f"{k} {v}" for k, v in m.packages.items())),
    ]
    return rows + [(f"method: {k}", str(v)) for k, v in m.methods.items()]


def _cpus_and_memory(host: dict[str, Any]) -> str:
    memory = host.get("memory_bytes")
    cpus = f"{host.get('cpu_count', '?')} CPUs"
    return f"{cpus}, {amount(float(memory), 'bytes')}" if isinstance(memory, int) else cpus


def _rows(pairs: list[tuple[str, str]]) -> tuple[Row, ...]:
    return tuple(Row((k, v), key=k, flagged=k.startswith(("mark", "reason"))) for k, v in pairs)


def facts_blocks(run: RunRecords) -> list[Table | Text]:
    blocks: list[Table | Text] = [
        Text(f"{mk.word}: {mk.meaning}.", in_summary=True, warning=True)
        for mk in run_marks(run.summary)
    ]
    blocks.append(
        Table("What ran and how it ended", ("fact", "value"), _rows(fact_rows(run)), True)
    )
    blocks.append(
        Table("Provenance and measurement methods", ("fact", "value"), _rows(provenance_rows(run)))
    )
    return blocks
