"""A media load-generator process: K aiortc peers of one role against an SFU.

The SFU is the embedded one or Janus (`signalling`, chosen once by
`workloads.media.signalling.open_signalling`); with `turn_host` set, every peer connection is
relay-only through that TURN server (`workloads.media.turn.relay_configuration`).

Started by the orchestrator as `python -m harness.drivers.media_driver CONFIG.json` (asyncio only;
never gevent or Locust in this process). It writes `MediaDriverConfig.out_path`, a JSONL file of
`media.driver`, `media.join`, `media.sample` and `media.loop` (event-loop lag) records (see `workloads.media.sink`), flushed once
a second, and prints one JSON progress line per second to stdout. It ends after `duration_s`, or
earlier on SIGTERM/SIGINT: peers leave, every record is flushed, exit 0. A signalling or
connection failure exits RUN_FAILED (the backend's fault); a bad config BAD_INPUT; a crash prints a traceback.

`duration_s` counts from the driver's start, joins included.

Media is cheap by construction: clips are generated once and cached, every sender shares one
in-memory packet list (no encoder runs), and receivers count encoded frames (no decoder runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from aiortc import RTCConfiguration

from harness.kernel import exitcodes
from harness.kernel.errors import BadInput, ImbenchError
from harness.kernel.records import MediaProgress
from workloads.media import encoded
from workloads.media.clips import ClipInfo, ClipSpec, ensure_clip, video_spec
from workloads.media.http_client import SignallingError
from workloads.media.looplag import LagProbe, LoopLag, summarize_lag
from workloads.media.netaddr import restrict_host_addresses
from workloads.media.packets import ClipPackets, load_packets
from workloads.media.peers import PeerLink, direct_configuration
from workloads.media.plan import PlannedPeer, expected_publishers, plan_peers
from workloads.media.records import StreamSample
from workloads.media.sender import SendStream
from workloads.media.session import MediaSession
from workloads.media.signalling import SIGNALLING_KINDS, MediaSignalling, open_signalling
from workloads.media.sink import JsonlSink
from workloads.media.tracks import pin_encoder_bitrate
from workloads.media.turn import TurnServer, relay_configuration

SOURCE = "media driver"


@dataclass(frozen=True)
class MediaDriverConfig:
    """Everything one media driver process does (JSON file, field names as below)."""

    sfu_host: str
    sfu_port: int
    role: str
    peers: int
    room_size: int
    duration_s: float
    out_path: str
    generator: int = 0
    first_peer: int = 0
    room_prefix: str = "room"
    publishers_per_room: int | None = None
    video_codec: str = "vp8"
    resolution: str = "480p"
    video_bitrate_bps: int = 1_500_000
    audio_bitrate_bps: int = 0
    """0 publishes video only; otherwise an Opus track at this bitrate too."""
    clip_duration_s: int = 10
    clip_cache_dir: str | None = None
    ice_addresses: tuple[str, ...] = ("127.0.0.1",)
    join_rate_per_s: float = 5.0
    join_timeout_s: float = 30.0
    sample_interval_s: float = 1.0
    signalling: str = "embedded"
    """`embedded` (the embedded SFU's HTTP API) or `janus` (Janus' HTTP API), at sfu_host:sfu_port."""
    turn_host: str | None = None
    """Set: every peer connection is relay-only through this TURN server (an IP address)."""
    turn_port: int = 3478
    turn_username: str = ""
    turn_password: str = ""

    def __post_init__(self) -> None:
        _check_signalling(self)
        _check_turn(self)

    @classmethod
    def from_json(cls, text: str) -> MediaDriverConfig:
        data = json.loads(text)
        data["ice_addresses"] = tuple(data.get("ice_addresses", cls.ice_addresses))
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    def public_json(self) -> str:
        """to_json without the TURN password (for records and logs)."""
        data = asdict(self)
        if data["turn_password"]:
            data["turn_password"] = "<redacted>"
        return json.dumps(data)


def _check_signalling(config: MediaDriverConfig) -> None:
    if config.signalling not in SIGNALLING_KINDS:
        raise BadInput(SOURCE, "signalling", config.signalling, f"one of {SIGNALLING_KINDS}")


def _check_turn(config: MediaDriverConfig) -> None:
    port = config.turn_port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise BadInput(SOURCE, "turn_port", port, "a UDP port, 1-65535")
    for field in ("turn_username", "turn_password"):
        if not isinstance(getattr(config, field), str):
            raise BadInput(SOURCE, field, type(getattr(config, field)).__name__, "a string")
    if config.turn_host is None:
        if config.turn_username or config.turn_password:
            raise BadInput(SOURCE, "turn_host", None, "an IP address when TURN credentials are set")
        return
    if not _is_ip_address(config.turn_host):
        raise BadInput(SOURCE, "turn_host", config.turn_host, "an IPv4/IPv6 address")
    if not config.turn_username or not config.turn_password:
        missing = "turn_username" if not config.turn_username else "turn_password"
        raise BadInput(SOURCE, missing, "", "non-empty with turn_host (long-term credential)")


def _is_ip_address(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def ice_configuration(config: MediaDriverConfig) -> RTCConfiguration:
    """Relay-only through the config's TURN server, or host candidates only."""
    if config.turn_host is None:
        return direct_configuration()
    server = TurnServer(
        config.turn_host, config.turn_port, config.turn_username, config.turn_password
    )
    return relay_configuration(server)


