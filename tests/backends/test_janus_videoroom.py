"""A real Janus (Debian's package) in a run namespace, one aiortc publisher and one subscriber
at 1.5 Mbps VP8 through its videoroom over the HTTP API. Needs root; CI installs Janus."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from backend_helpers import candidate_addresses, measure, media_on, vp8_source

from harness.backends import create_backend
from harness.backends.janus import JanusBackend
from harness.network import TestNetwork
from workloads.media.janus_signalling import JanusError, JanusVideoRoom

pytestmark = [pytest.mark.root, pytest.mark.usefixtures("janus_installed")]


def _listening_addresses(net: TestNetwork) -> set[str]:
    """Local addresses of every TCP/UDP socket open inside the namespace."""
    assert net.namespace is not None
    done = subprocess.run(
        ["ip", "netns", "exec", net.namespace, "ss", "-Htuan"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {line.split()[4].rpartition(":")[0] for line in done.stdout.splitlines()}


def test_a_publisher_reaches_a_subscriber_through_janus_at_target_without_loss(
    run_net: TestNetwork, tmp_path: Path, clip_cache: Path
) -> None:
    backend = create_backend("janus")
    assert isinstance(backend, JanusBackend)
    sources = vp8_source(clip_cache)

    async def scenario() -> None:
        endpoint = await backend.start(run_net, tmp_path / "janus", tmp_path / "janus.log")
        room = JanusVideoRoom(backend.address)
        try:
            assert (endpoint.host, endpoint.protocol) == (run_net.server_host, "janus-http")
            assert backend.process is not None
            assert _listening_addresses(run_net) <= {run_net.server_host}
            with media_on([run_net.client_host]):
                await room.ensure_room("call", publishers=2, video_codec="vp8")
                pub = await room.publish("call", "alice", sources)
                found = await room.wait_for_publishers("call", 1, timeout_s=10)
                assert found == {"alice": {"video": "vp8"}}
                sub = await room.subscribe("call", "bob", "alice", found["alice"])
                verdicts = await measure([pub, sub])
                janus_candidates = candidate_addresses(sub.pc.remoteDescription.sdp)
                our_candidates = candidate_addresses(pub.pc.localDescription.sdp)
                await room.leave("call", "bob")
                await room.leave("call", "alice")
                assert await room.publishers("call") == {}
                await pub.close()
                await sub.close()
        finally:
            await room.close()
            await backend.stop()
        [verdict] = verdicts
        print(f"janus 1:1 received {verdict}")
        assert (verdict.peer, verdict.stream) == ("bob", "alice/video")
        assert abs(verdict.error_pct) <= 5.0, verdict
        assert verdict.packets_lost == 0, verdict
        assert verdict.frames_per_s > 29.0, verdict
        assert janus_candidates == {(run_net.server_host, "host")}
        assert our_candidates == {(run_net.client_host, "host")}

    asyncio.run(scenario())
    assert backend.process is not None and backend.process.returncode is not None
    assert _namespace_pids(run_net) == []
    assert backend.describe()["version"].startswith("1.")


def test_janus_rejects_a_subscription_to_a_feed_that_does_not_exist(
    run_net: TestNetwork, tmp_path: Path
) -> None:
    backend = JanusBackend()

    async def scenario() -> None:
        await backend.start(run_net, tmp_path / "janus", tmp_path / "janus.log")
        room = JanusVideoRoom(backend.address)
        try:
            with media_on([run_net.client_host]):
                await room.ensure_room("empty", publishers=1, video_codec="vp8")
                with pytest.raises(JanusError, match="videoroom error"):
                    await room.subscribe("empty", "bob", "nobody", {"video": "vp8"})
        finally:
            await room.close()
            await backend.stop()

    asyncio.run(scenario())


def _namespace_pids(net: TestNetwork) -> list[str]:
    assert net.namespace is not None
    done = subprocess.run(["ip", "netns", "pids", net.namespace], capture_output=True, text=True)
    return done.stdout.split()
