"""The SFU's HTTP API answers with JSON, and errors reach the client as SignallingError."""

from __future__ import annotations

import asyncio

import pytest

from harness.backends.embedded_sfu import Sfu
from workloads.media.httpjson import SignallingError, request_json, serve_json


def test_the_sfu_api_lists_rooms_and_rejects_unknown_publishers_and_routes() -> None:
    async def scenario() -> None:
        sfu = Sfu()
        server = await serve_json("127.0.0.1", 0, sfu.handle)
        port = server.sockets[0].getsockname()[1]
        try:
            assert await request_json("127.0.0.1", port, "GET", "/health") == {"ok": True}
            assert await request_json("127.0.0.1", port, "GET", "/rooms/r1") == {"publishers": []}
            with pytest.raises(SignallingError, match="404"):
                body = {"peer": "a", "publisher": "nobody", "sdp": "", "type": "offer"}
                await request_json("127.0.0.1", port, "POST", "/rooms/r1/subscribe", body)
            with pytest.raises(SignallingError, match="400"):
                await request_json("127.0.0.1", port, "POST", "/rooms/r1/publish", {"peer": "a"})
            with pytest.raises(SignallingError, match="404"):
                await request_json("127.0.0.1", port, "GET", "/nowhere")
            stats = await request_json("127.0.0.1", port, "GET", "/stats")
            assert stats["egress_payload_bytes"] == 0 and stats["rooms"] == 1
        finally:
            server.close()
            await sfu.close()

    asyncio.run(scenario())
