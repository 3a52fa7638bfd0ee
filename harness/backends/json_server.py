"""JSON over HTTP on aiohttp.web: the embedded SFU's API (and the media benchmark's sink peer).

- `json_app()`: an `aiohttp.web.Application` whose every error reply is JSON `{"error": ...}`:
  aiohttp's own 404 (no route), 405 (a route, another method) and 413 (a body over
  MAX_BODY_BYTES), a handler's `bad_request(...)`, and a `ValueError` out of a handler (a malformed
  offer, for example) as 400.
- `read_object(request)`: the body as a JSON object; an empty body is `{}`; malformed JSON or
  anything but an object is 400.
- `JsonServer.start(app, host, port)`: listening on host:port (port 0 picks a free one, see
  `.port`) until `close()`. No access log: the server is measured, and its stdout is an interface.

The client side is `workloads.media.http_client`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

JsonObject = dict[str, Any]

MAX_BODY_BYTES = 1_000_000
"""An SDP offer is a few kB; anything near this is not signalling."""
SHUTDOWN_TIMEOUT_S = 1.0
"""close() waits this long for requests in flight (aiohttp's default is 60 s)."""


def bad_request(message: str) -> web.HTTPBadRequest:
    """A 400 to raise from a handler; the reply is {"error": "<method> <path>: <message>"}."""
    return web.HTTPBadRequest(text=message)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPError as exc:  # 4xx and 5xx; redirects pass
        error = f"{request.method} {request.path}: {exc.text or exc.reason}"
        return web.json_response({"error": error}, status=exc.status)
    except ValueError as exc:
        error = f"{request.method} {request.path}: {exc}"
        return web.json_response({"error": error}, status=400)


def json_app() -> web.Application:
    """An application with JSON error replies and the body size limit."""
    return web.Application(middlewares=[_json_errors], client_max_size=MAX_BODY_BYTES)


async def read_object(request: web.Request) -> JsonObject:
    """The request body as a JSON object ({} when empty); anything else raises a 400."""
    raw = await request.read()  # over client_max_size: aiohttp raises 413
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request(f"body must be a JSON object, not {type(body).__name__}")
    return body


@dataclass
class JsonServer:
    """An application served on host:port."""

    runner: web.AppRunner
    host: str
    port: int

    @classmethod
    async def start(cls, app: web.Application, host: str, port: int) -> JsonServer:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        return cls(runner, host, int(runner.addresses[0][1]))

    async def close(self) -> None:
        """Stop listening, let requests in flight finish (SHUTDOWN_TIMEOUT_S), close the rest."""
        await self.runner.cleanup()
