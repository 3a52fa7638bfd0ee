"""Reading validated fields out of parsed TOML tables, with errors that speak to the user.

Every rejection is a `BadInput` naming the file, the dotted field, the bad value and what
would be accepted. Numbers are `Decimal`: files are parsed with `parse_float=Decimal`, so a
rate written `0.0041` stays exactly that.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Collection, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness.kernel.errors import BadInput

Table = Mapping[str, Any]


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file with exact decimals; a missing or malformed file is a `BadInput`."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh, parse_float=Decimal)
    except FileNotFoundError:
        raise BadInput(str(path), "", str(path), "an existing TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(str(path), "", str(exc), "valid TOML (https://toml.io)") from None


class Fields:
    """A view on one TOML table that knows where it came from (file and dotted prefix)."""

    def __init__(self, source: str, table: Table, prefix: str = "") -> None:
        self.source = source
        self.table = table
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def bad(self, key: str, value: object, accepted: str) -> BadInput:
        return BadInput(self.source, self.name(key), _shown(value), accepted)

    def only(self, allowed: Collection[str], what: str = "a known field") -> None:
        """Reject keys this table does not define (typos must not pass silently)."""
        for key in self.table:
            if key not in allowed:
                raise self.bad(key, self.table[key], f"{what}: {', '.join(sorted(allowed))}")

    def has(self, key: str) -> bool:
        return key in self.table

    def sub(self, key: str) -> Fields:
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.bad(key, value, "a table")
        return Fields(self.source, value, f"{self.name(key)}.")

    def subs(self, key: str) -> list[Fields]:
        """An array of tables (`[[key]]`), each a `Fields` named `key[i].`."""
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.bad(key, value, "an array of tables ([[...]])")
        return [Fields(self.source, v, f"{self.name(key)}[{i}].") for i, v in enumerate(value)]

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.bad(key, None, "a non-empty string (required)")
        if not isinstance(value, str) or (not value.strip() and default is None):
            raise self.bad(key, value, "a non-empty string")
        return value

    def choice(self, key: str, accepted: Collection[str], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in accepted:
            raise self.bad(key, value, f"one of: {', '.join(accepted)}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.bad(key, value, "an array of strings")
        return tuple(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.bad(key, value, "true or false")
        return value

    def date(self, key: str) -> dt.date:
        value = self.table.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        raise self.bad(key, value, "a TOML date such as 2026-06-30 (required)")

    def number(
        self, key: str, default: Decimal | None = None, *, minimum: Decimal = Decimal(0)
    ) -> Decimal:
        """A non-negative (or >= minimum) decimal; a quoted string such as "0.0041" is accepted too."""
        value = self.table.get(key)
        if value is None:
            if default is None:
                raise self.bad(key, None, f"a number >= {minimum} (required)")
            return default
        number = as_decimal(value)
        if number is None:
            raise self.bad(key, value, f"a number >= {minimum}")
        if number < minimum:
            raise self.bad(key, value, f"a number >= {minimum}")
        return number

    def optional_number(self, key: str, *, minimum: Decimal = Decimal(0)) -> Decimal | None:
        return self.number(key, minimum=minimum) if key in self.table else None

    def positive(self, key: str, default: Decimal | None = None) -> Decimal:
        value = self.number(key, default)
        if value <= 0:
            raise self.bad(key, self.table.get(key), "a number > 0")
        return value


def as_decimal(value: object) -> Decimal | None:
    """A TOML int, decimal or numeric string as Decimal; None for anything else (bools too)."""
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
    return value