def driver_signalling(config: MediaDriverConfig) -> MediaSignalling:
    """The config's signalling (embedded SFU or Janus), every peer with the config's ICE."""
    return open_signalling(
        config.signalling, config.sfu_host, config.sfu_port, ice_configuration(config)
    )


def room_capacity(config: MediaDriverConfig) -> int:
    """Publishers a Janus room admits: room_size or publishers_per_room, whichever is larger."""
    return max(config.room_size, config.publishers_per_room or 1)


def load_clips(config: MediaDriverConfig) -> list[ClipInfo]:
    """The clips every publisher of this process sends (generated on first use, then cached)."""
    cache = Path(config.clip_cache_dir) if config.clip_cache_dir else None
    specs = []
    if config.video_bitrate_bps:  # 0: a voice-only peer
        specs.append(
            video_spec(
                config.video_codec,
                config.resolution,
                config.video_bitrate_bps,
                config.clip_duration_s,
            )
        )
    if config.audio_bitrate_bps:
        specs.append(ClipSpec("opus", config.audio_bitrate_bps, config.clip_duration_s))
    return [ensure_clip(spec, cache) for spec in specs]


async def _paced(interval_s: float, index: int, started_s: float) -> None:
    delay_s = started_s + index * interval_s - asyncio.get_running_loop().time()
    if delay_s > 0:
        await asyncio.sleep(delay_s)


async def join_all(
    config: MediaDriverConfig,
    signalling: MediaSignalling,
    planned: list[PlannedPeer],
    sources: list[ClipPackets],
    session: MediaSession,
) -> None:
    """Open the rooms, publish every publishing peer, then subscribe every subscribing peer, at
    the join rate."""
    rooms = sorted({p.room for p in planned})
    await signalling.open_rooms(rooms, room_capacity(config), config.video_codec)
    interval_s = 1.0 / config.join_rate_per_s
    started_s, step = asyncio.get_running_loop().time(), 0
    own: dict[str, PeerLink] = {}
    for k, peer in enumerate(p for p in planned if p.publishes):
        await _paced(interval_s, step, started_s)
        step += 1
        link = await signalling.publish(peer.room, peer.peer, sources, start_index=7 * k)
        own[peer.peer] = link
        session.links.append(link)
    want = expected_publishers(config.role, config.room_size, config.publishers_per_room)
    for peer in (p for p in planned if p.subscribes):
        found = await signalling.wait_for_publishers(peer.room, want, config.join_timeout_s)
        for publisher, codecs in sorted(found.items()):
            if publisher == peer.peer:
                continue
            await _paced(interval_s, step, started_s)
            step += 1
            rtt = own[peer.peer].rtt_ms if peer.peer in own else None
            link = await signalling.subscribe(peer.room, peer.peer, publisher, codecs, rtt)
            session.links.append(link)


def _lag_record(session: MediaSession, probe: LagProbe) -> LoopLag:
    restarts = sum(s.track.restarts for _, s in session.streams() if isinstance(s, SendStream))
    loop_s = asyncio.get_running_loop().time()
    return summarize_lag(probe.take(), loop_s, time.time(), restarts)


