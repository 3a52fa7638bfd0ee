"""The embedded SFU's HTTP API (aiohttp.web) answers as its docstring says, errors as JSON, and
they reach the client as RequestError; real aiortc offers over loopback, no media needed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from harness.backends.embedded_sfu import Sfu, serve
from harness.backends.json_server import MAX_BODY_BYTES
from workloads.media import peers
from workloads.media.clips import ensure_clip, video_spec
from workloads.media.http_client import JsonClient, RequestError
from workloads.media.netaddr import restrict_host_addresses
from workloads.media.packets import load_packets

Scenario = Callable[[Sfu, JsonClient], Awaitable[None]]


@asynccontextmanager
async def _sfu_and_client() -> AsyncIterator[tuple[Sfu, JsonClient]]:
    sfu, server = await serve("127.0.0.1", 0)
    try:
        async with JsonClient("127.0.0.1", server.port) as client:
            yield sfu, client
    finally:
        await server.close()
        await sfu.close()


def _run(scenario: Scenario) -> None:
    async def main() -> None:
        async with _sfu_and_client() as (sfu, client):
            await scenario(sfu, client)

    asyncio.run(main())


def test_health_rooms_and_stats_answer_and_only_a_post_makes_a_room() -> None:
    async def scenario(sfu: Sfu, api: JsonClient) -> None:
        assert await api.request("GET", "/health") == {"ok": True}
        assert await api.request("GET", "/rooms/r1") == {"publishers": []}
        assert (await api.request("GET", "/stats"))["rooms"] == 0
        assert await api.request("POST", "/rooms/r1/leave", {"peer": "a"}) == {}
        assert await api.request("GET", "/stats") == {
            "rooms": 1,
            "publications": 0,
            "subscriptions": 0,
            "ingress_payload_bytes": 0,
            "egress_payload_bytes": 0,
            "egress_packets": 0,
        }

    _run(scenario)


def test_subscribing_before_the_publisher_exists_is_404_naming_it() -> None:
    async def scenario(sfu: Sfu, api: JsonClient) -> None:
        body = {"peer": "a", "publisher": "nobody", "sdp": "", "type": "offer"}
        with pytest.raises(RequestError) as caught:
            await api.request("POST", "/rooms/r1/subscribe", body)
        error = caught.value
        assert (error.method, error.path, error.status) == ("POST", "/rooms/r1/subscribe", 404)
        assert "publisher 'nobody' not in room 'r1'" in error.excerpt

    _run(scenario)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "says"),
    [
        ("POST", "/rooms/r1/publish", {"peer": "a"}, 400, "expected {'type': 'offer'"),
        ("POST", "/rooms/r1/publish", {"peer": "a", "type": "answer", "sdp": ""}, 400, "offer"),
        ("GET", "/nowhere", None, 404, "GET /nowhere: 404: Not Found"),
        ("GET", "/rooms/r1/publish", None, 405, "405: Method Not Allowed"),
        ("POST", "/stats", {}, 405, "405: Method Not Allowed"),
    ],
    ids=["an offer without sdp", "an answer", "no route", "a GET publish", "a POST stats"],
)
def test_a_bad_request_gets_its_status_and_a_json_error(
    method: str, path: str, body: dict[str, str] | None, status: int, says: str
) -> None:
    async def scenario(sfu: Sfu, api: JsonClient) -> None:
        with pytest.raises(RequestError) as caught:
            await api.request(method, path, body)
        assert caught.value.status == status
        assert caught.value.excerpt.startswith('{"error": ') and says in caught.value.excerpt

    _run(scenario)


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"{not json", 400, "body is not JSON"),
        (b'["peer", "a"]', 400, "body must be a JSON object, not list"),
        (b"\xff\xfe", 400, "body is not JSON"),
        (b" " * (MAX_BODY_BYTES + 1), 413, "Maximum request body size 1000000 exceeded"),
    ],
    ids=["malformed JSON", "a JSON list", "not UTF-8", "one byte over the limit"],
)
def test_a_malformed_or_oversized_body_is_refused_before_any_room_exists(
    raw: bytes, status: int, says: str
) -> None:
    async def scenario(sfu: Sfu, api: JsonClient) -> None:
        url = f"{api.base_url}/rooms/r1/publish"
        async with aiohttp.ClientSession() as session, session.post(url, data=raw) as reply:
            assert reply.status == status
            error = (await reply.json())["error"]
        assert error.startswith("POST /rooms/r1/publish: ") and says in error, error
        assert sfu.rooms == {}

    _run(scenario)


def test_an_empty_body_reads_as_an_empty_object() -> None:
    async def scenario(sfu: Sfu, api: JsonClient) -> None:
        url = f"{api.base_url}/rooms/r1/leave"
        async with aiohttp.ClientSession() as session, session.post(url) as reply:
            assert (reply.status, await reply.json()) == (200, {})
        assert list(sfu.rooms) == ["r1"]

    _run(scenario)


def test_a_real_offer_publishes_is_listed_with_its_codecs_subscribes_and_leaves(
    clip_cache: Path,
) -> None:
    sources = [load_packets(ensure_clip(video_spec("vp8", "480p", 500_000, 2), clip_cache))]

    async def scenario(sfu: Sfu, api: JsonClient) -> None:
        pub = await peers.publish(api, "r1", "alice", sources)
        sub = await peers.subscribe(api, "r1", "bob", "alice", {"video": "vp8"})
        try:
            assert sub.pc.remoteDescription.type == "answer"
            assert await peers.publishers(api, "r1") == {"alice": {"video": "vp8"}}
            stats = await api.request("GET", "/stats")
            assert (stats["publications"], stats["subscriptions"]) == (1, 1)
            await peers.leave(api, "r1", "alice")
            assert await peers.wait_for_publishers(api, "r1", 0, timeout_s=1) == {}
            stats = await api.request("GET", "/stats")
            assert (stats["publications"], stats["subscriptions"]) == (0, 0)
        finally:
            await pub.close()
            await sub.close()

    undo = restrict_host_addresses(["127.0.0.1"])
    try:
        _run(scenario)
    finally:
        undo()
