"""The one HTTP client every signalling speaks: JSON in, JSON out, over one aiohttp session.

A `JsonClient` talks to one signalling server (the embedded SFU, Janus, a benchmark's sink peer)
through a single `aiohttp.ClientSession`, opened on the first request and kept until `close()`:
connections are reused (HTTP/1.1 keep-alive) instead of one per request. A media driver process
holds one signalling and so one client.

Janus' libmicrohttpd answers HTTP/1.1 requests chunked; aiohttp reads chunked replies, so no
HTTP/1.0 fallback is needed (checked against Debian's Janus 1.x, tests/backends/).

Exceptions:

    SignallingError        a signalling server refused a request or could not be reached
     ├── RequestError      an HTTP request failed: its method, path, status (None when no answer
     │                     came: refused, reset, timed out) and an excerpt of the reply
     └── janus_signalling.JanusError   Janus or its videoroom said no (in a 200 reply or event)
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

import aiohttp
from yarl import URL

JsonObject = dict[str, Any]

REQUEST_TIMEOUT_S = 30.0
"""Any one request, connect to last byte. Janus' long poll is held up to 30 s: ask for more."""
EXCERPT_CHARS = 200


class SignallingError(Exception):
    """A signalling server refused a request or could not be reached."""


class RequestError(SignallingError):
    """An HTTP request failed: a non-2xx status, a reply that is not JSON, or no answer."""

    def __init__(self, method: str, path: str, status: int | None, excerpt: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        """The HTTP status, or None when no reply came."""
        self.excerpt = excerpt
        answer = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{method} {path} → {answer}: {excerpt}")


class JsonClient:
    """JSON requests to one server at http://host:port/base_path, on one reused session."""

    def __init__(
        self, host: str, port: int, base_path: str = "", timeout_s: float = REQUEST_TIMEOUT_S
    ) -> None:
        self.base_url = URL.build(scheme="http", host=host, port=port)
        self.base_path = base_path
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: JsonObject | None = None,
        *,
        timeout_s: float | None = None,
    ) -> Any:
        """Send `body` (if any) as JSON to base_path + path; the decoded JSON reply."""
        _status, reply = await self._send(method, path, body, timeout_s)
        return reply

    async def request_object(
        self,
        method: str,
        path: str,
        body: JsonObject | None = None,
        *,
        timeout_s: float | None = None,
    ) -> JsonObject:
        """`request`, for replies that must be a JSON object."""
        status, reply = await self._send(method, path, body, timeout_s)
        if not isinstance(reply, dict):
            excerpt = _excerpt(json.dumps(reply).encode())
            raise RequestError(method, self.base_path + path, status, f"not an object: {excerpt}")
        return reply

    async def _send(
        self, method: str, path: str, body: JsonObject | None, timeout_s: float | None
    ) -> tuple[int, Any]:
        full_path = self.base_path + path
        timeout = aiohttp.ClientTimeout(total=timeout_s or self.timeout_s)
        try:
            async with self._open().request(
                method, f"{self.base_url}{full_path}", json=body, timeout=timeout
            ) as response:
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RequestError(method, full_path, None, repr(exc)) from exc
        if not 200 <= response.status < 300:
            raise RequestError(method, full_path, response.status, _excerpt(raw))
        try:
            return response.status, json.loads(raw)
        except ValueError as exc:  # JSONDecodeError, and bytes that are not UTF-8
            raise RequestError(method, full_path, response.status, _excerpt(raw)) from exc

    async def close(self) -> None:
        """Close the session and its connections; a later request opens a new one."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> JsonClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            # limit=0: no cap on open connections. Each Janus session holds a long poll open, so
            # aiohttp's default cap (100) would queue every other request behind 100 polls.
            connector = aiohttp.TCPConnector(limit=0)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session


def _excerpt(raw: bytes) -> str:
    if not raw:
        return "(empty body)"
    text = raw.decode("utf-8", errors="replace")
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"
