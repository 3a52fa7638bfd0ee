"""The one reader of imbench's TOML files: scenarios, price sheets, usage profiles, usage files and
claims files. A file is judged whole and every problem in it is reported at once, each naming the
file, the dotted field (`workload[1].room_size`, `meters[2].rate`), the value and what is accepted.

    f = Fields(str(path), read_toml(path, exact=True))  # unreadable / not TOML: one BadInput
    name = f.text("name")                               # no default: required
    if f.valid("a", "b") and ...: f.bad("a", a, "...")  # cross-field checks on valid fields only
    f.finish()                                          # raises BadInput.of(every problem)

- A failed read records its problem and returns a stand-in of its type (the default, else the
  least accepted value) so reading goes on; `finish()` raises, so stand-ins never leave a parser.
- `valid()` is false for a field that failed and for everything inside a value that is not a
  table, which reads silently: one mistake is one problem.
- Unknown keys are judged when a table closes (`done()`, or `finish()`); a key is known when read,
  asked about with `has()` or listed with `allow()`. The closest known key is offered; when it is
  required and missing, the typo is the one problem ("did you mean duration_s? duration_s is
  required and missing"), and a misspelt table name stands for the required keys of that table.
  `abandon()` closes a table whose shape-deciding key (a workload's `kind`) was bad.
- `read_toml(exact=True)` reads floats as Decimal, for `decimal()` (prices, usage); scenarios use
  `exact=False` with `number()` and `integer()`.

Our own reader rather than pydantic v2, because the messages are the point: pydantic's ("Input
should be greater than 0", "Extra inputs are not permitted") need translating per error type; it
reports a typo and the then-missing field as two errors with no suggestion; what a table may hold
depends on other data (a workload's kind, a sheet's meter ids), so validators would be custom
throughout; model validators run all or nothing, not per valid field. What it would add is a few
lines per type here, and the kernel stays standard library only. See docs/config.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import tomllib
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness.kernel.errors import BadInput, Problem

ZERO = Decimal(0)
SUGGESTION_CUTOFF = 0.75
"""difflib ratio a known key needs to be offered for an unknown one: duraton_s gets duration_s (0.95),
a voice workload's bitrate_mbps does not get audio_bitrate_kbps (0.73)."""


def read_toml(path: Path | str, *, exact: bool) -> dict[str, Any]:
    """Parse a TOML file; floats as `Decimal` when `exact`. A file that cannot be read, is not UTF-8
    or is not TOML is one `BadInput` naming it."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadInput(
            source, "", source, f"must be an existing TOML file (cannot be read: {reason})"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(
            source, "", Shown("(file)"), f"must be UTF-8 text (byte {exc.start} is not)"
        ) from None
    try:
        return tomllib.loads(text, parse_float=Decimal if exact else float)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(
            source, "", Shown("(file)"), f"is not valid TOML: {exc} (https://toml.io)"
        ) from None


class _FileProblems:
    """What was found wrong in one file, and which fields it concerns."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[Problem, str | None]] = []
        """Each problem, with the absent table whose required key it reports (else None)."""
        self.bad: set[str] = set()
        self.tables: list[Fields] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._folded: set[str] = set()

    def add(self, field: str, value: object, accepted: str, absent_table: str | None) -> None:
        self.bad.add(field)
        shown = _shown(value)
        key = (field, repr(shown), accepted)
        if key in self._seen or _inside_any(absent_table, self._folded):
            return
        self._seen.add(key)
        self.problems.append((Problem(self.source, field, shown, accepted), absent_table))

    def fold(self, table: str) -> None:
        """A typo stands for absent `table`: its missing required keys are not reported."""
        self._folded.add(table)
        self.problems = [p for p in self.problems if not _inside_any(p[1], {table})]

    def clean(self, field: str) -> bool:
        return not any(_within(b, field) or _within(field, b) for b in self.bad)

    def finish(self) -> None:
        for table in list(self.tables):
            table.done()
        if self.problems:
            raise BadInput.of([p for p, _ in self.problems])


