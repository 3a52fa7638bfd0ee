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
from harness.summary import RunData

TABLES = {
    "sent": records.SENT_COLUMNS,
    "recv": records.RECV_COLUMNS,
    "events": records.EVENT_COLUMNS,
}
MEDIA_TABLES = {"media_streams.parquet": "media.sample", "media_joins.parquet": "media.join"}
PARQUET_NAMES = {"sent": "sent.parquet", "recv": "deliveries.parquet", "events": "sessions.parquet"}


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

    def read_raw(self, kind: str) -> pd.DataFrame:
        """All generators' raw CSV records of `kind`, whole rows only."""
        columns = list(TABLES[kind])
        frames = []
        for path in sorted(self.raw.glob(f"{kind}-*.csv")):
            frame = pd.read_csv(
                path, on_bad_lines="skip", dtype={"detail": "string", "event": "string"}
            )
            frames.append(frame.dropna(subset=[c for c in columns if c != "detail"]))
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
        data = pd.concat(frames, ignore_index=True)
        for column in columns:
            if column not in ("event", "detail"):
                data[column] = data[column].astype("int64")
        if "detail" in data:
            data["detail"] = data["detail"].fillna("")
        return data

    def read_samples(self) -> pd.DataFrame:
        path = self.raw / "samples.csv"
        if not path.exists():
            return pd.DataFrame(columns=list(records.SAMPLE_COLUMNS))
        return pd.read_csv(path, on_bad_lines="skip").dropna(subset=["t_ns", "source"])

    def read_stats(self) -> pd.DataFrame:
        rows = []
        for path in sorted(self.raw.glob("stats-*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return pd.DataFrame(rows)

    def read_media(self, record: str) -> pd.DataFrame:
        """Media drivers' JSONL records of one type (`media.sample`, `media.join`), with `generator`."""
        rows = []
        for path in sorted(self.raw.glob("media-*.jsonl")):
            generator = int(path.stem.split("-", 1)[1])
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line
                if row.get("record") == record:
                    row["generator"] = generator
                    rows.append(row)
        return pd.DataFrame(rows)

    def load(self) -> RunData:
        """The run's records: from Parquet when finalized, else from raw/."""
        tables = {}
        for kind, name in PARQUET_NAMES.items():
            path = self.path / name
            tables[kind] = pd.read_parquet(path) if path.exists() else self.read_raw(kind)
        samples_path = self.path / "samples.parquet"
        samples = pd.read_parquet(samples_path) if samples_path.exists() else self.read_samples()
        media = {}
        for name, record in MEDIA_TABLES.items():
            path = self.path / name
            media[name] = pd.read_parquet(path) if path.exists() else self.read_media(record)
        return RunData(
            tables["sent"],
            tables["recv"],
            tables["events"],
            samples,
            self.read_stats(),
            media["media_streams.parquet"],
            media["media_joins.parquet"],
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
