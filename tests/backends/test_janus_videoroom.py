"""A real Janus (Debian's package) in a run namespace: one aiortc publisher and one subscriber
at 1.5 Mbps through its videoroom over the HTTP API, VP8 and H.264. Needs root; CI installs
Janus (scripts/install-janus)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from backend_helpers import (
    candidate_addresses,
    cpu_s,
    measure,
    media_on,
    payload_bytes,
    veth_bytes,
    video_source,
)

from harness.backends import create_backend
from harness.backends.janus import JanusBackend
from harness.children import ProcessScope
from harness.network import TestNetwork
from tests.conftest import backend_context
from workloads.media.janus_signalling import JanusError, JanusVideoRoom
from workloads.media.judge import StreamVerdict
from workloads.media.packets import ClipPackets

pytestmark = [pytest.mark.slow, pytest.mark.root, pytest.mark.usefixtures("janus_installed")]


def _in_namespace(net: TestNetwork, *argv: str) -> str:
    assert net.namespace is not None
    done = subprocess.run(
        ["ip", "netns", "exec", net.namespace, *argv], capture_output=True, text=True, check=True
    )
    return done.stdout


def _socket_addresses(net: TestNetwork) -> set[str]:
    """Local addresses of every TCP/UDP socket open inside the namespace."""
    lines = _in_namespace(net, "ss", "-Htuan").splitlines()
    return {line.split()[4].rpartition(":")[0] for line in lines}


def _namespace_pids(net: TestNetwork) -> list[str]:
    assert net.namespace is not None
    done = subprocess.run(["ip", "netns", "pids", net.namespace], capture_output=True, text=True)
    return done.stdout.split()


async def _call(
    room: JanusVideoRoom, net: TestNetwork, janus_pid: int, codec: str, sources: list[ClipPackets]
) -> tuple[StreamVerdict, dict[str, float]]:
    """alice publishes, bob subscribes, both measured; then both leave. Returns bob's verdict
    and the figures: veth bytes, Janus CPU seconds, media payload bytes (sent + received)."""
    await room.ensure_room("call", publishers=2, video_codec=codec)
    wire_before, cpu_before = veth_bytes(net.meter_interface), cpu_s(janus_pid)
    pub = await room.publish("call", "alice", sources)
    found = await room.wait_for_publishers("call", 1, timeout_s=10)
    assert found == {"alice": {"video": codec}}
    sub = await room.subscribe("call", "bob", "alice", found["alice"])
    [verdict] = await measure([pub, sub])
    sent, received = await payload_bytes([pub, sub])
    figures = {
        "wire_bytes": veth_bytes(net.meter_interface) - wire_before,
        "janus_cpu_s": cpu_s(janus_pid) - cpu_before,
        "payload_bytes": sent + received,
    }
    janus_side = candidate_addresses(sub.pc.remoteDescription.sdp)
    assert janus_side == {(net.server_host, "host")}
    assert candidate_addresses(pub.pc.localDescription.sdp) == {(net.client_host, "host")}
    await room.leave("call", "bob")
    await room.leave("call", "alice")
    assert await room.publishers("call") == {}
    await pub.close()
    await sub.close()
    return verdict, figures


@pytest.mark.parametrize("codec", ["vp8", "h264"])
def test_a_publisher_reaches_a_subscriber_through_janus_at_target_without_loss(
    codec: str, run_net: TestNetwork, tmp_path: Path, clip_cache: Path, process_scope: ProcessScope
) -> None:
    backend = create_backend("janus")
    assert isinstance(backend, JanusBackend)
    sources = video_source(clip_cache, codec)

    async def scenario() -> tuple[StreamVerdict, dict[str, float]]:
        endpoint = await backend.start(backend_context(run_net, tmp_path, "janus", process_scope))
        assert (endpoint.host, endpoint.protocol) == (run_net.server_host, "janus-http")
        [janus] = backend.processes()
        room = JanusVideoRoom(backend.address)
        try:
            with media_on([run_net.client_host]):
                result = await _call(room, run_net, janus.pid, codec, sources)
            assert _socket_addresses(run_net) <= {run_net.server_host}
        finally:
            await room.close()
            await backend.stop()
        return result

    verdict, figures = asyncio.run(scenario())
    print(f"janus {codec} 1:1: {verdict}\n{figures}")
    assert (verdict.peer, verdict.stream) == ("bob", "alice/video")
    assert abs(verdict.error_pct) <= 5.0, verdict
    assert verdict.packets_lost == 0, verdict
    assert verdict.frames_per_s > 29.0, verdict
    # Both legs (alice → Janus, Janus → bob) cross the veth, plus RTP/SRTP/UDP/IP headers.
    assert figures["payload_bytes"] < figures["wire_bytes"] < 1.2 * figures["payload_bytes"]
    assert all(p.returncode is not None for p in backend.processes())
    assert _namespace_pids(run_net) == []
    assert backend.describe()["version"].startswith("1.")


def test_janus_rejects_a_subscription_to_a_feed_that_does_not_exist(
    run_net: TestNetwork, tmp_path: Path, process_scope: ProcessScope
) -> None:
    backend = JanusBackend()

    async def scenario() -> None:
        await backend.start(backend_context(run_net, tmp_path, "janus", process_scope))
        room = JanusVideoRoom(backend.address)
        try:
            with media_on([run_net.client_host]):
                await room.ensure_room("empty", publishers=1, video_codec="vp8")
                with pytest.raises(JanusError, match="videoroom error 428"):
                    await room.subscribe("empty", "bob", "nobody", {"video": "vp8"})
        finally:
            await room.close()
            await backend.stop()

    asyncio.run(scenario())


def test_keepalives_hold_a_session_that_janus_would_otherwise_expire(
    run_net: TestNetwork, tmp_path: Path, process_scope: ProcessScope
) -> None:
    """Janus expires sessions after session_timeout even while a long poll is pending."""
    backend = JanusBackend(session_timeout_s=3)

    async def scenario() -> None:
        await backend.start(backend_context(run_net, tmp_path, "janus", process_scope))
        kept = JanusVideoRoom(backend.address, keepalive_s=1.0)
        idle = JanusVideoRoom(backend.address, keepalive_s=1000.0)
        try:
            await kept.ensure_room("r", publishers=1, video_codec="vp8")
            await idle.ensure_room("r", publishers=1, video_codec="vp8")
            await asyncio.sleep(8.0)  # expired after 3-5 s: Janus' watchdog looks every 2 s
            assert await kept.publishers("r") == {}
            with pytest.raises(JanusError, match="458"):  # JANUS_ERROR_SESSION_NOT_FOUND
                await idle.publishers("r")
            assert idle._control is not None and idle._control.session.over
        finally:
            await kept.close()
            await idle.close()
            await backend.stop()

    asyncio.run(scenario())