class Fields:
    """Typed reads from one TOML table that record problems instead of stopping at the first."""

    def __init__(self, source: str, table: object, path: str = "") -> None:
        """The top table of file `source` (`path` names it when it is part of a larger document)."""
        self._open(_FileProblems(source), table, path, absent=None, silent=False)

    def _open(
        self, file: _FileProblems, table: object, path: str, absent: str | None, silent: bool
    ) -> None:
        self._file = file
        self.path = path
        self._absent = absent
        """The outermost absent table this one is part of (None when present in the file)."""
        self._usable = isinstance(table, Mapping) and not silent
        """False when this table, or one it lies in, is not a table: its reads say nothing."""
        if not isinstance(table, Mapping) and not silent:
            file.add(path, table, "must be a table", None)
        self._table: dict[str, Any] = (
            dict(table) if isinstance(table, Mapping) and self._usable else {}
        )
        self._known: dict[str, None] = {}
        self._missing: dict[str, str] = {}
        self._absent_tables: set[str] = set()
        self._what = "a known field"
        self._closed = False
        file.tables.append(self)

    def _child(self, table: object, path: str, absent: bool = False) -> Fields:
        child = Fields.__new__(Fields)
        within = self._absent or (path if absent else None)
        child._open(self._file, table, path, within, silent=not self._usable)
        return child

    @property
    def source(self) -> str:
        return self._file.source

    def name(self, key: str) -> str:
        """The dotted name of `key` in this table (`workload[1].room_size`)."""
        if not key:
            return self.path
        return f"{self.path}.{key}" if self.path else key

    # What the table holds

    def has(self, key: str) -> bool:
        """Whether `key` is given (asking makes it a known key of this table)."""
        self._known[key] = None
        return key in self._table

    def given_keys(self) -> tuple[str, ...]:
        """The keys the table holds, in file order."""
        return tuple(self._table)

    def raw(self, key: str) -> object:
        """The value as written (None when absent), for a message about it."""
        return self._table.get(key)

    def allow(self, keys: Iterable[str], what: str | None = None) -> None:
        """Keys this table may hold even when not read; `what` names them in an unknown-key error."""
        self._known.update(dict.fromkeys(keys))
        if what:
            self._what = what

    # Problems

    def bad(self, key: str, value: object, accepted: str) -> None:
        """Record a problem with `key` (dotted below this table, or "" for the table itself)."""
        self._file.add(self.name(key), value, accepted, None)

    def valid(self, *keys: str) -> bool:
        """True when none of `keys` (or, with none, nothing in this table) has a problem."""
        if not self._usable:
            return False
        return all(self._file.clean(self.name(k)) for k in keys or ("",))

    def _lookup(self, key: str, required: str | None) -> tuple[bool, object]:
        """(given, value); a required key that is absent is recorded, reported at `done()`."""
        self._known[key] = None
        if key in self._table:
            return True, self._table[key]
        if required is not None and self._usable:
            self._missing[key] = required
            self._file.bad.add(self.name(key))
        return False, None

    # Typed reads: a default of None means required

    def text(self, key: str, default: str | None = None) -> str:
        """A string; when required it must not be blank."""
        given, value = self._lookup(key, None if default is not None else "a non-empty string")
        if not given:
            return default or ""
        if isinstance(value, str) and (default is not None or value.strip()):
            return value
        self.bad(key, value, "must be a non-empty string")
        return default or ""

    def choice(self, key: str, choices: Collection[str], default: str | None = None) -> str:
        listed = f"one of: {', '.join(choices)}"
        given, value = self._lookup(key, None if default is not None else listed)
        stand_in = default if default is not None else next(iter(choices), "")
        if not given:
            return stand_in
        if isinstance(value, str) and value in choices:
            return value
        guess = _closest(value, choices) if isinstance(value, str) else None
        self.bad(key, value, f"must be {listed}" + (f" (did you mean {guess}?)" if guess else ""))
        return stand_in

    def texts(self, key: str) -> tuple[str, ...]:
        """An array of strings; absent is empty."""
        given, value = self._lookup(key, None)
        if not given:
            return ()
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.bad(key, value, "must be an array of strings")
        return ()

    def flag(self, key: str, default: bool) -> bool:
        given, value = self._lookup(key, None)
        if given and not isinstance(value, bool):
            self.bad(key, value, "must be true or false")
        return value if isinstance(value, bool) else default

    def date(self, key: str) -> dt.date:
        """A TOML date (required)."""
        accepted = "a TOML date such as 2026-06-30"
        given, value = self._lookup(key, accepted)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if given:
            self.bad(key, value, f"must be {accepted}")
        return dt.date.min

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        accepted = f"an integer >= {minimum}"
        given, value = self._lookup(key, None if default is not None else accepted)
        if given:
            if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
                return value
            self.bad(key, value, f"must be {accepted}")
        return default if default is not None else minimum

    def number(
        self, key: str, default: float | None = None, *, minimum: float = 0.0, above: bool = False
    ) -> float:
        """A finite float (a TOML integer or float); `above` makes `minimum` exclusive."""
        accepted = f"a number {'>' if above else '>='} {minimum:g}"
        given, value = self._lookup(key, None if default is not None else accepted)
        if given:
            number = _as_float(value)
            if number is not None and (number > minimum if above else number >= minimum):
                return number
            self.bad(key, value, f"must be {accepted}")
        return default if default is not None else minimum

    def decimal(
        self,
        key: str,
        default: Decimal | None = None,
        *,
        minimum: Decimal = ZERO,
        above: bool = False,
    ) -> Decimal:
        """An exact number (TOML integer, float read exactly, or a numeric string)."""
        accepted = f"a number {'>' if above else '>='} {minimum}"
        given, value = self._lookup(key, None if default is not None else accepted)
        if given:
            number = as_decimal(value)
            if number is not None and (number > minimum if above else number >= minimum):
                return number
            self.bad(key, value, f"must be {accepted}")
        return default if default is not None else minimum

    def optional_decimal(
        self, key: str, *, minimum: Decimal = ZERO, above: bool = False
    ) -> Decimal | None:
        return self.decimal(key, minimum=minimum, above=above) if self.has(key) else None

    def require(self, key: str, accepted: str) -> bool:
        """Whether `key` is given; when not, it is reported as required with `accepted`."""
        given, _ = self._lookup(key, accepted)
        return given

    # Tables within

    def table(self, key: str) -> Fields:
        """The sub-table `key`; absent is an empty table (its defaults apply)."""
        given, value = self._lookup(key, None)
        if not given:
            self._absent_tables.add(key)
            return self._child({}, self.name(key), absent=True)
        return self._child(value, self.name(key))

    def tables(self, key: str, *, required: bool = False) -> list[Fields]:
        """An array of tables (`[[key]]`), each named `key[i]`; absent is empty."""
        accepted = f"an array of tables ([[{key}]])"
        given, value = self._lookup(key, accepted if required else None)
        if not given:
            return []
        if not isinstance(value, list):
            self.bad(key, value, f"must be {accepted}")
            return []
        return [self._child(item, f"{self.name(key)}[{i}]") for i, item in enumerate(value)]

    def part(self, keys: Iterable[str]) -> Fields:
        """A view on some keys of this table under the same names, for a helper that reads them."""
        return self._child({k: self._table[k] for k in keys if k in self._table}, self.path)

    # Closing

    def done(self) -> None:
        """Close this table: report unknown keys (with a suggestion) and missing required ones."""
        self._close(judge_unknown=True)

    def abandon(self) -> None:
        """Close this table without judging its other keys: one that decides its shape was bad.
        Missing required keys are still reported (a typo of one folded in)."""
        self._close(judge_unknown=False)

    def finish(self) -> None:
        """Close every table of the file; raise one `BadInput` holding every problem found."""
        self._file.finish()

    def _close(self, *, judge_unknown: bool) -> None:
        if self._closed:
            return
        self._closed = True
        missing = dict(self._missing)
        known = ", ".join(sorted(self._known))
        for key in (k for k in self._table if k not in self._known):
            guess = _closest(key, self._known)
            if guess in missing:
                hint = f" (did you mean {guess}? {guess} is required and missing)"
                del missing[guess]
            elif guess in self._absent_tables:
                hint = f" (did you mean {guess}?)"
                self._file.fold(self.name(guess))
            elif guess and judge_unknown:
                hint = f" (did you mean {guess}?)"
            elif judge_unknown:
                hint = ""
            else:
                continue
            self.bad(key, self._table[key], f"unknown key{hint}; {self._what}: {known}")
        for key, accepted in missing.items():
            self._file.add(self.name(key), None, f"is required: {accepted}", self._absent)


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    by_lower = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=SUGGESTION_CUTOFF)
    return by_lower[match[0]] if match else None


def _within(name: str, scope: str) -> bool:
    """`name` is `scope` or lies inside it (`a.b[1].c` is inside `a.b`); "" is the whole file."""
    return not scope or name == scope or name.startswith((scope + ".", scope + "["))


def _inside_any(table: str | None, scopes: set[str]) -> bool:
    return table is not None and any(_within(table, s) for s in scopes)


def _as_float(value: object) -> float | None:
    """A TOML integer or float as a finite float; None otherwise (bools, inf, nan, huge ints)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def as_decimal(value: object) -> Decimal | None:
    """A TOML int, decimal or numeric string as a finite Decimal; None otherwise (bools too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.replace("_", ""))
        except ArithmeticError:
            return None
    else:
        return None
    return number if number.is_finite() else None


class Shown:
    """A value shown in an error as written (Decimal('0.5') reads as 0.5)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _shown(value: object) -> object:
    if isinstance(value, Decimal):
        return Shown(str(value))
    if isinstance(value, list):
        return Shown("[" + ", ".join(repr(_shown(v)) for v in value) + "]")
    if isinstance(value, Mapping):
        return Shown("{" + ", ".join(f"{k} = {_shown(v)!r}" for k, v in value.items()) + "}")
    return value
