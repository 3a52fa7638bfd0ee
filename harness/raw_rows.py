"""Raw CSV record files read back whole rows only. Pure: the file's bytes in, rows out.

A row is read only when it is whole: its line ends with a newline, has exactly the header's number
of fields, and every field a figure is made from holds a number (a required one is not empty).
Anything else — the torn last line of a file whose writer was killed mid-write (`…,150` written as
`…,15`), a line with a field too many or too few, a number that is not one — is dropped and
counted, never read with an altered value. The count goes into the run's notes (harness.store).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd

from harness.kernel.records import whole_lines


@dataclass(frozen=True)
class CsvShape:
    """What a whole row of one raw file kind looks like."""

    columns: Sequence[str]
    text: Collection[str] = ()
    """Columns that hold words; every other column holds an integer or a float."""
    optional: Collection[str] = ()
    """Columns that may be empty (a meter column that does not apply to a row's source, an event's
    detail); every other column must hold a value."""
    integers: Collection[str] = ()
    """Numeric columns whose values must be whole numbers."""


def parse_csv(data: bytes, shape: CsvShape) -> tuple[pd.DataFrame, int]:
    """The whole rows of a raw CSV file and how many lines were dropped (see the module doc)."""
    complete, dropped = whole_lines(data)
    lines = complete.split(b"\n")[:-1]
    if not lines:
        return empty_frame(shape), dropped
    header, body = lines[0], [line for line in lines[1:] if line]
    width = header.count(b",") + 1
    fitting = [line for line in body if line.count(b",") == width - 1]
    dropped += len(body) - len(fitting)
    text = [c for c in shape.text if c in header.decode("utf-8", "replace").split(",")]
    frame = pd.read_csv(
        io.BytesIO(b"\n".join([header, *fitting, b""])),
        dtype={c: "string" for c in text},
        encoding_errors="replace",
    )
    missing = [c for c in shape.columns if c not in frame.columns]
    if missing:
        return empty_frame(shape), dropped + len(frame)
    malformed = pd.Series(False, index=frame.index)
    for column in shape.columns:
        if column in shape.text:
            continue
        number = pd.to_numeric(frame[column], errors="coerce")
        malformed |= number.isna() & frame[column].notna()
        if column in shape.integers:
            malformed |= number.notna() & (number % 1 != 0)
        frame[column] = number
    frame = frame[~malformed]
    whole = frame.dropna(subset=[c for c in shape.columns if c not in shape.optional])
    dropped += int(malformed.sum()) + len(frame) - len(whole)
    for column in shape.text:
        if column in shape.optional:
            whole = whole.assign(**{column: whole[column].fillna("")})
    for column in shape.integers:
        if column not in shape.optional:
            whole = whole.astype({column: "int64"})
    return whole.reset_index(drop=True), dropped


def empty_frame(shape: CsvShape) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(
                dtype="string" if c in shape.text else "int64" if c in shape.integers else "float64"
            )
            for c in shape.columns
        }
    )
