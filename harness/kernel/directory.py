"""Who is who on a messaging backend, as its protocol clients need it: the `Directory`.

A messaging backend provisions the run's users and rooms (harness.backends) and answers with a
directory: which protocol client speaks to it (`client`, a module of workloads.clients), where it
listens, whether over TLS, each user's account and each room's id on that server, and the
client options the scenario chose (MQTT QoS, ...). It travels to the Locust driver processes as
JSON inside their config; `public()` is the copy with every credential redacted, the only one
that may be written under `results/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

REDACTED = "<redacted>"


@dataclass(frozen=True)
class Directory:
    client: str
    """The protocol client (`embedded-ws`, `mqtt`, `xmpp`, `matrix`)."""
    host: str
    port: int
    tls: bool = False
    ca_file: str = ""
    """The CA certificate clients verify the server with (TLS; "" = the system's)."""
    server_name: str = ""
    """The name the server's certificate holds (TLS), and the XMPP domain / Matrix server name."""
    users: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """By user index (as text): the account's fields (`login`, `password`, `token`, ...)."""
    rooms: Mapping[str, str] = field(default_factory=dict)
    """By room key (`r<room>` for group rooms, `c<low>-<high>` for a 1:1 pair's own room)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    secret_fields: tuple[str, ...] = ("password", "token")
    """Account fields that are credentials: redacted in `public()`."""

    def account(self, user: int) -> Mapping[str, str]:
        return self.users.get(str(user), {})

    def login(self, user: int) -> str:
        """User `user`'s name on the server (default `u<user>`)."""
        return self.account(user).get("login", f"u{user}")

    def room(self, key: str) -> str:
        """A room's id on the server (default: the key itself)."""
        return self.rooms.get(key, key)

    def public(self) -> Directory:
        """This directory with every credential replaced by REDACTED."""
        users = {
            user: {k: (REDACTED if k in self.secret_fields else v) for k, v in account.items()}
            for user, account in self.users.items()
        }
        return replace(self, users=users)

    def to_dict(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "host": self.host,
            "port": self.port,
            "tls": self.tls,
            "ca_file": self.ca_file,
            "server_name": self.server_name,
            "users": {u: dict(a) for u, a in self.users.items()},
            "rooms": dict(self.rooms),
            "options": dict(self.options),
            "secret_fields": list(self.secret_fields),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Directory:
        return cls(
            client=data["client"],
            host=data["host"],
            port=int(data["port"]),
            tls=bool(data.get("tls", False)),
            ca_file=data.get("ca_file", ""),
            server_name=data.get("server_name", ""),
            users=data.get("users", {}),
            rooms=data.get("rooms", {}),
            options=data.get("options", {}),
            secret_fields=tuple(data.get("secret_fields", ("password", "token"))),
        )


def group_room_key(room: int) -> str:
    return f"r{room}"


def pair_room_key(a: int, b: int) -> str:
    """The key of the 1:1 room two chat users share (for protocols where a DM is a room)."""
    low, high = sorted((a, b))
    return f"c{low}-{high}"
