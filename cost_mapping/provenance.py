"""Where a quantity came from: measured by the run, derived, or assumed from the profile alone.

    measured   a figure of the run itself (its summary or its manifest), used as it is
    derived    a measured figure combined with the profile (CPU per 1,000 messages x the
               profile's message volume; the run's mean message size x the profile's sends)
    assumed    from the profile (or a usage file) alone: the run measured nothing of it
    fixed      a fee that does not depend on any quantity (a plan's monthly fee, a minimum)

Provenance is separate from coverage: a complete bill can rest on assumptions, and a bill with
gaps (a lower bound) can rest on measurements. A line made of several quantities is `measured`
only if all are, `assumed` only if all are, and `derived` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

MEASURED, DERIVED, ASSUMED, FIXED = "measured", "derived", "assumed", "fixed"
KINDS = (MEASURED, DERIVED, ASSUMED, FIXED)


def combine(kinds: Iterable[str]) -> str:
    """The provenance of something built from quantities of these provenances (fees ignored)."""
    found = {k for k in kinds if k != FIXED}
    if not found:
        return FIXED
    if len(found) == 1:
        return found.pop()
    return DERIVED
