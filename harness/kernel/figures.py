"""One reported figure of a run, typed, and its form in `summary.json` (contract: docs/results.md).

    a value         {"value": v, "unit": u, "n": n}  and, where registered, "p25", "p75"
    a distribution  {"unit": u, "n": n, "min": …, "p50": …, "p95": …, "p99": …, "max": …, "mean": …}
                    (no statistics when it had no samples: n = 0)

`Figure.of_value` and `Figure.of_distribution` take the unit from the registry and round to six
significant digits; a name the registry lacks raises `UnknownMetric`, and a figure whose unit or
shape disagrees with its entry cannot be constructed at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass, fields
from decimal import Decimal

from harness.kernel.errors import Problem
from harness.kernel.metrics import (
    DISTRIBUTION_STATS,
    REGISTRY,
    SPREAD_STATS,
    VALUE_STAT,
    MetricSpec,
    Shape,
    did_you_mean,
    lookup,
    suggest,
)

SIGNIFICANT_DIGITS = 6


def rounded(x: float) -> float:
    """A figure as reported: six significant digits."""
    return float(f"{float(x):.{SIGNIFICANT_DIGITS}g}")


@dataclass(frozen=True)
class Spread:
    """The p25/p75 of per-interval values around a value."""

    p25: float
    p75: float


@dataclass(frozen=True)
class Stats:
    """A distribution's statistics, in the metric's unit."""

    min: float
    p50: float
    p95: float
    p99: float
    max: float
    mean: float


@dataclass(frozen=True)
class Figure:
    """One figure of a run, as its registry entry says it looks."""

    name: str
    unit: str
    n: int
    """How many samples (or intervals, or items) it rests on."""
    value: float | None = None
    """A value's number; None for a distribution."""
    spread: Spread | None = None
    stats: Stats | None = None
    """A distribution's statistics; None for a value, or a distribution without samples."""

    def __post_init__(self) -> None:
        wrong = _mismatches(self, lookup(self.name))
        if wrong:
            raise ValueError(f"figure {self.name}: " + "; ".join(wrong))

    @classmethod
    def of_value(
        cls, name: str, value: float, n: int, spread: tuple[float, float] | None = None
    ) -> Figure:
        spec = lookup(name)
        p25_p75 = None if spread is None else Spread(rounded(spread[0]), rounded(spread[1]))
        return cls(name, spec.unit, int(n), rounded(value), p25_p75)

    @classmethod
    def of_distribution(cls, name: str, n: int, stats: Stats | None) -> Figure:
        spec = lookup(name)
        if stats is not None:
            stats = Stats(*(rounded(x) for x in astuple(stats)))
        return cls(name, spec.unit, int(n), stats=stats)

    @property
    def spec(self) -> MetricSpec:
        return REGISTRY[self.name]

    def statistic(self, stat: str) -> float | None:
        """`value`, `p25`, `p75` or a distribution statistic; None when the figure lacks it."""
        if stat == VALUE_STAT:
            return self.value
        if stat in SPREAD_STATS:
            return None if self.spread is None else float(getattr(self.spread, stat))
        if stat in DISTRIBUTION_STATS:
            return None if self.stats is None else float(getattr(self.stats, stat))
        return None

    def to_json(self) -> dict[str, float | int | str]:
        """The `summary.json` entry, keys in the order the harness has always written them."""
        if self.value is None:
            stats = {} if self.stats is None else _fields_of(self.stats)
            return {"unit": self.unit, "n": self.n, **stats}
        out: dict[str, float | int | str] = {"value": self.value, "unit": self.unit, "n": self.n}
        if self.spread is not None:
            out.update(_fields_of(self.spread))
        return out


def by_name(*figures: Figure) -> dict[str, Figure]:
    """Figures keyed by their names, as `summary.json` holds them."""
    return {figure.name: figure for figure in figures}


def _fields_of(record: Spread | Stats) -> dict[str, float | int | str]:
    return {f.name: float(getattr(record, f.name)) for f in fields(record)}


