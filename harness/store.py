"""The results run folder: `results/<run-id>/` with manifest, raw records, Parquet tables and summary.

Append-only and self-describing (see docs/results.md). Raw CSV records are what drivers flush while
the run goes; `finalize_tables` turns them into Parquet. A folder whose Parquet tables are missing
(the orchestrator was killed outright) is still read, from raw/.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from harness.kernel import records
from harness.kernel.errors import BadInput
from harness.raw_rows import CsvShape, empty_frame, parse_csv
from harness.summary import RunData

RAW_SHAPES = {
    "sent": CsvShape(records.SENT_COLUMNS, integers=records.SENT_COLUMNS),
    "recv": CsvShape(records.RECV_COLUMNS, integers=records.RECV_COLUMNS),
    "events": CsvShape(
        records.EVENT_COLUMNS,
        text=("event", "detail"),
        optional=("detail",),
        integers=("t_ns", "user", "kind", "target"),
    ),
}
SAMPLE_SHAPE = CsvShape(
    records.SAMPLE_COLUMNS,
    text=("source",),
    optional=records.SAMPLE_COLUMNS[2:],
    integers=("t_ns",),
)
MEDIA_TABLES = {"media_streams.parquet": "media.sample", "media_joins.parquet": "media.join"}
PARQUET_NAMES = {"sent": "sent.parquet", "recv": "deliveries.parquet", "events": "sessions.parquet"}


def dropped_note(file: str, lines: int) -> str:
    """The run's note for lines of a raw record file that were not read (torn or malformed)."""
    return f"{file}: {lines} torn or malformed line{'s' if lines != 1 else ''} dropped, not read"


def new_run_id(start_utc: datetime, scenario: str, backend: str) -> str:
    return f"{start_utc:%Y%m%dT%H%M%SZ}-{scenario}-{backend}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class RunFolder:
    path: Path

    @property
    def raw(self) -> Path:
        return self.path / "raw"

    @property
    def run_id(self) -> str:
        return self.path.name

    @classmethod
    def create(cls, results_dir: Path, run_id: str) -> RunFolder:
        folder = cls(results_dir / run_id)
        folder.raw.mkdir(parents=True, exist_ok=False)
        return folder

    def _write_json(self, name: str, doc: dict[str, Any]) -> None:
        tmp = self.path / f".{name}.tmp"
        tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / name)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self._write_json("manifest.json", manifest)

    def write_summary(self, summary: dict[str, Any]) -> None:
        self._write_json("summary.json", summary)

    def read_json(self, name: str) -> dict[str, Any]:
        path = self.path / name
        try:
            doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise BadInput(
                str(path), "", "(missing)", "this run has no such file; is the folder a run?"
            ) from exc
        except json.JSONDecodeError as exc:
            raise BadInput(str(path), "", "(file)", f"is not valid JSON: {exc}") from exc
        return doc

    def read_raw(self, kind: str, notes: list[str] | None = None) -> pd.DataFrame:
        """All generators' raw CSV records of `kind`, whole rows only (harness.raw_rows); each
        file's dropped lines are counted in `notes`."""
        frames = [
            self._csv(path, RAW_SHAPES[kind], notes)
            for path in sorted(self.raw.glob(f"{kind}-*.csv"))
        ]
        if not frames:
            return empty_frame(RAW_SHAPES[kind])
        return pd.concat(frames, ignore_index=True)

    def read_samples(self, notes: list[str] | None = None) -> pd.DataFrame:
        path = self.raw / "samples.csv"
        if not path.exists():
            return empty_frame(SAMPLE_SHAPE)
        return self._csv(path, SAMPLE_SHAPE, notes)

    def _csv(self, path: Path, shape: CsvShape, notes: list[str] | None) -> pd.DataFrame:
        frame, dropped = parse_csv(path.read_bytes(), shape)
        self._count(path, dropped, notes)
        return frame

    def _json_lines(self, path: Path, notes: list[str] | None) -> list[dict[str, Any]]:
        rows, dropped = records.json_lines(path.read_bytes())
        self._count(path, dropped, notes)
        return rows

    def _count(self, path: Path, dropped: int, notes: list[str] | None) -> None:
        if dropped and notes is not None:
            notes.append(dropped_note(str(path.relative_to(self.path)), dropped))

    def read_stats(self, notes: list[str] | None = None) -> pd.DataFrame:
        rows = []
        for path in sorted(self.raw.glob("stats-*.jsonl")):
            rows += self._json_lines(path, notes)
        return pd.DataFrame(rows)

    def read_media(self, record: str) -> pd.DataFrame:
        """Media drivers' JSONL records of one type (`media.sample`, `media.join`), with `generator`."""
        return self.read_media_records(None).get(record, pd.DataFrame())

    def read_media_records(self, notes: list[str] | None) -> dict[str, pd.DataFrame]:
        """Every media driver record by type, with `generator`; each file read once."""
        by_record: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(self.raw.glob("media-*.jsonl")):
            generator = int(path.stem.split("-", 1)[1])
            for row in self._json_lines(path, notes):
                row["generator"] = generator
                by_record.setdefault(str(row.get("record")), []).append(row)
        return {record: pd.DataFrame(rows) for record, rows in by_record.items()}

    def load(self) -> RunData:
        """The run's records: from Parquet when finalized, else from raw/ (whole rows only; the
        lines dropped are counted in the RunData's notes)."""
        notes: list[str] = []
        tables = {}
        for kind, name in PARQUET_NAMES.items():
            path = self.path / name
            tables[kind] = pd.read_parquet(path) if path.exists() else self.read_raw(kind, notes)
        samples_path = self.path / "samples.parquet"
        samples = (
            pd.read_parquet(samples_path) if samples_path.exists() else self.read_samples(notes)
        )
        media = {name: self.path / name for name in MEDIA_TABLES}
        raw_media = (
            {} if all(p.exists() for p in media.values()) else self.read_media_records(notes)
        )
        tables_media = {
            name: pd.read_parquet(path)
            if path.exists()
            else raw_media.get(MEDIA_TABLES[name], pd.DataFrame())
            for name, path in media.items()
        }
        return RunData(
            tables["sent"],
            tables["recv"],
            tables["events"],
            samples,
            self.read_stats(notes),
            tables_media["media_streams.parquet"],
            tables_media["media_joins.parquet"],
            notes=tuple(notes),
        )

    def finalize_tables(self, data: RunData) -> None:
        for kind, name in PARQUET_NAMES.items():
            getattr(data, kind).to_parquet(self.path / name, index=False)
        data.samples.to_parquet(self.path / "samples.parquet", index=False)
        for name, table in (
            ("media_streams.parquet", data.media_streams),
            ("media_joins.parquet", data.media_joins),
        ):
            if not table.empty:
                table.to_parquet(self.path / name, index=False)
