"""Exit codes of the `imbench` command. They are part of the interface: CI scripts branch on them.

A harness crash must never look like a failed claim or a dead backend, nor a failed claim like a
crash. The codes for claims are chosen so that neither Python nor a shell produces them by
itself (Python exits 1 on an uncaught exception, a shell 126/127 for a command it cannot run,
128+N for a signal); k6 uses 99 for failed thresholds, and so does imbench.
"""

OK = 0
"""The command did what was asked; a run ended `ok`; every claim passed."""

BAD_INPUT = 2
"""A scenario, price sheet, profile, claims file or argument was rejected before anything started
(including a backend that is not installed, or a network mode this machine cannot provide)."""

RUN_INVALID = 3
"""The run completed but its figures describe the load generator (saturated), or nothing was owed."""

CLAIMS_INCONCLUSIVE = 3
"""No claim failed, but at least one could not be decided (no data, or the run was invalid)."""

RUN_FAILED = 4
"""The backend died or could not start during a run."""

HARNESS_ERROR = 70
"""imbench itself failed (a bug, or the environment broke mid-run); nothing about the backend is
implied. Also any exception that escapes a command (its traceback goes to a log file it names)."""

CLAIMS_FAILED = 99
"""The run completed and at least one claim about it does not hold."""

ABORTED = 130
"""Interrupted by Ctrl-C or SIGTERM; the partial run is kept and marked `aborted`."""