def _progress(samples: list[StreamSample], lag: LoopLag) -> str:
    received = [s for s in samples if s.direction == "recv"]
    return MediaProgress(
        recv_streams=len(received),
        recv_mbps=round(sum(s.payload_mbps for s in received), 3),
        recv_lost=sum(s.packets_lost for s in received),
        send_streams=len(samples) - len(received),
        loop_lag_ms_max=round(lag.lag_ms_max, 1),
    ).to_json()


async def _load_phase(
    config: MediaDriverConfig,
    signalling: MediaSignalling,
    planned: list[PlannedPeer],
    sources: list[ClipPackets],
    session: MediaSession,
    stop: asyncio.Event,
) -> int:
    """Join everyone, then hold the load until `duration_s` after start or until `stop`."""
    loop = asyncio.get_running_loop()
    end_s = loop.time() + config.duration_s
    joining = asyncio.create_task(join_all(config, signalling, planned, sources, session))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait(
        {joining, stopping}, timeout=config.duration_s, return_when="FIRST_COMPLETED"
    )
    stopping.cancel()
    if not joining.done():  # stopped, or the whole duration went by while still joining
        joining.cancel()
        session.event("stopped", "before every peer had joined")
        return exitcodes.OK
    try:
        joining.result()
    except (SignallingError, OSError, TimeoutError) as exc:
        session.event("error", f"joining failed: {exc!r}")
        return exitcodes.RUN_FAILED
    session.event("joined", f"{len(session.links)} peer connections")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max(0.0, end_s - loop.time()))
    return exitcodes.OK


async def run_driver(config: MediaDriverConfig, stop: asyncio.Event | None = None) -> int:
    """The driver's composition root; returns an exit code. `stop` ends it early."""
    restrict_host_addresses(config.ice_addresses)
    if config.video_bitrate_bps:
        pin_encoder_bitrate(config.video_bitrate_bps)
    encoded.install()
    stop = stop or asyncio.Event()
    clips = load_clips(config)
    sources = [load_packets(clip) for clip in clips]
    planned = plan_peers(
        config.role, config.peers, config.room_size, config.first_peer, config.room_prefix
    )
    signalling = driver_signalling(config)
    sink = JsonlSink(Path(config.out_path))
    session = MediaSession(sink)
    session.event("start", config.public_json())
    for clip in clips:  # what the generator really offers: achieved, not target
        session.event("clip", json.dumps(asdict(clip)))
    probe = LagProbe()
    probing = asyncio.create_task(probe.run(stop))

    def on_samples(rows: list[StreamSample]) -> None:
        lag = _lag_record(session, probe)
        sink.write(lag)
        print(_progress(rows, lag), flush=True)

    sampler = asyncio.create_task(session.run(config.sample_interval_s, stop, on_samples))
    code = exitcodes.OK
    try:
        code = await _load_phase(config, signalling, planned, sources, session, stop)
    finally:
        stop.set()
        await sampler
        await probing
        await _leave_all(signalling, planned)
        await session.close()
        session.event("end", f"exit {code}")
        sink.close()
    return code


async def _leave_all(signalling: MediaSignalling, planned: list[PlannedPeer]) -> None:
    for peer in planned:
        with contextlib.suppress(SignallingError, OSError, TimeoutError):  # the SFU may be gone
            await signalling.leave(peer.room, peer.peer)
    with contextlib.suppress(SignallingError, OSError, TimeoutError):
        await signalling.close()


async def _main_async(config: MediaDriverConfig) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return await run_driver(config, stop)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m harness.drivers.media_driver CONFIG.json", file=sys.stderr)
        return exitcodes.BAD_INPUT
    try:
        config = MediaDriverConfig.from_json(Path(args[0]).read_text(encoding="utf-8"))
        return asyncio.run(_main_async(config))
    except ImbenchError as exc:
        print(f"media driver: {exc}", file=sys.stderr)
        return exc.exit_code
    except (OSError, ValueError, TypeError) as exc:
        print(f"media driver: bad config {args[0]}: {exc}", file=sys.stderr)
        return exitcodes.BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
