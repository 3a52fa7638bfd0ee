"""A real coturn (Debian's package) in a run namespace relaying a relay-only aiortc 1:1 call at
1.5 Mbps VP8, and the bytes it relayed measured from its own accounting and from the veth.
Needs root; CI installs coturn."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from backend_helpers import (
    candidate_addresses,
    measure,
    media_on,
    payload_bytes,
    veth_bytes,
    video_source,
)

from harness.backends import create_backend
from harness.backends.coturn import CoturnBackend, RelayUsage
from harness.backends.janus import JanusBackend
from harness.children import ProcessScope
from harness.network import TestNetwork
from tests.conftest import backend_context
from workloads.media.janus_signalling import JanusVideoRoom
from workloads.media.turn import connected_pair, relay_configuration

pytestmark = [pytest.mark.slow, pytest.mark.root, pytest.mark.usefixtures("coturn_installed")]
USAGE_TIMEOUT_S = 5.0


async def _final_usage(backend: CoturnBackend, allocations: int) -> RelayUsage:
    """coturn logs an allocation's last usage when it ends (aioice deletes it on pc.close())."""
    async with asyncio.timeout(USAGE_TIMEOUT_S):
        while (usage := backend.relay_usage()).closed_allocations < allocations:
            await asyncio.sleep(0.1)
    return usage


def test_a_relay_only_call_goes_through_coturn_at_target_and_its_bytes_are_counted(
    run_net: TestNetwork, tmp_path: Path, clip_cache: Path, process_scope: ProcessScope
) -> None:
    backend = create_backend("coturn")
    assert isinstance(backend, CoturnBackend)
    sources = video_source(clip_cache)

    async def scenario() -> None:
        await backend.start(backend_context(run_net, tmp_path, "coturn", process_scope))
        try:
            wire_before = veth_bytes(run_net.meter_interface)
            with media_on([run_net.client_host]):
                configuration = relay_configuration(backend.turn_server)
                send, recv = await connected_pair("alice", sources, configuration)
                verdicts = await measure([send, recv])
                offered = candidate_addresses(send.pc.localDescription.sdp)
                answered = candidate_addresses(recv.pc.localDescription.sdp)
                _, received_bytes = await payload_bytes([recv])
                await send.close()
                await recv.close()
            usage = await _final_usage(backend, allocations=2)
            wire_bytes = veth_bytes(run_net.meter_interface) - wire_before
        finally:
            await backend.stop()
        [verdict] = verdicts
        print(f"relayed 1:1 received {verdict}\n{usage}\nveth {wire_bytes} B")
        assert abs(verdict.error_pct) <= 5.0, verdict
        assert verdict.packets_lost == 0, verdict
        assert offered == answered == {(run_net.server_host, "relay")}
        # Both peers are relayed: alice → coturn (client leg) → alice's relay → bob's relay
        # (peer leg) → coturn → bob. Each leg carries the media plus RTP/SRTP/TURN overhead.
        for leg_bytes in (usage.client_received_bytes, usage.peer_sent_bytes):
            assert received_bytes < leg_bytes < 1.15 * received_bytes, usage
        assert usage.total_bytes > 4 * received_bytes, usage
        # The veth sees only the client legs (both relays are inside the namespace).
        assert 2 * received_bytes < wire_bytes < 2.4 * received_bytes

    asyncio.run(scenario())
    [turn] = backend.processes()
    assert turn.returncode is not None
    assert "password" not in backend.describe()["config"]


@pytest.mark.usefixtures("janus_installed")
def test_relay_only_peers_publish_and_subscribe_through_janus_via_coturn(
    run_net: TestNetwork, tmp_path: Path, clip_cache: Path, process_scope: ProcessScope
) -> None:
    """Janus and coturn share the run namespace; the peers' only candidates are TURN relays."""
    turn, janus = CoturnBackend(), JanusBackend()
    sources = video_source(clip_cache)

    async def scenario() -> None:
        await turn.start(backend_context(run_net, tmp_path, "coturn", process_scope))
        await janus.start(backend_context(run_net, tmp_path, "janus", process_scope))
        room = JanusVideoRoom(janus.address, relay_configuration(turn.turn_server))
        try:
            with media_on([run_net.client_host]):
                await room.ensure_room("relayed", publishers=1, video_codec="vp8")
                pub = await room.publish("relayed", "alice", sources)
                found = await room.wait_for_publishers("relayed", 1, timeout_s=10)
                sub = await room.subscribe("relayed", "bob", "alice", found["alice"])
                verdicts = await measure([pub, sub])
                sent_bytes, received_bytes = await payload_bytes([pub, sub])
                ours = candidate_addresses(pub.pc.localDescription.sdp)
                await room.close()
                await pub.close()
                await sub.close()
            usage = await _final_usage(turn, allocations=2)
        finally:
            await room.close()
            await janus.stop()
            await turn.stop()
        [verdict] = verdicts
        print(f"janus via coturn received {verdict}\n{usage}")
        assert abs(verdict.error_pct) <= 5.0 and verdict.packets_lost == 0, verdict
        assert ours == {(run_net.server_host, "relay")}
        # alice → coturn → Janus, and Janus → coturn → bob: each leg once per direction. alice
        # publishes from before bob subscribes, so each leg is compared with its own end.
        assert sent_bytes < usage.client_received_bytes < 1.15 * sent_bytes, usage
        assert received_bytes < usage.client_sent_bytes < 1.15 * received_bytes, usage

    asyncio.run(scenario())
