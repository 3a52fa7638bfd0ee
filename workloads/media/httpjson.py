"""A minimal JSON-over-HTTP/1.1 server and client on asyncio streams (one request per connection).

Enough for SDP offer/answer signalling with the embedded SFU, with no web framework dependency.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

JsonObject = dict[str, Any]
Handler = Callable[[str, str, JsonObject], Awaitable[tuple[int, JsonObject]]]
"""(method, path, body) → (status, body)."""

MAX_BODY_BYTES = 1_000_000
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict", 500: "Error"}


class SignallingError(Exception):
    """The peer answered with a non-2xx status or something that is not JSON."""


async def serve_json(host: str, port: int, handler: Handler) -> asyncio.Server:
    """Start serving `handler` on host:port (port 0 picks a free one; see server.sockets)."""

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, path, body = await _read_request(reader)
            status, reply = await handler(method, path, body)
        except (ValueError, json.JSONDecodeError) as exc:
            status, reply = 400, {"error": str(exc)}
        except asyncio.IncompleteReadError:
            writer.close()
            return
        _write_response(writer, status, reply)
        try:
            await writer.drain()
        finally:
            writer.close()

    return await asyncio.start_server(on_client, host, port)


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, JsonObject]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)
    }
    length = int(headers.get("content-length", "0"))
    if length > MAX_BODY_BYTES:
        raise ValueError(f"body of {length} bytes exceeds {MAX_BODY_BYTES}")
    raw = await reader.readexactly(length) if length else b"{}"
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return method.upper(), path, body


def _write_response(writer: asyncio.StreamWriter, status: int, body: JsonObject) -> None:
    data = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + data)


async def request_json(
    host: str, port: int, method: str, path: str, body: JsonObject | None = None
) -> JsonObject:
    """Send one request and return the JSON reply; non-2xx raises SignallingError."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        data = json.dumps(body or {}).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode() + data)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    status_line, _, rest = raw.partition(b"\r\n")
    status = int(status_line.split(b" ")[1])
    reply = json.loads(rest.partition(b"\r\n\r\n")[2] or b"{}")
    if not 200 <= status < 300:
        raise SignallingError(f"{method} {path} → {status}: {reply}")
    return reply  # type: ignore[no-any-return]