def _mismatches(figure: Figure, spec: MetricSpec) -> list[str]:
    wrong = []
    if figure.unit != spec.unit:
        wrong.append(f"unit {figure.unit!r}, but the registry says {spec.unit!r}")
    if isinstance(figure.n, bool) or not isinstance(figure.n, int) or figure.n < 0:
        wrong.append(f"n {figure.n!r} is not a count")
    if spec.shape is Shape.VALUE:
        if figure.value is None or figure.stats is not None:
            wrong.append("a value metric needs a value and no distribution statistics")
        if figure.spread is not None and not spec.spread:
            wrong.append("the registry gives it no p25/p75 spread")
    else:
        if figure.value is not None or figure.spread is not None:
            wrong.append("a distribution has statistics, not a value or spread")
        if (figure.stats is None) != (figure.n == 0):
            wrong.append("a distribution has statistics exactly when it has samples (n > 0)")
    return wrong


def json_number(raw: object) -> float | None:
    """A JSON number (int, float, or Decimal when read with parse_float=Decimal) as float."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        return None
    return float(raw)


def parse_figure(source: str, name: str, raw: object) -> tuple[Figure | None, list[Problem]]:
    """One `summary.json` metric entry: the figure, or the problems that name its fields."""
    where = f"metrics.{name}"
    spec = REGISTRY.get(name)
    if spec is None:
        accepted = f"a metric of the registry (docs/results.md){did_you_mean(suggest(name))}"
        return None, [Problem(source, where, name, accepted)]
    if not isinstance(raw, Mapping):
        return None, [Problem(source, where, raw, f"an object with unit, n and {_keys(spec)}")]
    problems: list[Problem] = []
    numbers: dict[str, float] = {}
    for key, item in raw.items():
        number = json_number(item)
        if key in ("unit", "n"):
            continue
        if key not in _allowed(spec):
            problems.append(Problem(source, f"{where}.{key}", item, _keys(spec)))
        elif number is None:
            problems.append(Problem(source, f"{where}.{key}", item, "a number"))
        else:
            numbers[key] = number
    if raw.get("unit") != spec.unit:
        problems.append(
            Problem(
                source, f"{where}.unit", raw.get("unit"), f"{spec.unit!r} (its registered unit)"
            )
        )
    n = raw.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        problems.append(Problem(source, f"{where}.n", n, "a sample count (an integer >= 0)"))
        n = 0
    problems += _shape_problems(source, where, spec, raw, n)
    if problems:
        return None, problems
    return _built(spec, n, numbers), []


def _allowed(spec: MetricSpec) -> tuple[str, ...]:
    return DISTRIBUTION_STATS if spec.shape is Shape.DISTRIBUTION else spec.statistics


def _keys(spec: MetricSpec) -> str:
    what = "a distribution" if spec.shape is Shape.DISTRIBUTION else "a value"
    return f"{spec.name} is {what}: its keys are unit, n, " + ", ".join(_allowed(spec))


def _shape_problems(
    source: str, where: str, spec: MetricSpec, raw: Mapping[str, object], n: int
) -> list[Problem]:
    """Statistics missing for the metric's shape, or present where there were no samples."""
    if spec.shape is Shape.VALUE:
        needed: tuple[str, ...] = (VALUE_STAT,)
        needed += SPREAD_STATS if spec.spread and any(k in raw for k in SPREAD_STATS) else ()
    elif n > 0:
        needed = DISTRIBUTION_STATS
    else:
        return [
            Problem(source, f"{where}.{key}", raw[key], "no statistics: n = 0 (no samples)")
            for key in DISTRIBUTION_STATS
            if key in raw
        ]
    return [
        Problem(source, f"{where}.{key}", None, f"a number ({_keys(spec)})")
        for key in needed
        if key not in raw
    ]


def _built(spec: MetricSpec, n: int, numbers: dict[str, float]) -> Figure:
    if spec.shape is Shape.DISTRIBUTION:
        stats = Stats(*(numbers[k] for k in DISTRIBUTION_STATS)) if numbers else None
        return Figure(spec.name, spec.unit, n, stats=stats)
    spread = Spread(numbers["p25"], numbers["p75"]) if "p25" in numbers else None
    return Figure(spec.name, spec.unit, n, numbers[VALUE_STAT], spread)
