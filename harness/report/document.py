"""A report as a document: sections of text, tables and charts, every cell already text.

Built once from the runs' records (harness.report.build) and rendered twice: to one
self-contained HTML page (harness.report.html_page) and to a Markdown summary
(harness.report.markdown), which keeps the blocks marked `in_summary` and leaves out charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.report.marks import Mark


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    key: str = ""
    """What the row is about, for readers and tests (a metric name, a sheet id, a stream)."""
    flagged: bool = False
    """Shown as a problem: a stream under target, a worse change, a bad status."""


@dataclass(frozen=True)
class Table:
    caption: str
    head: tuple[str, ...]
    rows: tuple[Row, ...]
    in_summary: bool = False
    numeric: tuple[int, ...] = ()
    """Columns holding figures (right-aligned, kept on one line)."""


@dataclass(frozen=True)
class Chart:
    svg: str
    caption: str


@dataclass(frozen=True)
class Text:
    text: str
    in_summary: bool = False
    warning: bool = False


Block = Table | Chart | Text


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]
    marks: tuple[Mark, ...] = ()
    """The marks of the run the section shows, repeated in its heading."""
    level: int = 2


@dataclass(frozen=True)
class Report:
    title: str
    marks: tuple[tuple[str, tuple[Mark, ...]], ...]
    """Per run id, its marks (the banner)."""
    sections: tuple[Section, ...] = field(default_factory=tuple)
    colophon: str = ""
    """Where the report came from: imbench's version, when, which run folders."""
