"""Scenario files (TOML): what to run, against which backend, for how long, on which network.

A scenario is parsed and validated completely before anything starts; every rejection is a
`BadInput` that names the file, the field, the bad value and what would be accepted.

    [scenario]
    name = "quickstart"
    backend = "embedded"          # see harness.backends.KNOWN
    duration_s = 45               # steady load after the ramp
    ramp_s = 10                   # users connect evenly over this time
    drain_s = 3                   # after the last send, receivers keep listening this long
    seed = 1

    [network]
    mode = "auto"                 # auto | netns | loopback

    [generators]
    processes = 1                 # Locust processes sharing the messaging users

    [[workload]]
    kind = "chat"                 # 1:1 pairs
    users = 40                    # even: users form pairs
    send_rate_per_user_hz = 1.0   # Poisson, open loop
    payload = { distribution = "lognormal", median_bytes = 120, sigma = 0.6, max_bytes = 2048 }

    [[workload]]
    kind = "group"
    users = 60
    room_size = 10                # users must be a multiple of room_size
    send_rate_per_user_hz = 0.2
    payload = { distribution = "fixed", bytes = 200 }
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.errors import BadInput

KNOWN_BACKENDS = ("embedded",)
NETWORK_MODES = ("auto", "netns", "loopback")
WORKLOAD_KINDS = ("chat", "group")
PAYLOAD_DISTRIBUTIONS = ("fixed", "uniform", "lognormal")
MAX_PAYLOAD_BYTES = 1_000_000


@dataclass(frozen=True)
class Payload:
    """Message body size distribution, in bytes."""

    distribution: str
    bytes: int = 0
    min_bytes: int = 0
    max_bytes: int = 0
    median_bytes: int = 0
    sigma: float = 0.0


@dataclass(frozen=True)
class Workload:
    kind: str
    users: int
    send_rate_per_user_hz: float
    payload: Payload
    room_size: int = 2


@dataclass(frozen=True)
class Scenario:
    name: str
    backend: str
    duration_s: float
    ramp_s: float
    drain_s: float
    seed: int
    network_mode: str
    generator_processes: int
    workloads: tuple[Workload, ...]
    source: str = ""

    @property
    def total_users(self) -> int:
        return sum(w.users for w in self.workloads)

    def resolved(self) -> dict[str, Any]:
        """The scenario as the run understood it (defaults filled in), for the manifest."""
        data = asdict(self)
        data.pop("source")
        return data

    def sha256(self) -> str:
        canonical = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class _Fields:
    """Reads typed fields from one TOML table and rejects what is left over."""

    def __init__(self, source: str, prefix: str, table: object) -> None:
        if not isinstance(table, dict):
            raise BadInput(source, prefix, table, "must be a table")
        self.source = source
        self.prefix = prefix
        self.table: dict[str, Any] = dict(table)

    def _name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def _take(self, key: str, default: object) -> object:
        if key in self.table:
            return self.table.pop(key)
        if default is _REQUIRED:
            raise BadInput(self.source, self._name(key), None, "is required")
        return default

    def string(self, key: str, default: object = None, choices: tuple[str, ...] = ()) -> str:
        value = self._take(key, _REQUIRED if default is None else default)
        if not isinstance(value, str) or not value:
            raise BadInput(self.source, self._name(key), value, "must be a non-empty string")
        if choices and value not in choices:
            raise BadInput(
                self.source, self._name(key), value, f"must be one of {', '.join(choices)}"
            )
        return value

    def integer(self, key: str, default: object = None, minimum: int = 0) -> int:
        value = self._take(key, _REQUIRED if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise BadInput(self.source, self._name(key), value, f"must be an integer >= {minimum}")
        return value

    def number(
        self, key: str, default: object = None, minimum: float = 0.0, above: bool = False
    ) -> float:
        value = self._take(key, _REQUIRED if default is None else default)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if is_number and (value > minimum if above else value >= minimum):  # type: ignore[operator]
            return float(value)  # type: ignore[arg-type]
        bound = f"> {minimum:g}" if above else f">= {minimum:g}"
        raise BadInput(self.source, self._name(key), value, f"must be a number {bound}")

    def table_of(self, key: str) -> object:
        return self._take(key, {})

    def done(self) -> None:
        for key, value in self.table.items():
            raise BadInput(self.source, self._name(key), value, "unknown key")


_REQUIRED = object()


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise BadInput naming file, field and value."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(source, "", str(path), f"cannot be read ({exc.strerror})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(source, "", "(file)", f"is not valid TOML: {exc}") from exc
    return parse_scenario(data, source)


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    top = _Fields(source, "", data)
    head = _Fields(source, "scenario", top.table_of("scenario"))
    network = _Fields(source, "network", top.table_of("network"))
    generators = _Fields(source, "generators", top.table_of("generators"))
    raw_workloads = top._take("workload", _REQUIRED)
    top.done()

    name = head.string("name")
    backend = head.string("backend", "embedded", KNOWN_BACKENDS)
    duration_s = head.number("duration_s", minimum=0.0, above=True)
    ramp_s = head.number("ramp_s", 0.0)
    drain_s = head.number("drain_s", 2.0)
    seed = head.integer("seed", 1)
    head.done()
    network_mode = network.string("mode", "auto", NETWORK_MODES)
    network.done()
    processes = generators.integer("processes", 1, minimum=1)
    generators.done()

    if not isinstance(raw_workloads, list) or not raw_workloads:
        raise BadInput(source, "workload", raw_workloads, "must be one or more [[workload]] tables")
    workloads = tuple(
        _parse_workload(source, f"workload[{i}]", item) for i, item in enumerate(raw_workloads)
    )
    if processes > sum(w.users for w in workloads):
        raise BadInput(source, "generators.processes", processes, "must not exceed the total users")
    return Scenario(
        name=name,
        backend=backend,
        duration_s=duration_s,
        ramp_s=ramp_s,
        drain_s=drain_s,
        seed=seed,
        network_mode=network_mode,
        generator_processes=processes,
        workloads=workloads,
        source=source,
    )


def _parse_workload(source: str, prefix: str, table: object) -> Workload:
    fields = _Fields(source, prefix, table)
    kind = fields.string("kind", choices=WORKLOAD_KINDS)
    users = fields.integer("users", minimum=1)
    rate = fields.number("send_rate_per_user_hz", minimum=0.0, above=True)
    room_size = fields.integer("room_size", minimum=2) if kind == "group" else 2
    payload = _parse_payload(source, f"{prefix}.payload", fields.table_of("payload"))
    fields.done()
    if users % room_size:
        what = (
            "an even number (users form 1:1 pairs)"
            if kind == "chat"
            else f"a multiple of room_size ({room_size})"
        )
        raise BadInput(source, f"{prefix}.users", users, f"must be {what}")
    return Workload(
        kind=kind, users=users, send_rate_per_user_hz=rate, payload=payload, room_size=room_size
    )


def _parse_payload(source: str, prefix: str, table: object) -> Payload:
    fields = _Fields(source, prefix, table or {"distribution": "fixed", "bytes": 100})
    dist = fields.string("distribution", choices=PAYLOAD_DISTRIBUTIONS)
    if dist == "fixed":
        payload = Payload(dist, bytes=fields.integer("bytes", minimum=1))
    elif dist == "uniform":
        payload = Payload(
            dist,
            min_bytes=fields.integer("min_bytes", minimum=1),
            max_bytes=fields.integer("max_bytes", minimum=1),
        )
        if payload.max_bytes < payload.min_bytes:
            raise BadInput(
                source,
                f"{prefix}.max_bytes",
                payload.max_bytes,
                f"must be >= min_bytes ({payload.min_bytes})",
            )
    else:
        payload = Payload(
            dist,
            median_bytes=fields.integer("median_bytes", minimum=1),
            sigma=fields.number("sigma", minimum=0.0),
            max_bytes=fields.integer("max_bytes", MAX_PAYLOAD_BYTES, minimum=1),
        )
    fields.done()
    largest = max(payload.bytes, payload.max_bytes)
    if largest > MAX_PAYLOAD_BYTES:
        raise BadInput(
            source, prefix, largest, f"payload sizes must be <= {MAX_PAYLOAD_BYTES} bytes"
        )
    return payload
