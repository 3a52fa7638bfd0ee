"""A run's status, what each means for the exit code, and which wins when several apply.

    running    the orchestrator is at work (only ever seen in the manifest of a live run)
    ok         completed; its figures describe the backend                      exit OK
    invalid    completed, but the figures describe the load generator            exit RUN_INVALID
    failed     the backend died or could not start                               exit RUN_FAILED
    aborted    interrupted (Ctrl-C, SIGTERM)                                      exit ABORTED
    error      the harness or the environment failed mid-run                     exit HARNESS_ERROR
    abandoned  the orchestrator vanished (killed outright); found by a later run exit HARNESS_ERROR

Precedence, when several apply to one run (`worse`): error > aborted > failed > invalid > ok.
A harness error outranks everything because nothing else it reports can be trusted; an interrupt
outranks a backend failure that follows it (stopping is what the user asked for); a dead backend
outranks a saturated generator. Every reason is kept in the run's `reasons` whatever wins.
"""

from __future__ import annotations

from enum import StrEnum

from harness.kernel import exitcodes


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    INVALID = "invalid"
    FAILED = "failed"
    ABORTED = "aborted"
    ERROR = "error"
    ABANDONED = "abandoned"

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self]

    @property
    def partial(self) -> bool:
        """True when the run did not complete: its records stop where it stopped."""
        return self not in (RunStatus.OK, RunStatus.INVALID)


_EXIT_CODES = {
    RunStatus.RUNNING: exitcodes.HARNESS_ERROR,
    RunStatus.OK: exitcodes.OK,
    RunStatus.INVALID: exitcodes.RUN_INVALID,
    RunStatus.FAILED: exitcodes.RUN_FAILED,
    RunStatus.ABORTED: exitcodes.ABORTED,
    RunStatus.ERROR: exitcodes.HARNESS_ERROR,
    RunStatus.ABANDONED: exitcodes.HARNESS_ERROR,
}

PRECEDENCE = (
    RunStatus.OK,
    RunStatus.INVALID,
    RunStatus.FAILED,
    RunStatus.ABORTED,
    RunStatus.ERROR,
)
"""Lowest to highest: a run's status only ever moves up this list."""


def worse(current: RunStatus, new: RunStatus) -> RunStatus:
    """The status that wins when `new` also applies to a run that is `current`."""
    if current not in PRECEDENCE or new not in PRECEDENCE:
        return new if current in PRECEDENCE else current
    return max(current, new, key=PRECEDENCE.index)


def parse_status(text: object) -> RunStatus | None:
    """A status read from a file, or None when it is missing or not one of ours."""
    try:
        return RunStatus(str(text)) if text is not None else None
    except ValueError:
        return None
