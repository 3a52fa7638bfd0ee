"""The one exception tree of imbench.

ImbenchError
├── BadInput          the user gave something unusable (file, field, value); exit BAD_INPUT
├── EnvironmentProblem  the machine lacks something the run needs (tool, permission); exit HARNESS_ERROR
└── BackendFailure    the backend under test could not start or died; exit RUN_FAILED
"""

from __future__ import annotations

from harness import exitcodes


class ImbenchError(Exception):
    """Base of every error imbench raises on purpose."""

    exit_code = exitcodes.HARNESS_ERROR


class BadInput(ImbenchError):
    """Input rejected before anything started. The message names file, field, value and what is accepted."""

    exit_code = exitcodes.BAD_INPUT

    def __init__(self, source: str, field: str, value: object, accepted: str) -> None:
        self.source = source
        self.field = field
        self.value = value
        self.accepted = accepted
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where} = {value!r}: {accepted}")


class EnvironmentProblem(ImbenchError):
    """The machine cannot do what the run needs; the message says what to install or change."""

    exit_code = exitcodes.HARNESS_ERROR


class BackendFailure(ImbenchError):
    """The backend under test failed to start or died."""

    exit_code = exitcodes.RUN_FAILED
