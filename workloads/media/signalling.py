"""The media driver's one choice of signalling: the embedded SFU or Janus, behind one interface.

`MediaSignalling` is what a driver needs to join peers: open its rooms, publish, subscribe, wait
for a room's publishers, leave, close. `EmbeddedSignalling` adapts `workloads.media.peers` (the
embedded SFU's HTTP API; rooms exist on first use); `JanusVideoRoom` already has these methods
(rooms are created with the capacity and codec the driver asks for). `open_signalling` picks one
by name. Each holds one `workloads.media.http_client.JsonClient` (one HTTP session for the whole
driver process) until `close`. Both build every peer connection with the same ICE `configuration`: direct, or
relay-only through our TURN server (`workloads.media.turn.relay_configuration`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from aiortc import RTCConfiguration

from workloads.media import peers
from workloads.media.janus_signalling import JanusAddress, JanusVideoRoom
from workloads.media.packets import ClipPackets
from workloads.media.peers import PeerLink, SfuAddress, sfu_client
from workloads.media.receiver import RttSource

SIGNALLING_KINDS = ("embedded", "janus")


class MediaSignalling(Protocol):
    async def open_rooms(self, rooms: Iterable[str], publishers: int, video_codec: str) -> None:
        """Make `rooms` ready for up to `publishers` senders of `video_codec`."""

    async def publish(
        self, room: str, peer: str, sources: list[ClipPackets], start_index: int = 0
    ) -> PeerLink: ...

    async def subscribe(
        self,
        room: str,
        peer: str,
        publisher: str,
        codecs: dict[str, str],
        rtt_source: RttSource | None = None,
    ) -> PeerLink: ...

    async def wait_for_publishers(
        self, room: str, count: int, timeout_s: float, poll_s: float = 0.1
    ) -> dict[str, dict[str, str]]: ...

    async def leave(self, room: str, peer: str) -> None: ...

    async def close(self) -> None:
        """Release what the signalling itself holds (Janus: its control session)."""


class EmbeddedSignalling:
    """The embedded SFU's HTTP API (`workloads.media.peers`) as a `MediaSignalling`: every
    request goes through one `JsonClient`, closed by `close`."""

    def __init__(self, sfu: SfuAddress, configuration: RTCConfiguration | None = None) -> None:
        self.sfu = sfu
        self.configuration = configuration
        self.api = sfu_client(sfu)

    async def open_rooms(self, rooms: Iterable[str], publishers: int, video_codec: str) -> None:
        """Nothing to do: the embedded SFU makes a room on its first request."""

    async def publish(
        self, room: str, peer: str, sources: list[ClipPackets], start_index: int = 0
    ) -> PeerLink:
        return await peers.publish(
            self.api, room, peer, sources, start_index, configuration=self.configuration
        )

    async def subscribe(
        self,
        room: str,
        peer: str,
        publisher: str,
        codecs: dict[str, str],
        rtt_source: RttSource | None = None,
    ) -> PeerLink:
        return await peers.subscribe(
            self.api, room, peer, publisher, codecs, rtt_source, configuration=self.configuration
        )

    async def wait_for_publishers(
        self, room: str, count: int, timeout_s: float, poll_s: float = 0.1
    ) -> dict[str, dict[str, str]]:
        return await peers.wait_for_publishers(self.api, room, count, timeout_s, poll_s)

    async def leave(self, room: str, peer: str) -> None:
        await peers.leave(self.api, room, peer)

    async def close(self) -> None:
        """Close the HTTP client (its session and kept-alive connections)."""
        await self.api.close()


def open_signalling(
    kind: str, host: str, port: int, configuration: RTCConfiguration | None = None
) -> MediaSignalling:
    """The signalling `kind` (one of SIGNALLING_KINDS) at host:port."""
    if kind == "janus":
        return JanusVideoRoom(JanusAddress(host, port), configuration)
    if kind == "embedded":
        return EmbeddedSignalling(SfuAddress(host, port), configuration)
    raise ValueError(f"signalling {kind!r} is not one of {SIGNALLING_KINDS}")
