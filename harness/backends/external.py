"""`backend = "external"`: a server imbench does not run — an existing deployment or a vendor's
endpoint — reached at the URL the scenario names.

    [scenario]
    backend = "external"

    [backend.external]
    protocol = "embedded-ws"          # the protocol client that speaks to it (EXTERNAL_PROTOCOLS)
    url = "wss://chat.example.net:8443/ws"   # ws:// | wss:// (embedded-ws), mqtt:// | mqtts:// (mqtt)
    ca_file = ""                      # TLS: a CA file to verify the server with ("" = the system's)
    server_name = ""                  # TLS: the name to verify ("" = the URL's host)
    login = "u{user}"                 # each user's login; {user} is the user's index (0, 1, ...)
    password_env = "IMB_PASSWORD"     # NAME of an environment variable: every account's password
    accounts_env = ""                 # or NAME of one holding the path of a CSV file `login,password`,
                                      # a header line then one line per user (line i = user i)

Load goes to that host only because the scenario names it; the manifest records the host, port
and protocol. Credentials come only from the environment variables the scenario names: the
scenario, the manifest and `describe()` hold the variables' names, never their values, and the
values travel to the Locust drivers only through the run's private dir (raw/ keeps the redacted
directory). A URL that does not parse, credentials in the URL, or a named variable that is not
set is bad input before anything starts (exit 2, naming the variable).

imbench starts no process for it, creates no namespace for it (`net_method: external`) and
measures only what its own clients see: latency, delivery and the generators' own wire bytes
(workloads.socket_meter: the kernel's per-socket TCP counters of every client connection, plus
an estimate of IP/TCP/Ethernet headers per segment). Backend CPU, RSS and storage are
`unavailable()`: "external: not measured (client-side only)".
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.backends import BackendContext, Endpoint
from harness.children import Child
from harness.kernel.directory import Directory
from harness.kernel.errors import BackendFailure, Problem
from harness.kernel.metrics import SPECS
from harness.layout import Population
from harness.scenario import Scenario
from workloads.socket_meter import HEADER_BYTES_PER_SEGMENT

SCHEMES = {
    "embedded-ws": {"ws": (False, 80), "wss": (True, 443)},
    "mqtt": {"mqtt": (False, 1883), "mqtts": (True, 8883)},
}
"""By protocol: URL scheme -> (TLS, default port)."""
NOT_MEASURED = "external: not measured (client-side only)"
EXTERNAL_METHODS = {
    "cpu": "backend: not measured (external server); generators: as in a local run",
    "memory": "backend: not measured (external server)",
    "storage": "not measured (external server)",
    "wire": "client-side: the kernel's TCP counters of every client socket (tcp_info bytes_sent + "
    f"bytes_received) + {HEADER_BYTES_PER_SEGMENT} B of IPv4/TCP/Ethernet headers per segment "
    "(estimated; workloads.socket_meter)",
}
"""How an external run measures, for the manifest's `methods`."""
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FIELD = "backend.external"


@dataclass(frozen=True)
class Target:
    """Where the external server is, as its URL says."""

    host: str
    port: int
    tls: bool
    path: str


def parse_url(protocol: str, url: str) -> Target | str:
    """The target of `url` for `protocol`, or what is wrong with it (a sentence)."""
    schemes = SCHEMES.get(protocol, {})
    accepted = " or ".join(f"{s}://host:port" for s in schemes)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"does not parse ({exc}): a URL like {accepted}"
    if parts.scheme not in schemes:
        return f"must be {accepted} for protocol {protocol}"
    if parts.username is not None or parts.password is not None:
        return "must not hold credentials: name environment variables in password_env/accounts_env"
    if not parts.hostname:
        return f"names no host: a URL like {accepted}"
    tls, default_port = schemes[parts.scheme]
    return Target(parts.hostname, port or default_port, tls, parts.path or "/")


@dataclass(frozen=True)
class Credentials:
    """Accounts by user index: (login, password); password "" when the server asks for none."""

    accounts: Mapping[int, tuple[str, str]]


def read_credentials(
    options: Mapping[str, Any], users: tuple[int, ...], environ: Mapping[str, str]
) -> Credentials | list[Problem]:
    """Each user's login and password, from the variables the options name; else the problems."""
    login = str(options.get("login") or "u{user}")
    password_env, accounts_env = options.get("password_env", ""), options.get("accounts_env", "")
    if accounts_env:
        if accounts_env not in environ:
            return [_unset("accounts_env", accounts_env, "the path of a login,password CSV file")]
        return _read_accounts(Path(environ[accounts_env]), accounts_env, users)
    password = ""
    if password_env:
        if password_env not in environ:
            return [_unset("password_env", password_env, "the password of every account")]
        password = environ[password_env]
    return Credentials({u: (login.format(user=u), password) for u in users})


def _unset(option: str, name: str, what: str) -> Problem:
    return Problem(
        "environment",
        name,
        "(not set)",
        f"must be set for {FIELD}.{option} = {name!r}: {what}",
    )


