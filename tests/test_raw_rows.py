"""Raw record files read back whole rows only: a line torn at any byte, or malformed, is dropped and
counted in the run's notes — never read with an altered value."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from harness.analysis import Window
from harness.finalize import RunState, finalize_run
from harness.kernel import records
from harness.kernel.records import LineFile, RecordFile, SampleRow
from harness.manifest import Manifest
from harness.progress import summary_table
from harness.store import RunFolder

SENT_ROWS = [
    (1_000_000_000, 999_000_000, 3, 0, 4, 1, 150, 170),
    (1_200_000_000, 1_190_000_000, 3, 0, 4, 2, 150, 170),
]
TORN = (1_400_000_000, 1_390_000_000, 3, 0, 4, 3, 160, 150)
"""The row torn at every byte: its last field is 150, which cut after two digits reads as 15."""


def run_folder(tmp_path: Path) -> RunFolder:
    folder = RunFolder(tmp_path / "run")
    folder.raw.mkdir(parents=True)
    return folder


def write_rows(path: Path, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Rows written by the drivers' own writer, flushed as a driver flushes them."""
    out = RecordFile(path, columns)
    out.rows += rows
    out.close()


def line_of(columns: tuple[str, ...], row: tuple[object, ...], tmp_path: Path) -> bytes:
    """The exact bytes the drivers' writer puts on disk for `row`, newline included."""
    path = tmp_path / "one-row.csv"
    write_rows(path, columns, [row])
    return path.read_bytes().split(b"\n", 1)[1]


def cuts(line: bytes) -> list[int]:
    """Every length a torn copy of `line` can have on disk: nothing of it, ..., all but its newline."""
    return list(range(len(line)))


def test_a_sent_row_torn_at_every_byte_is_never_read_and_each_tear_is_counted(
    tmp_path: Path,
) -> None:
    folder = run_folder(tmp_path)
    path = folder.raw / "sent-0.csv"
    write_rows(path, records.SENT_COLUMNS, SENT_ROWS)
    whole = path.read_bytes()
    line = line_of(records.SENT_COLUMNS, TORN, tmp_path)
    assert line.endswith(b",160,150\n")
    for cut in cuts(line):
        path.write_bytes(whole + line[:cut])
        notes: list[str] = []
        read = folder.read_raw("sent", notes)
        assert list(read.itertuples(index=False, name=None)) == SENT_ROWS, (cut, line[:cut])
        assert notes == (
            ["raw/sent-0.csv: 1 torn or malformed line dropped, not read"] if cut else []
        ), cut
    path.write_bytes(whole + line)  # the same row whole: read, value intact
    notes = []
    read = folder.read_raw("sent", notes)
    assert list(read.itertuples(index=False, name=None)) == [*SENT_ROWS, TORN] and notes == []
    assert read["frame_bytes"].dtype == "int64"


