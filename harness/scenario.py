"""Scenario files (TOML): what to run, against which backend, for how long, on which network.

A scenario is parsed and validated completely before anything starts; a bad one is one `BadInput`
listing every problem in the file, each naming the file, the field, the bad value and what would be
accepted (`harness.kernel.config`, docs/config.md). Checks that depend on the machine (root,
installed binaries) are not made here: parsing is pure.

    [scenario]
    name = "quickstart"
    backend = "embedded"          # messaging backend: KNOWN_BACKENDS (`imbench run --backend` overrides)
    duration_s = 45               # steady load after the ramp
    ramp_s = 10                   # users connect evenly over this time
    drain_s = 3                   # after the last send, receivers keep listening this long
    seed = 1

    [network]
    mode = "auto"                 # auto | netns | loopback
    tls = false                   # true: the messaging backend serves TLS (a certificate made for the run)

    [backend.mosquitto]           # options of one backend (harness.backend_options), a table per backend
    qos = 1

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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.backend_options import options_for, parse_backend_options
from harness.kernel.config import Fields, read_toml
from harness.kernel.errors import BadInput
from harness.kernel.payload import MAX_PAYLOAD_BYTES, PAYLOAD_DISTRIBUTIONS, Payload

KNOWN_BACKENDS = ("embedded", "synapse", "prosody", "ejabberd", "mosquitto", "external")
"""Messaging backends a scenario may name (each has a module in harness.backends)."""
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
    tls: bool = False
    """The messaging backend serves TLS with a certificate generated for the run."""
    backend_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    """`[backend.<name>]` tables as given (validated, defaults filled in), by backend name."""
    source: str = ""

    @property
    def total_users(self) -> int:
        return sum(w.users for w in self.workloads) + sum(m.peers for m in self.media)

    def options(self, backend: str | None = None) -> dict[str, Any]:
        """The options `backend` (default: the messaging backend) runs with, defaults filled in."""
        return options_for(self.backend_options, backend or self.backend)

    def resolved(self) -> dict[str, Any]:
        """The scenario as the run understood it (defaults filled in), for the manifest."""
        data = asdict(self)
        data.pop("source")
        data["backend_options"] = {self.backend: self.options()}
        return data

    def workload_identity(self) -> dict[str, Any]:
        """What the simulated users do, and for how long: the scenario's identity for comparison.

        Not which server they do it against (backend, its options, the SFU, TURN), nor how the
        network and generators are set up (TLS, namespace or loopback, processes), nor the name:
        the same scenario run against five backends, or with and without TLS, is one scenario."""
        return {
            "duration_s": self.duration_s,
            "ramp_s": self.ramp_s,
            "drain_s": self.drain_s,
            "seed": self.seed,
            "workloads": [asdict(w) for w in self.workloads],
            "media": [asdict(m) for m in self.media],
        }

    def sha256(self) -> str:
        """The hash of `workload_identity` (the manifest's `scenario_sha256`)."""
        canonical = json.dumps(self.workload_identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def with_backend(self, name: str, field_name: str = "--backend") -> Scenario:
        """The same scenario against messaging backend `name` (`imbench run --backend NAME`)."""
        if name not in KNOWN_BACKENDS:
            accepted = f"one of: {', '.join(KNOWN_BACKENDS)}"
            raise BadInput(self.source, field_name, name, f"must be {accepted}")
        if not self.workloads:
            accepted = "a scenario with chat or group workloads (this one has none)"
            raise BadInput(self.source, field_name, name, f"needs {accepted}")
        return replace(self, backend=name)


def load_scenario(path: str | Path, backend: str | None = None) -> Scenario:
    """Read and validate a scenario file; raise one BadInput naming every problem in it.
    `backend` runs it against that messaging backend instead (`imbench run --backend`)."""
    scenario = parse_scenario(read_toml(path, exact=False), str(path))
    return scenario.with_backend(backend) if backend else scenario


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate parsed TOML; every problem in it is reported at once (`harness.kernel.config`)."""
    top = Fields(source, data)
    head, network = top.table("scenario"), top.table("network")
    generators, media_head = top.table("generators"), top.table("media")
    items = top.tables("workload", required=True)

    name = head.text("name")
    backend = head.choice("backend", KNOWN_BACKENDS, "embedded")
    duration_s = head.number("duration_s", minimum=0.0, above=True)
    ramp_s = head.number("ramp_s", 0.0)
    drain_s = head.number("drain_s", 2.0)
    seed = head.integer("seed", 1)
    head.done()
    network_mode = network.choice("mode", NETWORK_MODES, "auto")
    tls = network.flag("tls", False)
    network.done()
    processes = generators.integer("processes", 1, minimum=1)
    generators.done()
    media_backend = media_head.choice("backend", KNOWN_MEDIA_BACKENDS, "embedded-sfu")
    turn = media_head.flag("turn", False)
    media_head.done()

    if top.valid("workload") and not items:
        top.bad("workload", [], "must be one or more [[workload]] tables")
    parsed = [_parse_any_workload(item) for item in items]
    workloads = tuple(w for w in parsed if isinstance(w, Workload))
    media = tuple(w for w in parsed if isinstance(w, MediaWorkload))
    messaging_users_known = all(i.valid("users") for i in items if i.raw("kind") in MESSAGING_KINDS)
    if (
        workloads
        and generators.valid("processes")
        and messaging_users_known
        and processes > sum(w.users for w in workloads)
    ):
        generators.bad("processes", processes, "must not exceed the total users")
    backend_options = parse_backend_options(top, KNOWN_BACKENDS)
    top.finish()
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
        tls=tls,
        backend_options=backend_options,
        source=source,
    )


def _parse_any_workload(fields: Fields) -> Workload | MediaWorkload | None:
    """One [[workload]]; None when its kind is bad (its other keys are then not judged)."""
    kind = fields.choice("kind", WORKLOAD_KINDS)
    if not fields.valid("kind"):
        fields.abandon()
        return None
    if kind in MEDIA_KINDS:
        return _parse_media(fields, kind)
    return _parse_workload(fields, kind)


def _parse_media(fields: Fields, kind: str) -> MediaWorkload:
    mode = fields.choice("mode", MEDIA_MODES, "call")
    users = fields.integer("users", minimum=1)
    calls = mode == "call" and fields.valid("mode")
    room_size = fields.integer("room_size", 2, minimum=2 if calls else 1)
    if kind == "video":
        codec = fields.choice("codec", VIDEO_CODECS, "vp8")
        resolution = fields.choice("resolution", RESOLUTIONS, "480p")
        bitrate_mbps = fields.number("bitrate_mbps", 1.5, minimum=0.1)
        if fields.valid("bitrate_mbps") and bitrate_mbps > 8:
            fields.bad("bitrate_mbps", bitrate_mbps, "must be <= 8 (Mbps)")
        audio_kbps = fields.integer("audio_bitrate_kbps", 0, minimum=0)
    else:
        codec, resolution, bitrate_mbps = "opus", "", 0.0
        audio_kbps = fields.integer("audio_bitrate_kbps", 32, minimum=6)
    processes = fields.integer("processes", 1, minimum=1)
    fields.done()
    rooms_known = fields.valid("users", "room_size", "mode")
    if rooms_known and users % room_size:
        fields.bad("users", users, f"must be a multiple of room_size ({room_size})")
    media = MediaWorkload(
        kind, mode, users, room_size, codec, resolution, bitrate_mbps, audio_kbps, processes
    )
    if fields.valid("users", "room_size", "mode", "processes") and processes > media.peers:
        fields.bad("processes", processes, f"must not exceed the peers ({media.peers})")
    return media


def _parse_workload(fields: Fields, kind: str) -> Workload:
    users = fields.integer("users", minimum=1)
    rate = fields.number("send_rate_per_user_hz", minimum=0.0, above=True)
    room_size = fields.integer("room_size", minimum=2) if kind == "group" else 2
    payload = _parse_payload(fields.table("payload"))
    fields.done()
    if fields.valid("users", "room_size") and users % room_size:
        what = (
            "an even number (users form 1:1 pairs)"
            if kind == "chat"
            else f"a multiple of room_size ({room_size})"
        )
        fields.bad("users", users, f"must be {what}")
    return Workload(
        kind=kind, users=users, send_rate_per_user_hz=rate, payload=payload, room_size=room_size
    )


DEFAULT_PAYLOAD = Payload("fixed", bytes=100)


def _parse_payload(fields: Fields) -> Payload:
    if fields.valid() and not fields.given_keys():
        return DEFAULT_PAYLOAD
    dist = fields.choice("distribution", PAYLOAD_DISTRIBUTIONS)
    if not fields.valid("distribution"):
        fields.abandon()
        return DEFAULT_PAYLOAD
    if dist == "fixed":
        payload = Payload(dist, bytes=fields.integer("bytes", minimum=1))
    elif dist == "uniform":
        payload = Payload(
            dist,
            min_bytes=fields.integer("min_bytes", minimum=1),
            max_bytes=fields.integer("max_bytes", minimum=1),
        )
        if fields.valid("min_bytes", "max_bytes") and payload.max_bytes < payload.min_bytes:
            fields.bad(
                "max_bytes", payload.max_bytes, f"must be >= min_bytes ({payload.min_bytes})"
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
    if fields.valid() and largest > MAX_PAYLOAD_BYTES:
        fields.bad("", largest, f"payload sizes must be <= {MAX_PAYLOAD_BYTES} bytes")
    return payload
