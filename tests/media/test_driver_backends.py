"""The media driver process against real backends in a run namespace, configured only through
MediaDriverConfig: a 1:1 through Janus (`signalling = "janus"`), and a 1:1 through the embedded
SFU and through Janus with relay-only ICE through coturn (`turn_*`). Verdicts come from the driver's JSONL records
(receive side, after a 2 s warm-up, one whole 10 s clip period). Needs root and the Debian
packages (scripts/install-janus, scripts/install-coturn)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from harness.backends.coturn import CoturnBackend, RelayUsage
from harness.backends.embedded_media import SfuProcess
from harness.backends.janus import JanusBackend
from harness.children import ProcessScope
from harness.drivers.media_driver import MediaDriverConfig
from harness.network import TestNetwork
from tests.conftest import backend_context
from tests.requirements import needs_binary
from workloads.media.judge import StreamVerdict, judge_streams
from workloads.media.records import StreamSample
from workloads.media.sink import read_records, read_samples
from workloads.media.turn import TurnServer

pytestmark = [pytest.mark.slow, pytest.mark.root]
TARGET_BPS = 1_500_000
WARM_UP_S = 2.0
DURATION_S = 14.0
"""Joins take about 1 s, so after 2 s of warm-up at least one clip period (10 s) is judged,
even on a busy machine."""
USAGE_TIMEOUT_S = 5.0


def _one_to_one(
    net: TestNetwork, host: str, port: int, out: Path, clips: Path
) -> MediaDriverConfig:
    """Two participants in one room at 1.5 Mbps VP8, ICE on the client side of the veth."""
    return MediaDriverConfig(
        sfu_host=host,
        sfu_port=port,
        role="participant",
        peers=2,
        room_size=2,
        duration_s=DURATION_S,
        out_path=str(out),
        clip_cache_dir=str(clips),
        video_codec="vp8",
        video_bitrate_bps=TARGET_BPS,
        ice_addresses=(net.client_host,),
    )


async def _run_driver(config: MediaDriverConfig, tmp_path: Path) -> int:
    """The driver as its own process (as the orchestrator starts it); its exit code."""
    path = tmp_path / "driver.json"
    path.write_text(config.to_json())
    argv = [sys.executable, "-m", "harness.drivers.media_driver", str(path)]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.DEVNULL)
    try:
        return await asyncio.wait_for(proc.wait(), config.duration_s + 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def _verdicts(samples: list[StreamSample]) -> list[StreamVerdict]:
    after_s = min(s.t_s for s in samples) + WARM_UP_S
    return judge_streams(samples, {"video": TARGET_BPS}, after_s=after_s)


def _assert_at_target(verdicts: list[StreamVerdict]) -> None:
    assert sorted(v.stream for v in verdicts) == ["p0/video", "p1/video"], verdicts
    for v in verdicts:
        assert abs(v.error_pct) <= 5.0, v
        assert v.packets_lost == 0, v


def _received_bytes(samples: list[StreamSample]) -> int:
    streams = {(s.peer, s.stream) for s in samples if s.direction == "recv"}
    return sum(
        max(s.payload_bytes_total for s in samples if (s.peer, s.stream) == key) for key in streams
    )


@asynccontextmanager
async def _sfu(
    kind: str, net: TestNetwork, tmp_path: Path, scope: ProcessScope
) -> AsyncIterator[tuple[str, int]]:
    """The SFU that the driver's `signalling` names, in the run namespace: its host and port."""
    if kind == "janus":
        janus = JanusBackend()
        endpoint = await janus.start(backend_context(net, tmp_path, "janus", scope))
        try:
            yield endpoint.host, endpoint.port
        finally:
            await janus.stop()
        return
    sfu = SfuProcess(host=net.server_host, netns=net.namespace)
    try:
        yield sfu.host, sfu.port
    finally:
        sfu.stop()


@needs_binary("janus", install="scripts/install-janus")
def test_the_driver_holds_a_one_to_one_through_janus_at_target_without_loss(
    run_net: TestNetwork,
    tmp_path: Path,
    clip_cache: Path,
    process_scope: ProcessScope,
) -> None:
    out = tmp_path / "janus.jsonl"

    async def scenario() -> int:
        async with _sfu("janus", run_net, tmp_path, process_scope) as (host, port):
            config = _one_to_one(run_net, host, port, out, clip_cache)
            return await _run_driver(replace(config, signalling="janus"), tmp_path)

    assert asyncio.run(scenario()) == 0
    verdicts = _verdicts(read_samples(out))
    print(f"janus 1:1 via the driver: {verdicts}")
    _assert_at_target(verdicts)
    events = [r["event"] for r in read_records(out, "media.driver")]
    assert "joined" in events and "error" not in events, events


async def _final_usage(turn: CoturnBackend, allocations: int) -> RelayUsage:
    """coturn logs an allocation's last usage about 1 s after the peer connection closed."""
    async with asyncio.timeout(USAGE_TIMEOUT_S):
        while (usage := turn.relay_usage()).closed_allocations < allocations:
            await asyncio.sleep(0.1)
    return usage


def _relayed(config: MediaDriverConfig, server: TurnServer) -> MediaDriverConfig:
    return replace(
        config,
        turn_host=server.host,
        turn_port=server.port,
        turn_username=server.username,
        turn_password=server.password,
    )


@needs_binary("turnserver", install="scripts/install-coturn")
@pytest.mark.parametrize(
    "signalling",
    [
        "embedded",
        pytest.param("janus", marks=needs_binary("janus", install="scripts/install-janus")),
    ],
)
def test_the_driver_relays_a_one_to_one_through_coturn_to_the_sfu(
    signalling: str,
    run_net: TestNetwork,
    tmp_path: Path,
    clip_cache: Path,
    process_scope: ProcessScope,
) -> None:
    turn = CoturnBackend()
    out = tmp_path / "relayed.jsonl"

    async def scenario() -> tuple[int, RelayUsage]:
        await turn.start(backend_context(run_net, tmp_path, "coturn", process_scope))
        try:
            async with _sfu(signalling, run_net, tmp_path, process_scope) as (host, port):
                config = _one_to_one(run_net, host, port, out, clip_cache)
                config = _relayed(replace(config, signalling=signalling), turn.turn_server)
                code = await _run_driver(config, tmp_path)
            # 2 peers x (1 publish + 1 subscribe connection), each with its own allocation
            return code, await _final_usage(turn, allocations=4)
        finally:
            await turn.stop()

    code, usage = asyncio.run(scenario())
    assert code == 0
    samples = read_samples(out)
    verdicts = _verdicts(samples)
    print(f"{signalling} 1:1 relayed by coturn via the driver: {verdicts}\n{usage}")
    _assert_at_target(verdicts)
    assert usage.total_bytes > 0
    # Every received byte came down a relayed leg (coturn → the subscriber's TURN client).
    assert usage.client_sent_bytes > _received_bytes(samples), usage
    assert turn.turn_server.password not in out.read_text()
