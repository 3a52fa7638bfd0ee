"""Backend-specific scenario options: `[backend.<name>]` tables, one spec per backend.

A scenario may carry options for several backends (so one file runs unchanged against each
candidate with `--backend NAME`); every table given is validated, whichever backend runs. Options
are read like every other field (`harness.kernel.config`): a bad value names the file, the field
(`backend.mosquitto.qos`) and what would be accepted. Defaults are filled in, so the manifest
records the options a run really used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.kernel.config import Fields


@dataclass(frozen=True)
class Option:
    """One option: its name, kind (`integer`, `choice`, `flag`, `text`), default and doc."""

    name: str
    kind: str
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int | None = None


EXTERNAL_PROTOCOLS = ("embedded-ws", "mqtt")
"""Protocols an external server may speak (harness.backends.external; a protocol client each)."""

OPTIONS: dict[str, tuple[Option, ...]] = {
    "embedded": (),
    "external": (
        Option(
            "protocol",
            "choice",
            "embedded-ws",
            "the protocol client that speaks to the server",
            choices=EXTERNAL_PROTOCOLS,
        ),
        Option("url", "text", None, "the server: ws:// | wss:// (embedded-ws), mqtt:// | mqtts://"),
        Option(
            "ca_file", "text", "", 'TLS: the CA file to verify the server with ("" = system\'s)'
        ),
        Option("server_name", "text", "", 'TLS: the name to verify ("" = the URL\'s host)'),
        Option("login", "text", "u{user}", "each user's login; {user} is the user's index"),
        Option("password_env", "text", "", "NAME of the variable holding every account's password"),
        Option(
            "accounts_env",
            "text",
            "",
            "NAME of the variable holding the path of a login,password CSV (one line per user)",
        ),
    ),
    "mosquitto": (
        Option(
            "qos",
            "integer",
            1,
            "MQTT QoS of every publish and subscription: 0 at most once, 1 at least once, "
            "2 exactly once",
            minimum=0,
            maximum=2,
        ),
    ),
    "synapse": (
        Option(
            "database",
            "choice",
            "postgresql",
            "where Synapse keeps its data: its own PostgreSQL instance (how Synapse is deployed) "
            "or SQLite in the run's data dir",
            choices=("postgresql", "sqlite"),
        ),
    ),
    "prosody": (),
    "ejabberd": (),
}
"""Options by backend name; a backend without options takes an empty table only."""


def parse_backend_options(
    top: Fields, known_backends: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Every `[backend.<name>]` table given, validated, defaults filled in, by backend name."""
    table = top.table("backend")
    table.allow(known_backends, "a backend name")
    parsed: dict[str, dict[str, Any]] = {}
    for name in table.given_keys():
        if name not in known_backends:
            continue  # reported as an unknown key, with a suggestion, when the table closes
        parsed[name] = read_options(table.table(name), name)
    table.done()
    return parsed


def read_options(fields: Fields, backend: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for option in OPTIONS.get(backend, ()):
        values[option.name] = _read(fields, option)
    if not OPTIONS.get(backend):
        fields.allow((), f"no options ({backend} takes none)")
    fields.done()
    return values


def defaults(backend: str) -> dict[str, Any]:
    return {o.name: o.default for o in OPTIONS.get(backend, ())}


def options_for(given: Mapping[str, Mapping[str, Any]], backend: str) -> dict[str, Any]:
    """The options `backend` runs with: those given for it, else its defaults."""
    return {**defaults(backend), **given.get(backend, {})}


def _read(fields: Fields, option: Option) -> Any:
    if option.kind == "integer":
        value = fields.integer(option.name, option.default, minimum=option.minimum)
        if option.maximum is not None and fields.valid(option.name) and value > option.maximum:
            fields.bad(option.name, value, f"must be <= {option.maximum}")
        return value
    if option.kind == "choice":
        return fields.choice(option.name, option.choices, option.default)
    if option.kind == "flag":
        return fields.flag(option.name, option.default)
    if option.kind == "text":
        return fields.text(option.name, option.default)
    raise ValueError(f"option {option.name}: unknown kind {option.kind!r}")
