"""What reading a run folder back gives when records are missing, torn or spread over files
(harness/store.py, harness/raw_rows.py): empty tables keep their column types, every torn line of
every record file is counted in the run's notes, and a broken document is refused in whole words."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from harness.kernel import records
from harness.kernel.errors import BadInput
from harness.kernel.records import LineFile
from harness.store import RunFolder
from harness.summary import RunData

TORN_NOTE = "torn or malformed line dropped, not read"


def _folder(tmp_path: Path) -> RunFolder:
    return RunFolder.create(tmp_path, "r")


def test_empty_tables_keep_their_columns_and_types(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    for kind, columns in (("sent", records.SENT_COLUMNS), ("recv", records.RECV_COLUMNS)):
        empty = folder.read_raw(kind)
        assert empty.empty
        assert {c: str(t) for c, t in empty.dtypes.items()} == {c: "int64" for c in columns}
    events = folder.read_raw("events")
    assert {c: str(t) for c, t in events.dtypes.items()} == {
        c: "string" if c in ("event", "detail") else "int64" for c in records.EVENT_COLUMNS
    }
    assert list(events.columns) == list(records.EVENT_COLUMNS)
    samples = folder.read_samples()
    assert list(samples.columns) == list(records.SAMPLE_COLUMNS)
    assert {c: str(t) for c, t in samples.dtypes.items()} == {
        c: "string" if c == "source" else "int64" if c == "t_ns" else "float64"
        for c in records.SAMPLE_COLUMNS
    }


def _torn_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    out = LineFile(path)
    for row in rows:
        out.write(json.dumps(row))
    out.close()
    with path.open("ab") as fh:
        fh.write(b'{"record": "media.sample", "t_ns": 1')  # a writer killed mid-line


def test_progress_lines_of_every_generator_are_read_and_each_tear_counted(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _torn_jsonl(folder.raw / "stats-0.jsonl", [{"t_ns": 1, "generator": 0}])
    _torn_jsonl(folder.raw / "stats-1.jsonl", [{"t_ns": 2, "generator": 1}])
    notes: list[str] = []
    stats = folder.read_stats(notes)
    assert stats.to_dict("records") == [{"t_ns": 1, "generator": 0}, {"t_ns": 2, "generator": 1}]
    assert notes == [f"raw/stats-0.jsonl: 1 {TORN_NOTE}", f"raw/stats-1.jsonl: 1 {TORN_NOTE}"]


def test_a_run_loaded_from_raw_records_notes_the_tears_of_samples_media_and_progress(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path)
    (folder.raw / "samples.csv").write_text(
        ",".join(records.SAMPLE_COLUMNS) + "\n" + "1,bac", encoding="utf-8"
    )
    _torn_jsonl(folder.raw / "media-0.jsonl", [{"record": "media.sample", "t_ns": 1}])
    _torn_jsonl(folder.raw / "stats-0.jsonl", [{"t_ns": 1, "generator": 0}])
    data = folder.load()
    assert data.notes == (
        f"raw/samples.csv: 1 {TORN_NOTE}",
        f"raw/media-0.jsonl: 1 {TORN_NOTE}",
        f"raw/stats-0.jsonl: 1 {TORN_NOTE}",
    )
    assert data.media_streams["t_ns"].tolist() == [1]


def test_a_missing_or_broken_document_is_refused_in_whole_words(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    path = folder.path / "summary.json"
    with pytest.raises(BadInput) as missing:
        folder.read_json("summary.json")
    assert (
        str(missing.value)
        == f"{path} = '(missing)': this run has no such file; is the folder a run?"
    )
    assert missing.value.field == ""  # the file itself, not one of its fields
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BadInput) as broken:
        folder.read_json("summary.json")
    assert str(broken.value) == (
        f"{path} = '(file)': is not valid JSON: Expecting property name enclosed in double quotes:"
        " line 1 column 2 (char 1)"
    )
    assert broken.value.field == ""


def test_a_finalized_run_with_both_media_tables_does_not_read_its_raw_media_again(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path)
    _torn_jsonl(folder.raw / "media-0.jsonl", [{"record": "media.sample", "t_ns": 9}])
    empty = folder.load()
    streams = pd.DataFrame({"stream": ["a"], "t_ns": [1]})
    joins = pd.DataFrame({"stream": ["a"], "join_ms": [100.0]})
    folder.finalize_tables(
        RunData(empty.sent, empty.recv, empty.events, empty.samples, empty.stats, streams, joins)
    )
    data = folder.load()
    assert data.notes == ()  # the torn raw line was counted when finalizing, not again
    assert data.media_streams["t_ns"].tolist() == [1]