def _read_accounts(
    path: Path, env_name: str, users: tuple[int, ...]
) -> Credentials | list[Problem]:
    where = f"{path} (the file ${env_name} names)"
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        return [Problem(where, "", path.name, f"cannot be read: {exc.strerror}")]
    if not rows or [c.strip() for c in rows[0]] != ["login", "password"]:
        return [
            Problem(where, "line 1", rows[0] if rows else "", "must be the header login,password")
        ]
    accounts = rows[1:]
    if len(accounts) < len(users):
        accepted = f"one line per user: the scenario has {len(users)} users"
        return [Problem(where, "lines", len(accounts), accepted)]
    for number, row in enumerate(accounts, start=2):
        if len(row) != 2 or not row[0]:
            return [Problem(where, f"line {number}", "(not shown)", "must be login,password")]
    return Credentials({u: (accounts[u][0], accounts[u][1]) for u in users})


class ExternalBackend:
    name = "external"
    needs_namespace = False
    serves_tls = True
    """TLS is the URL's (wss://, mqtts://); `[network] tls = true` requires a TLS URL."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)
        self._target: Target | None = None

    @property
    def protocol(self) -> str:
        return str(self.options.get("protocol", "embedded-ws"))

    def target(self) -> Target:
        target = parse_url(self.protocol, str(self.options.get("url") or ""))
        if isinstance(target, str):
            raise ValueError(f"{FIELD}.url: {target}")
        return target

    def missing(self) -> str | None:
        """Nothing to install (the server is somebody else's) but the protocol's client."""
        from workloads.clients.base import CLIENT_MODULES

        if self.protocol not in CLIENT_MODULES:
            return f"the {self.protocol} protocol client (workloads.clients), not in this imbench"
        return None

    def problems(
        self, scenario: Scenario, environ: Mapping[str, str] = os.environ
    ) -> list[Problem]:
        """What keeps the run from starting: the URL, TLS, media, the credentials' variables."""
        source = scenario.source
        url = self.options.get("url")
        if not url:
            return [Problem(source, f"{FIELD}.url", url, "is required: the server's URL")]
        target = parse_url(self.protocol, str(url))
        if isinstance(target, str):
            return [Problem(source, f"{FIELD}.url", url, target)]
        found = []
        if scenario.tls and not target.tls:
            accepted = "a TLS URL (wss://, mqtts://) when network.tls = true"
            found.append(Problem(source, f"{FIELD}.url", url, accepted))
        if scenario.media:
            accepted = "messaging workloads only (media needs an SFU of imbench's)"
            found.append(Problem(source, "scenario.backend", self.name, accepted))
        for option in ("password_env", "accounts_env"):
            name = self.options.get(option, "")
            if name and not _ENV_NAME.match(name):
                accepted = "the NAME of an environment variable (letters, digits, _)"
                found.append(Problem(source, f"{FIELD}.{option}", name, accepted))
        if self.options.get("password_env") and self.options.get("accounts_env"):
            accepted = "either password_env or accounts_env, not both"
            found.append(
                Problem(source, f"{FIELD}.accounts_env", self.options["accounts_env"], accepted)
            )
        if found:
            return found
        users = tuple(range(sum(w.users for w in scenario.workloads)))
        credentials = read_credentials(self.options, users, environ)
        return credentials if isinstance(credentials, list) else []

    def describe(self) -> dict[str, Any]:
        """The target and how to log in, by variable name only (never a credential)."""
        config: dict[str, Any] = {
            "protocol": self.protocol,
            "url": self.options.get("url"),
            "measured": "client-side only (latency, delivery, the generators' own wire bytes)",
            "login": self.options.get("login"),
            "password_env": self.options.get("password_env", ""),
            "accounts_env": self.options.get("accounts_env", ""),
            "ca_file": self.options.get("ca_file", ""),
            "server_name": self.options.get("server_name", ""),
        }
        if self._target is not None:
            config |= {"host": self._target.host, "port": self._target.port}
            config["tls"] = self._target.tls
        return {"name": self.name, "version": "unknown (not run by imbench)", "config": config}

    async def start(self, ctx: BackendContext) -> Endpoint:
        """Nothing to start: the server is already there."""
        self._target = self.target()
        return Endpoint(self._target.host, self._target.port, self.protocol)

    async def provision(self, population: Population) -> Directory:
        """Accounts from the environment; rooms are the protocol's own names (nothing created)."""
        assert self._target is not None, "provision() before start()"
        credentials = read_credentials(self.options, population.users, os.environ)
        if isinstance(credentials, list):  # the environment changed since preflight
            raise BackendFailure("; ".join(str(p) for p in credentials))
        users = {}
        for user, (login, password) in credentials.accounts.items():
            account = {"login": login}
            if password:
                account["password"] = password
            users[str(user)] = account
        t = self._target
        return Directory(
            self.protocol,
            t.host,
            t.port,
            t.tls,
            str(self.options.get("ca_file", "")),
            str(self.options.get("server_name", "")) or t.host,
            users=users,
            options={"path": t.path},
        )

    def unavailable(self) -> dict[str, str]:
        return {spec.name: NOT_MEASURED for spec in SPECS if spec.name.startswith("backend.")}

    def processes(self) -> list[Child]:
        return []

    def data_paths(self) -> list[Path]:
        return []

    async def stop(self) -> None:
        return None


def create(options: dict[str, Any] | None = None) -> ExternalBackend:
    return ExternalBackend(options or {})
