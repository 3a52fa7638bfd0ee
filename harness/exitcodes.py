"""Exit codes of the `imbench` command. They are part of the interface: CI scripts branch on them.

A harness crash must never look like a regression, nor a regression like a crash.
"""

OK = 0
"""The command did what was asked; a run ended `ok`."""

CLAIMS_FAILED = 1
"""A run completed and at least one claim about it does not hold."""

BAD_INPUT = 2
"""A scenario, price sheet, profile or argument was rejected before anything started."""

RUN_INVALID = 3
"""The run completed but its figures describe the load generator (saturated), or data is missing."""

RUN_FAILED = 4
"""The backend died or could not start during a run."""

HARNESS_ERROR = 70
"""imbench itself failed (a bug or an environment problem); nothing about the backend is implied."""

ABORTED = 130
"""Interrupted by Ctrl-C or SIGTERM; the partial run is kept and marked `aborted`."""
