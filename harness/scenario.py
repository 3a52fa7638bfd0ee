"""Scenario files (TOML): what to run, against which backend, for how long, on which network.

A scenario is parsed and validated completely before anything starts; every rejection is a
`BadInput` that names the file, the field, the bad value and what would be accepted.

    [scenario]
    name = "quickstart"
    backend = "embedded"          # messaging backend: KNOWN_BACKENDS
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

    [media]
    backend = "embedded-sfu"      # the SFU media workloads go through: embedded-sfu | janus
    turn = false                  # true: peers reach the SFU only through a coturn relay

    [[workload]]
    kind = "video"                # video | voice
    mode = "call"                 # call: each publishes, subscribes to room_size-1 | broadcast
    users = 8                     # call: participants; broadcast: viewers (+1 publisher per room)
    room_size = 4                 # call: participants per call (2 = 1:1); broadcast: viewers per room
    codec = "vp8"                 # vp8 | h264 (video); voice is always opus
    resolution = "480p"           # 480p | 720p
    bitrate_mbps = 1.5            # video target per published stream
    audio_bitrate_kbps = 0        # video: add an Opus track (0 = none); voice: default 32
    processes = 1                 # media driver processes for this workload
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.kernel.errors import BadInput
from harness.kernel.payload import MAX_PAYLOAD_BYTES, PAYLOAD_DISTRIBUTIONS, Payload

KNOWN_BACKENDS = ("embedded",)
KNOWN_MEDIA_BACKENDS = ("embedded-sfu", "janus")
NETWORK_MODES = ("auto", "netns", "loopback")
MESSAGING_KINDS = ("chat", "group")
MEDIA_KINDS = ("video", "voice")
WORKLOAD_KINDS = MESSAGING_KINDS + MEDIA_KINDS
MEDIA_MODES = ("call", "broadcast")
VIDEO_CODECS = ("vp8", "h264")
RESOLUTIONS = ("480p", "720p")


@dataclass(frozen=True)
class Workload:
    kind: str
    users: int
    send_rate_per_user_hz: float
    payload: Payload
    room_size: int = 2


@dataclass(frozen=True)
class MediaWorkload:
    """Real-time media through the backend's SFU.

    call: `users` participants in calls of `room_size`, each publishing and subscribing to the
    others (room_size 2 is a 1:1 call). broadcast: `users` viewers in rooms of `room_size`
    viewers, each room with one extra publisher.
    """

    kind: str
    mode: str
    users: int
    room_size: int
    codec: str
    resolution: str
    bitrate_mbps: float
    audio_bitrate_kbps: int
    processes: int

    @property
    def publishers(self) -> int:
        return self.users if self.mode == "call" else self.users // self.room_size

    @property
    def peers(self) -> int:
        return self.users if self.mode == "call" else self.users + self.publishers


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
    media: tuple[MediaWorkload, ...] = ()
    media_backend: str = "embedded-sfu"
    turn: bool = False
    """Media peers reach the SFU only through a coturn relay (relay-only ICE)."""
    source: str = ""

    @property
    def total_users(self) -> int:
        return sum(w.users for w in self.workloads) + sum(m.peers for m in self.media)

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
    media_head = _Fields(source, "media", top.table_of("media"))
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
    media_backend = media_head.string("backend", "embedded-sfu", KNOWN_MEDIA_BACKENDS)
    turn = media_head.table.pop("turn", False)
    if not isinstance(turn, bool):
        raise BadInput(source, "media.turn", turn, "must be true or false")
    media_head.done()

    if not isinstance(raw_workloads, list) or not raw_workloads:
        raise BadInput(source, "workload", raw_workloads, "must be one or more [[workload]] tables")
    parsed = [
        _parse_any_workload(source, f"workload[{i}]", item) for i, item in enumerate(raw_workloads)
    ]
    workloads = tuple(w for w in parsed if isinstance(w, Workload))
    media = tuple(w for w in parsed if isinstance(w, MediaWorkload))
    if workloads and processes > sum(w.users for w in workloads):
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
        media=media,
        media_backend=media_backend,
        turn=turn,
        source=source,
    )


def _parse_any_workload(source: str, prefix: str, table: object) -> Workload | MediaWorkload:
    fields = _Fields(source, prefix, table)
    kind = fields.string("kind", choices=WORKLOAD_KINDS)
    if kind in MEDIA_KINDS:
        return _parse_media(fields, kind)
    return _parse_workload(fields, kind)


def _parse_media(fields: _Fields, kind: str) -> MediaWorkload:
    source, prefix = fields.source, fields.prefix
    mode = fields.string("mode", "call", MEDIA_MODES)
    users = fields.integer("users", minimum=1)
    room_size = fields.integer("room_size", 2, minimum=2 if mode == "call" else 1)
    if kind == "video":
        codec = fields.string("codec", "vp8", VIDEO_CODECS)
        resolution = fields.string("resolution", "480p", RESOLUTIONS)
        bitrate_mbps = fields.number("bitrate_mbps", 1.5, minimum=0.1)
        if bitrate_mbps > 8:
            raise BadInput(source, f"{prefix}.bitrate_mbps", bitrate_mbps, "must be <= 8 (Mbps)")
        audio_kbps = fields.integer("audio_bitrate_kbps", 0, minimum=0)
    else:
        codec, resolution, bitrate_mbps = "opus", "", 0.0
        audio_kbps = fields.integer("audio_bitrate_kbps", 32, minimum=6)
    processes = fields.integer("processes", 1, minimum=1)
    fields.done()
    if users % room_size:
        raise BadInput(
            source, f"{prefix}.users", users, f"must be a multiple of room_size ({room_size})"
        )
    media = MediaWorkload(
        kind, mode, users, room_size, codec, resolution, bitrate_mbps, audio_kbps, processes
    )
    if processes > media.peers:
        raise BadInput(
            source, f"{prefix}.processes", processes, f"must not exceed the peers ({media.peers})"
        )
    return media


def _parse_workload(fields: _Fields, kind: str) -> Workload:
    source, prefix = fields.source, fields.prefix
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
