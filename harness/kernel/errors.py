"""The one exception tree of imbench; each error carries the exit code it ends a command with.

ImbenchError              raised on purpose; exit HARNESS_ERROR unless a subclass says otherwise
├── BadInput              rejected before anything started: one or more `Problem`s; exit BAD_INPUT
├── EnvironmentProblem    the machine lacks something the run needs (tool, permission); HARNESS_ERROR
├── BackendFailure        the backend under test could not start or died; exit RUN_FAILED
└── HarnessCrash          an unexpected exception inside imbench (a bug); names the log holding its
                          traceback; exit HARNESS_ERROR

Anything else that escapes a command is turned into a HarnessCrash by the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.kernel import exitcodes


class ImbenchError(Exception):
    """Base of every error imbench raises on purpose."""

    exit_code = exitcodes.HARNESS_ERROR


@dataclass(frozen=True)
class Problem:
    """One rejected input: where (file or argument, dotted field), the value, what is accepted."""

    source: str
    field: str
    value: object
    accepted: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where} = {self.value!r}: {self.accepted}"


class BadInput(ImbenchError):
    """Input rejected before anything started. Each problem names file, field, value and what is
    accepted; `source`, `field`, `value` and `accepted` are those of the first."""

    exit_code = exitcodes.BAD_INPUT

    def __init__(self, source: str, field: str, value: object, accepted: str) -> None:
        self._set((Problem(source, field, value, accepted),))

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> BadInput:
        """One error for several problems (a file with three mistakes reports all three)."""
        if not problems:
            raise ValueError("BadInput.of needs at least one problem")
        error = cls.__new__(cls)
        error._set(tuple(problems))
        return error

    def _set(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        first = problems[0]
        self.source, self.field, self.value, self.accepted = (
            first.source,
            first.field,
            first.value,
            first.accepted,
        )
        if len(problems) == 1:
            text = str(first)
        else:
            text = f"{len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)
        Exception.__init__(self, text)


class EnvironmentProblem(ImbenchError):
    """The machine cannot do what the run needs; the message says what to install or change."""

    exit_code = exitcodes.HARNESS_ERROR


class BackendFailure(ImbenchError):
    """The backend under test failed to start or died."""

    exit_code = exitcodes.RUN_FAILED


class HarnessCrash(ImbenchError):
    """An exception nobody expected escaped imbench; its traceback is in `log_path`."""

    exit_code = exitcodes.HARNESS_ERROR

    def __init__(self, what: str, log_path: Path | None) -> None:
        self.log_path = log_path
        where = f"; traceback in {log_path}" if log_path else ""
        super().__init__(f"harness error: {what}{where}")
