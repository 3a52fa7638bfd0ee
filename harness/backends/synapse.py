"""Matrix Synapse (PyPI `matrix-synapse`, in its own venv) as a messaging backend, on its own
PostgreSQL instance by default (`[backend.synapse] database = "postgresql" | "sqlite"`).

Synapse runs as the real daemon inside the run's namespace (`python -m synapse.app.homeserver
-c homeserver.yaml` from its venv) with the config `synapse_config` generates into the run's
private dir; ready when `GET /_matrix/client/versions` answers (a fresh database takes 10-20 s:
Synapse creates its schema). Its PostgreSQL is a second process of the backend
(`postgresql.PostgresInstance`): the meters sum both trees, the death of either fails the run
naming it, and storage is the database's own size (`pg_database_size`) plus the data dir (media
store; with SQLite, the database file and its WAL). Users and rooms are provisioned through the
HTTP API (`matrix_admin`); clients speak the client-server API (workloads.clients.matrix).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from harness.backends import BackendContext, Endpoint
from harness.backends import postgresql as pg
from harness.backends.matrix_admin import Account, MatrixAdmin, gather_all
from harness.backends.process import STOP_GRACE_S, poll_until_ready
from harness.backends.synapse_config import (
    SynapseConfig,
    SynapseSecrets,
    homeserver_config,
    log_config,
    make_secrets,
    public_config,
)
from harness.children import Child
from harness.kernel.directory import Directory, group_room_key, pair_room_key
from harness.layout import Population

VENV_ENV = "IMBENCH_SYNAPSE_VENV"
DEFAULT_VENV = "/opt/imbench/synapse-venv"
INSTALL_HINT = "run scripts/install-synapse (PyPI matrix-synapse[postgres] in its own venv)"
SERVER_NAME = "imbench.test"
PORT = 8008
READY_TIMEOUT_S = 120.0
READY_POLL_S = 0.25
DATABASES = ("postgresql", "sqlite")


def venv_dir() -> Path:
    return Path(os.environ.get(VENV_ENV, DEFAULT_VENV))


def synapse_version(venv: Path) -> str | None:
    """The installed matrix-synapse version (from its dist-info), or None."""
    found = glob.glob(
        str(venv / "lib" / "python3*" / "site-packages" / "matrix_synapse-*.dist-info")
    )
    if not found:
        return None
    return Path(sorted(found)[-1]).name.removeprefix("matrix_synapse-").removesuffix(".dist-info")


def user_name(user: int) -> str:
    return f"u{user}"


class SynapseBackend:
    name = "synapse"
    needs_namespace = False
    serves_tls = False

    def __init__(self, database: str = "postgresql") -> None:
        if database not in DATABASES:
            raise ValueError(f"database must be one of {DATABASES}, not {database!r}")
        self.database = database
        self._venv = venv_dir()
        self._pg = pg.PostgresInstance("synapse") if database == "postgresql" else None
        self._synapse: Child | None = None
        self._config: SynapseConfig | None = None
        self._secrets: SynapseSecrets | None = None
        self._data_dir: Path | None = None

    def missing(self) -> str | None:
        python = self._venv / "bin" / "python"
        if not python.exists() or synapse_version(self._venv) is None:
            return f"Synapse is not installed in {self._venv}: {INSTALL_HINT}"
        if self.database == "postgresql":
            if os.geteuid() != 0:
                return "Synapse's PostgreSQL runs as the postgres user: run imbench as root"
            return pg.missing()
        return None

    def describe(self) -> dict[str, Any]:
        planned = self._config or SynapseConfig(
            SERVER_NAME, "<namespace address>", PORT, self.database, Path("."), Path(".")
        )
        config: dict[str, Any] = {"database_option": self.database, **public_config(planned)}
        if self._pg is not None:
            config["postgresql"] = self._pg.describe()
        return {
            "name": self.name,
            "version": synapse_version(self._venv) or "not installed",
            "config": config,
        }

    async def start(self, ctx: BackendContext) -> Endpoint:
        self._data_dir = ctx.data_dir
        ctx.data_dir.mkdir(parents=True, exist_ok=True)
        if self._pg is not None:
            await self._pg.start(ctx)
        host = ctx.net.server_host
        port = PORT if ctx.net.namespace is not None else _free_port(host)
        self._config = config = SynapseConfig(
            SERVER_NAME,
            host,
            port,
            self.database,
            ctx.data_dir,
            ctx.private_dir,
            pg_socket_dir=str(self._pg.socket_dir) if self._pg is not None else "",
        )
        self._secrets = keys = make_secrets()
        _write_private(config.signing_key_path, keys.signing_key)
        _write_private(config.log_config_path, json.dumps(log_config(config), indent=1))
        _write_private(config.config_path, json.dumps(homeserver_config(config, keys), indent=1))
        argv = [
            str(self._venv / "bin" / "python"),
            "-m",
            "synapse.app.homeserver",
            "-c",
            str(config.config_path),
        ]
        self._synapse = ctx.spawn(self.name, argv, cwd=ctx.private_dir)
        await self._wait_ready(self._synapse)
        return Endpoint(host, port, "matrix-http")

    @property
    def base_url(self) -> str:
        assert self._config is not None, "Synapse has not been started"
        return f"http://{self._config.host}:{self._config.port}"

    async def _wait_ready(self, synapse: Child) -> None:
        url = self.base_url + "/_matrix/client/versions"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:

            async def answers() -> bool:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(url) as response:
                        return response.status == 200
                return False

            await poll_until_ready(
                synapse,
                answers,
                READY_TIMEOUT_S,
                READY_POLL_S,
                "Synapse did not answer /_matrix/client/versions",
            )

    async def provision(self, population: Population) -> Directory:
        """Every user by shared-secret registration (which returns its token), then every group
        room and every 1:1 pair's direct room with its members invited and joined."""
        assert self._config is not None and self._secrets is not None, "provision() before start()"
        async with MatrixAdmin(self.base_url, self._secrets.registration_shared_secret) as admin:
            accounts = dict(
                zip(
                    population.users,
                    await gather_all(admin.register(user_name(u)) for u in population.users),
                    strict=True,
                )
            )
            rooms = await self._rooms(admin, population, accounts)
        return Directory(
            "matrix",
            self._config.host,
            self._config.port,
            server_name=SERVER_NAME,
            users={str(u): {"login": a.user_id, "token": a.token} for u, a in accounts.items()},
            rooms=rooms,
        )

    async def _rooms(
        self, admin: MatrixAdmin, population: Population, accounts: dict[int, Account]
    ) -> dict[str, str]:
        keys: list[str] = []
        jobs = []
        for room, members in sorted(population.rooms.items()):
            keys.append(group_room_key(room))
            jobs.append(admin.room_with([accounts[m] for m in members], direct=False))
        for low, high in population.pairs:
            keys.append(pair_room_key(low, high))
            jobs.append(admin.room_with([accounts[low], accounts[high]], direct=True))
        return dict(zip(keys, await gather_all(jobs), strict=True))

    def unavailable(self) -> dict[str, str]:
        return {}

    def processes(self) -> list[Child]:
        children = []
        if self._pg is not None and self._pg.postmaster is not None:
            children.append(self._pg.postmaster)
        if self._synapse is not None:
            children.append(self._synapse)
        return children

    def data_paths(self) -> list[Path]:
        """The data dir: the media store (and with SQLite the database + WAL). PostgreSQL's
        data is measured as the database reports it (`storage_probes`), not by its files."""
        return [self._data_dir] if self._data_dir else []

    def storage_probes(self) -> list[Callable[[], int]]:
        return [self._pg.size_bytes] if self._pg is not None else []

    async def stop(self) -> None:
        """Synapse first (SIGTERM, then SIGKILL), then its PostgreSQL (removing its dir)."""
        if self._synapse is not None:
            await self._synapse.stop(STOP_GRACE_S)
        if self._pg is not None:
            await self._pg.stop()


def _write_private(path: Path, text: str) -> None:
    """A file only its owner (root) can read: it holds a credential."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def create(options: dict[str, Any] | None = None) -> SynapseBackend:
    return SynapseBackend(**(options or {}))
