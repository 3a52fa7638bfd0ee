"""What a claim comes to, and the one exit code a set of claims about one run ends with.

    pass          the run's evidence supports the claim
    fail          the run's evidence contradicts it (beyond the bound and, against a baseline's
                  per-interval samples, significantly so)
    inconclusive  it cannot be decided: the run lacks the figure, the run is invalid, a cost is
                  only a lower bound that does not settle it, a baseline from another host, or a
                  change beyond the bound that is not significant. Never a pass.

Precedence (`exit_code`), first match wins:

    1. the run's own status is not ok or invalid (failed 4, aborted 130, error/abandoned 70):
       that code — the claims were not judged on a finished run (all are inconclusive)
    2. the run is invalid: RUN_INVALID (3) — its figures describe the load generator, so every
       claim is inconclusive
    3. any claim failed: CLAIMS_FAILED (99) — a decided contradiction is not hidden by claims
       that could not be decided
    4. any claim inconclusive: CLAIMS_INCONCLUSIVE (3)
    5. every claim passed: OK (0)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from harness.kernel import exitcodes
from harness.kernel.status import RunStatus


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


def exit_code(status: RunStatus, outcomes: Iterable[Outcome]) -> int:
    """The exit code of judging claims on a run that ended with `status` (precedence above)."""
    if status not in (RunStatus.OK, RunStatus.INVALID):
        return status.exit_code
    if status is RunStatus.INVALID:
        return exitcodes.RUN_INVALID
    seen = set(outcomes)
    if Outcome.FAIL in seen:
        return exitcodes.CLAIMS_FAILED
    if Outcome.INCONCLUSIVE in seen:
        return exitcodes.CLAIMS_INCONCLUSIVE
    return exitcodes.OK


def exit_meaning(code: int) -> str:
    """A few words for the closing line of a verdict."""
    return {
        exitcodes.OK: "every claim passed",
        exitcodes.CLAIMS_FAILED: "claims failed",
        exitcodes.CLAIMS_INCONCLUSIVE: "inconclusive (or the run is invalid)",
        exitcodes.RUN_FAILED: "the run failed",
        exitcodes.ABORTED: "the run was aborted",
        exitcodes.HARNESS_ERROR: "the run ended in a harness error",
    }.get(code, "")
