"""The run folder's life (harness/store.py): created once, JSON documents written whole, raw
records turned into Parquet tables that read back unchanged, and clear errors for a folder that
is not a run. (Torn raw lines: tests/test_raw_rows.py.)"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from harness.kernel import records
from harness.kernel.errors import BadInput
from harness.store import RunFolder, dropped_note, new_run_id
from harness.summary import RunData


def test_a_run_id_is_utc_start_scenario_backend_and_a_random_tag() -> None:
    start = datetime(2026, 3, 9, 7, 5, 2, tzinfo=UTC)
    run_id = new_run_id(start, "small", "embedded")
    assert re.fullmatch(r"20260309T070502Z-small-embedded-[0-9a-f]{4}", run_id), run_id
    assert len({new_run_id(start, "small", "embedded") for _ in range(50)}) > 40


@pytest.mark.parametrize(("lines", "word"), [(1, "line"), (2, "lines"), (0, "lines")])
def test_the_dropped_lines_note_counts_them(lines: int, word: str) -> None:
    assert dropped_note("raw/sent-0.csv", lines) == (
        f"raw/sent-0.csv: {lines} torn or malformed {word} dropped, not read"
    )


def test_a_folder_is_created_once_with_its_raw_directory(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path / "results", "r1")
    assert folder.path == tmp_path / "results" / "r1"
    assert folder.run_id == "r1"
    assert folder.raw == folder.path / "raw" and folder.raw.is_dir()
    with pytest.raises(FileExistsError):
        RunFolder.create(tmp_path / "results", "r1")


def test_manifest_and_summary_are_written_whole_indented_and_in_order(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "r")
    manifest = {"z_first": 1, "a_second": {"nested": [1, 2]}, "text": "é"}
    folder.write_manifest(manifest)
    folder.write_summary({"metrics": {}})
    text = (folder.path / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(manifest, indent=2) + "\n"
    assert list(json.loads(text)) == ["z_first", "a_second", "text"]
    assert folder.read_json("manifest.json") == manifest
    assert folder.read_json("summary.json") == {"metrics": {}}
    folder.write_summary({"metrics": {"x": 1}})  # replaced, not appended
    assert folder.read_json("summary.json") == {"metrics": {"x": 1}}
    assert sorted(p.name for p in folder.path.iterdir()) == ["manifest.json", "raw", "summary.json"]


def test_a_missing_or_broken_document_names_the_file(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "r")
    with pytest.raises(BadInput) as missing:
        folder.read_json("summary.json")
    assert missing.value.source == str(folder.path / "summary.json")
    assert missing.value.value == "(missing)"
    (folder.path / "summary.json").write_text("{not json")
    with pytest.raises(BadInput, match="is not valid JSON") as broken:
        folder.read_json("summary.json")
    assert broken.value.value == "(file)"


def _data() -> RunData:
    sent = pd.DataFrame(
        [[1_000, 900, 0, 0, 1, 0, 150, 190], [2_000, 1_900, 1, 1, 0, 0, 50, 90]],
        columns=records.SENT_COLUMNS,
    )
    recv = pd.DataFrame([[1_500, 1, 0, 0, 1, 0, 1_000, 150]], columns=records.RECV_COLUMNS)
    events = pd.DataFrame(
        [[100, 0, 0, 1, "ready", ""], [200, 1, 1, 0, "error", "boom"]],
        columns=records.EVENT_COLUMNS,
    )
    samples = pd.DataFrame(
        [[10, "backend", 1.5, 0.25, 1000, 0, 0, 2, None, None, None, None, None]],
        columns=records.SAMPLE_COLUMNS,
    )
    return RunData(sent, recv, events, samples, pd.DataFrame())


def test_finalized_tables_read_back_unchanged_from_parquet(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "r")
    media = pd.DataFrame({"stream": ["a", "b"], "recv_mbps": [1.5, 1.25]})
    data = _data()
    data = RunData(data.sent, data.recv, data.events, data.samples, data.stats, media)
    folder.finalize_tables(data)
    for name, columns in (
        ("sent.parquet", records.SENT_COLUMNS),
        ("samples.parquet", records.SAMPLE_COLUMNS),
        ("media_streams.parquet", ("stream", "recv_mbps")),
    ):  # the record columns only: no index column for other readers to trip on
        assert pq.read_schema(folder.path / name).names == list(columns), name
    names = {p.name for p in folder.path.iterdir()}
    assert names == {
        "raw",
        "sent.parquet",
        "deliveries.parquet",
        "sessions.parquet",
        "samples.parquet",
        "media_streams.parquet",
    }  # an empty media table (no joins) is not written
    loaded = folder.load()
    pd.testing.assert_frame_equal(loaded.sent, data.sent)
    pd.testing.assert_frame_equal(loaded.recv, data.recv)
    pd.testing.assert_frame_equal(loaded.events, data.events)
    pd.testing.assert_frame_equal(loaded.samples, data.samples)
    pd.testing.assert_frame_equal(loaded.media_streams, media)
    assert loaded.media_joins.empty
    assert loaded.notes == ()


def test_parquet_wins_over_raw_records_once_finalized(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "r")
    (folder.raw / "sent-0.csv").write_text(",".join(records.SENT_COLUMNS) + "\n5,5,5,0,0,0,5,5\n")
    assert folder.load().sent["t_ns"].tolist() == [5]  # not finalized: from raw/
    folder.finalize_tables(_data())
    assert folder.load().sent["t_ns"].tolist() == [1_000, 2_000]


def test_raw_records_of_every_generator_are_read_in_generator_order(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "r")
    header = ",".join(records.RECV_COLUMNS) + "\n"
    (folder.raw / "recv-1.csv").write_text(header + "20,2,0,0,0,1,10,150\n")
    (folder.raw / "recv-0.csv").write_text(header + "10,1,0,0,0,1,5,150\n11,1,0,0,0,2,6,150\n")
    (folder.raw / "stats-0.jsonl").write_text('{"sent": 3}\n{"sent": 5}\n')
    (folder.raw / "media-2.jsonl").write_text(
        '{"record": "media.sample", "stream": "s"}\n{"record": "media.join", "peer": 1}\n'
    )
    data = folder.load()
    assert data.recv["t_ns"].tolist() == [10, 11, 20]
    assert data.stats["sent"].tolist() == [3, 5]
    assert data.media_streams.to_dict("records") == [
        {"record": "media.sample", "stream": "s", "generator": 2}
    ]
    assert data.media_joins.to_dict("records") == [
        {"record": "media.join", "peer": 1, "generator": 2}
    ]
    assert folder.read_media("media.join")["peer"].tolist() == [1]
    assert folder.read_media("media.none").empty
    assert data.samples.empty and list(data.samples.columns) == list(records.SAMPLE_COLUMNS)


def test_a_media_join_table_is_finalized_under_its_name(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "r")
    data = _data()
    joins = pd.DataFrame({"peer": [1, 2], "join_ms": [120.5, 98.25]})
    folder.finalize_tables(
        RunData(data.sent, data.recv, data.events, data.samples, data.stats, media_joins=joins)
    )
    assert (folder.path / "media_joins.parquet").exists()
    assert not (folder.path / "media_streams.parquet").exists()
    assert pq.read_schema(folder.path / "media_joins.parquet").names == ["peer", "join_ms"]
    pd.testing.assert_frame_equal(folder.load().media_joins, joins)
