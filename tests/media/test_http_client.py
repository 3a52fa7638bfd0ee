"""The signalling client against a real aiohttp server on loopback: JSON both ways, one session
whose connections are reused, every failure a RequestError naming method, path and status."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from harness.backends.json_server import JsonServer, json_app, read_object
from workloads.media.http_client import EXCERPT_CHARS, JsonClient, RequestError, SignallingError

Scenario = Callable[[JsonClient, list[str]], Awaitable[None]]
"""(client, the client address:port of every request the server saw) → None."""


def _app(seen: list[str]) -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        assert request.transport is not None
        seen.append("{}:{}".format(*request.transport.get_extra_info("peername")[:2]))
        return web.json_response({"method": request.method, "got": await read_object(request)})

    async def listing(request: web.Request) -> web.Response:
        return web.json_response([1, 2, 3])

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"error": "x" * 1000}, status=409)

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="<html>proxy error</html>")

    async def chunked(request: web.Request) -> web.StreamResponse:
        """What Janus' libmicrohttpd does with HTTP/1.1: no Content-Length, chunks."""
        reply = web.StreamResponse(headers={"Content-Type": "application/json"})
        reply.enable_chunked_encoding()
        await reply.prepare(request)
        for piece in (b'{"janus": "server_info",', b' "name": ', b'"Janus"}'):
            await reply.write(piece)
        await reply.write_eof()
        return reply

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    app = json_app()
    app.router.add_route("*", "/base/echo", echo)
    app.router.add_get("/base/list", listing)
    app.router.add_get("/base/refuse", refuse)
    app.router.add_get("/base/text", text)
    app.router.add_get("/base/chunked", chunked)
    app.router.add_get("/base/slow", slow)
    return app


@asynccontextmanager
async def _served() -> AsyncIterator[tuple[JsonServer, list[str]]]:
    seen: list[str] = []
    server = await JsonServer.start(_app(seen), "127.0.0.1", 0)
    try:
        yield server, seen
    finally:
        await server.close()


def _run(scenario: Scenario, timeout_s: float = 30.0) -> None:
    async def main() -> None:
        async with _served() as (server, seen):
            client = JsonClient("127.0.0.1", server.port, "/base", timeout_s=timeout_s)
            try:
                await scenario(client, seen)
            finally:
                await client.close()

    asyncio.run(main())


def test_a_body_goes_out_as_json_and_the_json_reply_comes_back() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        body = {"peer": "a", "sdp": "v=0\r\n", "codecs": {"video": "vp8"}}
        assert await api.request("POST", "/echo", body) == {"method": "POST", "got": body}
        assert await api.request_object("GET", "/echo") == {"method": "GET", "got": {}}
        assert await api.request("GET", "/list") == [1, 2, 3]

    _run(scenario)


def test_one_client_reuses_one_connection_for_sequential_requests() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        for _ in range(5):
            await api.request("GET", "/echo")
        assert len(seen) == 5 and len(set(seen)) == 1, seen
        await api.close()  # a closed client opens a new session on its next request
        await api.request("GET", "/echo")
        assert len(set(seen)) == 2, seen

    _run(scenario)


def test_more_requests_in_flight_than_aiohttp_s_default_cap_all_reach_the_server() -> None:
    """Janus holds one long poll per session open; a cap of 100 would starve the rest."""
    in_flight = 150
    arrived = 0
    all_there = asyncio.Event()

    async def held(request: web.Request) -> web.Response:
        nonlocal arrived
        arrived += 1
        if arrived == in_flight:
            all_there.set()
        await all_there.wait()
        return web.json_response({"n": arrived})

    async def main() -> None:
        app = json_app()
        app.router.add_get("/held", held)
        server = await JsonServer.start(app, "127.0.0.1", 0)
        try:
            async with JsonClient("127.0.0.1", server.port, timeout_s=10) as api:
                replies = await asyncio.gather(
                    *(api.request("GET", "/held") for _ in range(in_flight))
                )
            assert replies == [{"n": in_flight}] * in_flight
        finally:
            await server.close()

    asyncio.run(main())


def test_a_chunked_reply_as_janus_sends_it_is_read_whole() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        assert await api.request("GET", "/chunked") == {"janus": "server_info", "name": "Janus"}

    _run(scenario)


def test_a_non_2xx_reply_names_method_path_status_and_a_short_excerpt() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        with pytest.raises(RequestError) as caught:
            await api.request("GET", "/refuse")
        error = caught.value
        assert (error.method, error.path, error.status) == ("GET", "/base/refuse", 409)
        assert error.excerpt.startswith('{"error": "xxx') and error.excerpt.endswith("…")
        assert len(error.excerpt) == EXCERPT_CHARS + 1
        assert str(error).startswith("GET /base/refuse → HTTP 409: {")

    _run(scenario)


def test_an_unknown_path_is_the_server_s_404() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        with pytest.raises(RequestError, match=r"GET /base/nowhere → HTTP 404: .*Not Found"):
            await api.request("GET", "/nowhere")

    _run(scenario)


def test_a_2xx_reply_that_is_not_json_is_a_request_error() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        with pytest.raises(RequestError) as caught:
            await api.request("GET", "/text")
        assert (caught.value.status, caught.value.excerpt) == (200, "<html>proxy error</html>")

    _run(scenario)


def test_a_reply_that_must_be_an_object_and_is_not_is_a_request_error() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        with pytest.raises(RequestError, match=r"GET /base/list → HTTP 200: not an object: \[1"):
            await api.request_object("GET", "/list")

    _run(scenario)


def test_a_server_that_takes_too_long_is_a_request_error_without_a_status() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        started_s = time.monotonic()
        with pytest.raises(RequestError, match="GET /base/slow → no answer") as caught:
            await api.request("GET", "/slow")
        assert caught.value.status is None
        assert time.monotonic() - started_s < 2.0

    _run(scenario, timeout_s=0.3)


def test_a_per_request_timeout_overrides_the_client_s() -> None:
    async def scenario(api: JsonClient, seen: list[str]) -> None:
        started_s = time.monotonic()
        with pytest.raises(RequestError, match="no answer"):
            await api.request("GET", "/slow", timeout_s=0.2)
        assert time.monotonic() - started_s < 2.0

    _run(scenario, timeout_s=60.0)


def test_nobody_listening_is_a_signalling_error_without_a_status() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def main() -> None:
        async with JsonClient("127.0.0.1", port) as api:
            with pytest.raises(SignallingError) as caught:
                await api.request("POST", "/rooms/r/publish", {"peer": "a"})
        assert isinstance(caught.value, RequestError)
        assert (caught.value.path, caught.value.status) == ("/rooms/r/publish", None)
        assert "Connect" in caught.value.excerpt

    asyncio.run(main())
