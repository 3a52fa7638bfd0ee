"""How a figure reads for people: the one formatting of numbers, units and counts. Pure.

The terminal summary (harness.progress), the HTML report, its Markdown summary and the tests that
look for `summary.json`'s figures in them all format through here, so a figure reads the same
everywhere:

    ratios       every digit the run stored (six significant): 0.99996, never "1" for a loss
    bytes        KiB, MiB or GiB once a figure reaches ten of them: 30.79 MiB, 18.13 KiB/user
    integers     thousands separators: 16,490
    other        four significant digits: 0.1351, 577.6, 1,013
    no data      a dash: a distribution without samples, a figure resting on nothing (n = 0),
                 a value that is not a number
    unavailable  `n/a (<reason>)`: a figure the backend cannot produce (`Summary.unavailable`)

A figure's statistics share one display unit, chosen by the largest of them. Its sample count
is shown only where it means something (`count_matters`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.kernel.figures import Figure
from harness.kernel.metric_names import CHAT, GROUP, MESSAGING, VIDEO, VOICE
from harness.kernel.metrics import DISTRIBUTION_STATS, SPREAD_STATS, VALUE_STAT, Shape

DASH = "—"
RATIO_DIGITS = 6
"""Significant digits of a ratio: all that `summary.json` keeps (harness.kernel.figures)."""
OTHER_DIGITS = 4
BYTE_STEPS = (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024))
BYTE_SCALE_FROM = 10
"""A byte figure is shown in a larger unit once it reaches this many of that unit."""
UNIT_WORDS = {"ratio": "", "pct": "%"}
"""Registry units shown otherwise: a ratio is a bare number, a percentage is `%`."""


@dataclass(frozen=True)
class Scale:
    """The unit a figure is shown in, and the divisor from its registered unit."""

    unit: str
    divisor: float = 1.0


def scale(unit: str, magnitude: float) -> Scale:
    """The display unit of numbers in `unit` up to `magnitude`: bytes grow to KiB/MiB/GiB."""
    word = UNIT_WORDS.get(unit, unit)
    if unit == "bytes" or unit.startswith("bytes/"):
        for name, size in BYTE_STEPS:
            if abs(magnitude) >= BYTE_SCALE_FROM * size:
                return Scale(name + unit[len("bytes") :], float(size))
    return Scale(word)


def number(x: float | None, unit: str) -> str:
    """A number in its registered `unit`, without the unit; a dash when it is not a number."""
    if x is None or not math.isfinite(x):
        return DASH
    if unit == "ratio":
        return f"{x:.{RATIO_DIGITS}g}"
    if x == int(x) and abs(x) >= 1:
        return f"{int(x):,}"
    return f"{x:,.{OTHER_DIGITS}g}" if abs(x) < 1000 else f"{x:,.0f}"


def scaled(x: float | None, unit: str, by: Scale) -> str:
    """A number in `unit` shown in the display unit `by` (without the unit)."""
    if x is None or not math.isfinite(x):
        return DASH
    if by.divisor == 1.0:
        return number(x, unit)
    return number(x / by.divisor, by.unit)


def amount(x: float | None, unit: str) -> str:
    """A number with its display unit: `30.79 MiB`, `1.5 Mbps`, `0.99996`, `5.373 %`; a dash
    when it is not a number."""
    if x is None or not math.isfinite(x):
        return DASH
    by = scale(unit, x)
    return _with_unit(scaled(x, unit, by), by.unit)


def _with_unit(text: str, unit: str) -> str:
    if text == DASH or not unit:
        return text
    return f"{text} {unit}"


@dataclass(frozen=True)
class Shown:
    """A figure as people read it: its display unit, each statistic's text, and its count."""

    unit: str
    stats: dict[str, str]
    """`value` (and `p25`, `p75` when it has a spread), or min/p50/p95/p99/max/mean."""
    n: str
    has_data: bool

    def with_unit(self, stat: str) -> str:
        """One statistic and the unit: `0.709 ms`, `30.79 MiB`, a dash when it has no data."""
        return _with_unit(self.stats[stat], self.unit)


def statistics_of(figure: Figure) -> dict[str, float | None]:
    """Every statistic the figure's registry shape gives it, None where the run has no number."""
    if figure.spec.shape is Shape.DISTRIBUTION:
        return {stat: figure.statistic(stat) for stat in DISTRIBUTION_STATS}
    stats = {VALUE_STAT: figure.value}
    if figure.spread is not None:
        stats |= {stat: figure.statistic(stat) for stat in SPREAD_STATS}
    return stats


def has_data(figure: Figure) -> bool:
    """False for a figure resting on nothing: no samples (n = 0) or no finite number."""
    if figure.n == 0:
        return False
    values = [v for v in statistics_of(figure).values() if v is not None]
    return bool(values) and all(math.isfinite(v) for v in values)


def show(figure: Figure) -> Shown:
    """The figure's statistics as text in one display unit (chosen by the largest of them)."""
    numbers = statistics_of(figure)
    data = has_data(figure)
    finite = [abs(v) for v in numbers.values() if v is not None and math.isfinite(v)]
    by = scale(figure.unit, max(finite, default=0.0))
    texts = {stat: scaled(v, figure.unit, by) if data else DASH for stat, v in numbers.items()}
    return Shown(by.unit, texts, f"{figure.n:,}", data)


COUNT_RATIOS = frozenset(
    {
        *(names.delivery_ratio for names in (MESSAGING, CHAT, GROUP)),
        *(names.loss_ratio for names in (VIDEO, VOICE)),
    }
)
"""Ratios of counts, whose n is the count they are over (what a ratio of 1 or 0 rests on)."""


def count_matters(figure: Figure) -> bool:
    """Whether the sample count says something the figure does not: the samples of a
    distribution, the intervals behind a spread, the deliveries or packets a delivery or loss
    ratio is over. A count of the figure itself (messages sent: n is the same number), of meter
    readings or of streams behind a rate says nothing more."""
    if figure.spec.shape is Shape.DISTRIBUTION:
        return True
    return figure.spread is not None or figure.name in COUNT_RATIOS


def one_line(figure: Figure) -> str:
    """A figure on one line, as the terminal summary and the headline table write it: its value
    (and spread) or its percentiles, the display unit once, the sample count where it means
    something; a dash when it has no data."""
    shown = show(figure)
    if not shown.has_data:
        return DASH
    if figure.spec.shape is Shape.VALUE:
        text = shown.with_unit(VALUE_STAT)
        if figure.spread is not None:
            text += f"  (IQR {shown.stats['p25']}–{shown.stats['p75']})"
    else:
        s = shown.stats
        text = f"p50 {s['p50']}  p95 {s['p95']}  p99 {s['p99']}  max {s['max']}"
        text += f" {shown.unit}" if shown.unit else ""
    return text + (f"  n={shown.n}" if count_matters(figure) else "")


def not_available(reason: str) -> str:
    """A figure the run's backend cannot produce, with the reason (`Summary.unavailable`)."""
    return f"n/a ({reason})"