def test_an_event_row_torn_at_every_byte_never_reads_a_cut_word(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    path = folder.raw / "events-0.csv"
    kept = [(5, 1, 0, 2, "ready", ""), (9, 1, 0, 2, "stop", "")]
    write_rows(path, records.EVENT_COLUMNS, kept)
    whole = path.read_bytes()
    line = line_of(records.EVENT_COLUMNS, (12, 1, 0, 2, "error", "receive: closed"), tmp_path)
    for cut in cuts(line):
        path.write_bytes(whole + line[:cut])
        notes: list[str] = []
        read = folder.read_raw("events", notes)
        assert list(read.itertuples(index=False, name=None)) == kept, cut
        assert len(notes) == (1 if cut else 0)


def test_a_meter_sample_torn_at_every_byte_is_never_read(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    path = folder.raw / "samples.csv"
    rows = [
        SampleRow(1_000, "backend", 0.25, 0.5, 40_960, 0, 8192, 1).as_row(),
        SampleRow(1_000, "storage", storage_bytes=4096).as_row(),
    ]
    write_rows(path, records.SAMPLE_COLUMNS, rows)
    whole = path.read_bytes()
    line = line_of(
        records.SAMPLE_COLUMNS, SampleRow(2_000, "storage", storage_bytes=8192).as_row(), tmp_path
    )
    for cut in cuts(line):
        path.write_bytes(whole + line[:cut])
        notes: list[str] = []
        read = folder.read_samples(notes)
        assert read["storage_bytes"].dropna().tolist() == [4096], cut
        assert read["t_ns"].tolist() == [1_000, 1_000] and read["cpu_system_s"].iloc[0] == 0.5
        assert len(notes) == (1 if cut else 0), cut


def test_a_media_record_torn_at_every_byte_is_never_read(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    path = folder.raw / "media-0.jsonl"
    out = LineFile(path)
    out.write(json.dumps({"record": "media.sample", "peer": "p0", "payload_bytes": 187_500}))
    out.close()
    whole = path.read_bytes()
    line = json.dumps({"record": "media.sample", "peer": "p1", "payload_bytes": 150}).encode()
    for cut in cuts(line + b"\n"):
        path.write_bytes(whole + line[:cut])
        notes: list[str] = []
        media = folder.read_media_records(notes)["media.sample"]
        assert media["payload_bytes"].tolist() == [187_500], cut
        assert notes == (
            ["raw/media-0.jsonl: 1 torn or malformed line dropped, not read"] if cut else []
        )


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"1300000000,1290000000,3,0,4,9,,170\n", "an empty field"),
        (b"1300000000,1290000000,3,0,4,9,150\n", "a field too few"),
        (b"1300000000,1290000000,3,0,4,9,150,170,5\n", "a field too many"),
        (b"1300000000,1290000000,3,0,4,9,1x0,170\n", "a number that is not one"),
        (b"1300000000,1290000000,3,0,4,9,150.5,170\n", "a fraction of a byte"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_malformed_row_inside_a_file_is_dropped_and_counted_not_patched(
    tmp_path: Path, line: bytes, why: str
) -> None:
    folder = run_folder(tmp_path)
    path = folder.raw / "sent-0.csv"
    write_rows(path, records.SENT_COLUMNS, SENT_ROWS[:1])
    with path.open("ab") as fh:
        fh.write(line)
    write_rows(folder.raw / "sent-1.csv", records.SENT_COLUMNS, SENT_ROWS[1:])
    notes: list[str] = []
    read = folder.read_raw("sent", notes)
    assert list(read.itertuples(index=False, name=None)) == SENT_ROWS, why
    assert notes == ["raw/sent-0.csv: 1 torn or malformed line dropped, not read"], why


def test_a_run_finished_from_torn_records_says_so_in_its_notes_and_its_figures_leave_them_out(
    tmp_path: Path,
) -> None:
    folder = run_folder(tmp_path)
    ms = 1_000_000
    write_rows(
        folder.raw / "events-0.csv",
        records.EVENT_COLUMNS,
        [(1 * ms, 0, 0, 1, "ready", ""), (1 * ms, 1, 0, 0, "ready", "")],
    )
    write_rows(
        folder.raw / "sent-0.csv",
        records.SENT_COLUMNS,
        [(10 * ms, 10 * ms, 0, 0, 1, 1, 150, 170), (20 * ms, 20 * ms, 0, 0, 1, 2, 150, 170)],
    )
    with (folder.raw / "sent-0.csv").open("ab") as fh:
        fh.write(b"30000000,30000000,0,0,1,3,15")  # killed mid-row: 150 cut to 15
    write_rows(
        folder.raw / "recv-0.csv",
        records.RECV_COLUMNS,
        [(11 * ms, 1, 0, 0, -1, 1, 10 * ms, 150), (21 * ms, 1, 0, 0, -1, 2, 20 * ms, 150)],
    )
    manifest = Manifest.from_json(
        {
            "status": "running",
            "scenario": {"name": "torn"},
            "backend": {"name": "embedded"},
            "methods": {"net_method": "loopback-shared"},
        },
        "test",
    )
    result = finalize_run(folder, manifest, RunState(window=Window(0, 25 * ms, 40 * ms)))
    note = "raw/sent-0.csv: 1 torn or malformed line dropped, not read"
    assert result.summary.notes == (note,)
    assert json.loads((folder.path / "summary.json").read_text())["notes"] == [note]
    assert json.loads((folder.path / "manifest.json").read_text())["notes"] == [note]
    assert f"note     {note}" in summary_table(result.summary).splitlines()
    metrics = result.summary.metrics
    assert metrics["messaging.messages_sent"].value == 2  # the torn third message is not counted
    assert metrics["messaging.payload_bytes_mean"].value == 150  # (150 + 150) / 2, no 15 in it
    assert pd.read_parquet(folder.path / "sent.parquet")["payload_bytes"].tolist() == [150, 150]
