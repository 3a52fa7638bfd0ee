"""What a reader must know before trusting a run's figures, as short marks. Pure.

A run that did not end `ok` (invalid, failed, aborted, error, abandoned), a partial run, and a run
measured on shared loopback (no namespace of its own: approximate) carry marks; the report shows
them wherever it names the run — its banner, every section heading, chart titles, the comparison's
column heads, the Markdown summary — and the terminal summary says the same in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.kernel.status import RunStatus
from harness.kernel.summary import Summary
from harness.network import NET_LOOPBACK

STATUS_MEANING = {
    RunStatus.INVALID: "completed, but a load generator saturated or nothing was owed: "
    "the figures describe the generator, not the backend",
    RunStatus.FAILED: "the backend (or one of its processes) died or could not start",
    RunStatus.ABORTED: "interrupted (Ctrl-C, SIGTERM)",
    RunStatus.ERROR: "the harness or its environment failed mid-run",
    RunStatus.ABANDONED: "its imbench was killed outright; the figures were finished from raw/",
}
PARTIAL_MEANING = "the run did not complete: its figures cover only what happened before it stopped"
APPROXIMATE_MEANING = (
    "measured on shared loopback (no network namespace of its own): wire counters include "
    "every other loopback user, so its figures are approximate"
)


@dataclass(frozen=True)
class Mark:
    word: str
    """`INVALID`, `PARTIAL`, `APPROXIMATE`, ... in capitals."""
    meaning: str


def run_marks(summary: Summary) -> tuple[Mark, ...]:
    """The run's marks, worst first; empty for a complete `ok` run with its own namespace."""
    marks = []
    if summary.status is not RunStatus.OK:
        meaning = STATUS_MEANING.get(summary.status, str(summary.status))
        marks.append(Mark(summary.status.value.upper(), meaning))
    if summary.partial:
        marks.append(Mark("PARTIAL", PARTIAL_MEANING))
    if approximate(summary):
        marks.append(Mark("APPROXIMATE", APPROXIMATE_MEANING))
    return tuple(marks)


def approximate(summary: Summary) -> bool:
    return summary.net_method == NET_LOOPBACK


def marked(summary: Summary, text: str | None = None) -> str:
    """`text` (the run id by default) followed by the run's marks: `r1 [INVALID, PARTIAL]`."""
    words = [m.word for m in run_marks(summary)]
    base = summary.run_id if text is None else text
    return f"{base} [{', '.join(words)}]" if words else base
