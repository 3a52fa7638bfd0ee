"""Provisioning a Matrix homeserver in bulk over its own HTTP API (aiohttp, in the orchestrator).

Accounts: Synapse's shared-secret admin registration (`/_synapse/admin/v1/register`: a nonce,
then the account with an HMAC-SHA1 over nonce, name, password and admin flag), which answers
with the account's access token, so nobody logs in afterwards. It is one HTTP round trip pair
per account, run `CONCURRENCY` at a time. Rooms: a group room is created by its first member
with the others invited, then each invitee joins; a 1:1 pair's room is created by the lower
user as a direct chat (`is_direct`, `trusted_private_chat`) with the other invited, who joins.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from harness.kernel.errors import BackendFailure

CONCURRENCY = 16
REQUEST_TIMEOUT_S = 60.0
T = TypeVar("T")


def registration_mac(secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    """The HMAC-SHA1 hex digest Synapse's shared-secret registration checks."""
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for part in (nonce.encode(), user.encode(), password.encode()):
        mac.update(part)
        mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


@dataclass(frozen=True)
class Account:
    user_id: str
    """The Matrix ID, `@name:server`."""
    token: str


class MatrixAdmin:
    """One HTTP session to a homeserver for provisioning (use as `async with`)."""

    def __init__(self, base_url: str, shared_secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = shared_secret
        self._session: aiohttp.ClientSession | None = None
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def __aenter__(self) -> MatrixAdmin:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
            connector=aiohttp.TCPConnector(limit=CONCURRENCY),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, token: str = ""
    ) -> dict[str, Any]:
        """One API call; its JSON answer, or BackendFailure naming the call and the answer."""
        assert self._session is not None, "use MatrixAdmin as `async with`"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self._limit:
            try:
                async with self._session.request(
                    method, self.base_url + path, json=body, headers=headers
                ) as response:
                    answer: dict[str, Any] = await response.json(content_type=None)
                    if response.status != 200:
                        raise BackendFailure(
                            f"Synapse answered {method} {_redacted(path)} with HTTP "
                            f"{response.status}: {str(answer)[:300]}"
                        )
                    return answer
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise BackendFailure(f"Synapse {method} {_redacted(path)} failed: {exc!r}") from exc

    async def register(self, name: str) -> Account:
        """A new ordinary account `name` with a random password; its access token."""
        password = secrets.token_urlsafe(18)
        nonce = (await self.call("GET", "/_synapse/admin/v1/register"))["nonce"]
        body = {
            "nonce": nonce,
            "username": name,
            "password": password,
            "admin": False,
            "mac": registration_mac(self._secret, nonce, name, password, False),
        }
        answer = await self.call("POST", "/_synapse/admin/v1/register", body)
        return Account(answer["user_id"], answer["access_token"])

    async def create_room(self, creator: Account, invite: Iterable[Account], direct: bool) -> str:
        body: dict[str, Any] = {
            "preset": "trusted_private_chat" if direct else "private_chat",
            "invite": [a.user_id for a in invite],
        }
        if direct:
            body["is_direct"] = True
        answer = await self.call("POST", "/_matrix/client/v3/createRoom", body, creator.token)
        room_id: str = answer["room_id"]
        return room_id

    async def join(self, account: Account, room_id: str) -> None:
        await self.call(
            "POST", f"/_matrix/client/v3/rooms/{quote(room_id)}/join", {}, account.token
        )

    async def room_with(self, members: list[Account], direct: bool) -> str:
        """A room the first member creates, every other member invited and joined."""
        room_id = await self.create_room(members[0], members[1:], direct)
        await gather_all(self.join(m, room_id) for m in members[1:])
        return room_id


async def gather_all(tasks: Iterable[Awaitable[T]]) -> list[T]:
    """Every awaitable's result; on the first failure the others are cancelled, it is raised."""
    futures = [asyncio.ensure_future(t) for t in tasks]
    try:
        return list(await asyncio.gather(*futures))
    except BaseException:
        for f in futures:
            f.cancel()
        await asyncio.gather(*futures, return_exceptions=True)
        raise


def _redacted(path: str) -> str:
    return path.split("?", 1)[0]
