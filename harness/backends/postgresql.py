"""A PostgreSQL instance of its own for one run (Debian's `postgresql`), for backends that keep
their data in PostgreSQL (Synapse).

`initdb --locale=C -E UTF8` makes a fresh cluster as the `postgres` user (PostgreSQL refuses to
run as root) in a directory that user can reach: `/var/lib/imbench/postgresql/<run>-<pid>-<n>`,
mode 0700 (a run folder under /root is mode 0700, so it cannot live there). It listens on a unix
socket in that directory only (`listen_addresses = ''`: no TCP port at all, so nothing fights the
distro's cluster on 5432); local connections are `trust`ed, which only root and `postgres` can
use since nobody else can enter the directory. fsync, synchronous_commit, shared_buffers and the
WAL settings are PostgreSQL's defaults: a POC measures the database as it is deployed.

The postmaster runs inside the run's namespace and process scope (`setpriv` drops to `postgres`
and execs, so the scope's pid is the postmaster's own and the meters count it and every backend
it forks). Ready when `pg_isready` answers; stopped by SIGINT (fast shutdown: a SIGTERM "smart"
shutdown waits for every client to leave), then SIGKILL; its directory is removed at stop, and a
directory left by a run whose imbench was killed outright is removed by the next start.

Storage is the database's size as PostgreSQL reports it (`pg_database_size`, polled once a second
by `psql ... \\watch 1` in the background): the data directory itself grows in 16 MB WAL segments
and preallocated files, so its file sizes misstate how the data grows.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from harness.backends import BackendContext
from harness.backends.process import give_up
from harness.children import Child
from harness.kernel.errors import BackendFailure, EnvironmentProblem

INSTALL_HINT = "run scripts/install-postgresql (Debian's postgresql)"
USER = "postgres"
BASE_DIR = Path("/var/lib/imbench/postgresql")
READY_TIMEOUT_S = 30.0
INITDB_TIMEOUT_S = 60.0
STOP_GRACE_S = 15.0
PROBE_INTERVAL_S = 1
SOCKET_PORT = 5432
"""Only names the socket file (`.s.PGSQL.5432` in the instance's own directory): no TCP."""
_counter = itertools.count()
_RUN_DIR = re.compile(r"^(?P<tag>.+)-(?P<pid>\d+)-\d+$")


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/postgres")),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
    )
    usable = [d for d in found if (d / "initdb").exists()]
    return usable[-1] if usable else None


def missing() -> str | None:
    """What this machine lacks to run a PostgreSQL instance, or None."""
    if bin_dir() is None:
        return f"PostgreSQL's initdb/postgres are not installed: {INSTALL_HINT}"
    for tool in ("psql", "pg_isready", "setpriv"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not on the PATH: {INSTALL_HINT}"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return f"there is no `{USER}` user: {INSTALL_HINT}"
    return None


def version() -> str:
    """'15.18' from `postgres --version`, or 'not installed'."""
    found = bin_dir()
    if found is None:
        return "not installed"
    try:
        out = subprocess.run(
            [str(found / "postgres"), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    match = re.search(r"(\d+(?:\.\d+)+)", out)
    return match.group(1) if match else "unknown"


def as_postgres(argv: list[str]) -> list[str]:
    """`argv` run as the postgres user: setpriv execs it (no process in between)."""
    return ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "--", *argv]


@dataclass(frozen=True)
class PostgresSettings:
    """What imbench sets (recorded in the manifest); everything else is PostgreSQL's default."""

    locale: str = "C"
    encoding: str = "UTF8"
    listen_addresses: str = ""
    auth_local: str = "trust"
    fsync: str = "default (on)"
    synchronous_commit: str = "default (on)"


def sweep_stale(base: Path = BASE_DIR) -> list[Path]:
    """Remove instance directories whose imbench process is gone (a run killed outright)."""
    removed = []
    for path in base.glob("*") if base.is_dir() else []:
        match = _RUN_DIR.match(path.name)
        if match is None:
            continue
        pid = int(match.group("pid"))
        if pid == os.getpid() or psutil.pid_exists(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


class PostgresInstance:
    """One run's PostgreSQL: `start` (initdb, postmaster, a database), `stop`, its size."""

    name = "postgresql"

    def __init__(self, database: str) -> None:
        self.database = database
        self.settings = PostgresSettings()
        self.dir: Path | None = None
        self.postmaster: Child | None = None
        self._watcher: Child | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._size_bytes = 0

    @property
    def socket_dir(self) -> Path:
        assert self.dir is not None, "PostgreSQL has not been started"
        return self.dir / "socket"

    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {
            "name": self.name,
            "version": version(),
            "initdb": f"--locale={s.locale} -E {s.encoding} -A {s.auth_local}",
            "listen_addresses": "'' (unix socket only, in the instance's own 0700 directory)",
            "fsync": s.fsync,
            "synchronous_commit": s.synchronous_commit,
            "other_settings": "PostgreSQL defaults",
            "storage": "pg_database_size, polled every 1 s (not the data dir: WAL segments)",
            "dir": str(BASE_DIR / "<run>"),
        }

    async def start(self, ctx: BackendContext) -> None:
        """A fresh cluster, its postmaster, and the database; BackendFailure if it won't start."""
        found = bin_dir()
        if found is None:
            raise EnvironmentProblem(f"PostgreSQL is not installed: {INSTALL_HINT}")
        self.dir = self._make_dir(ctx)
        data = self.dir / "data"
        await self._initdb(ctx, found, data)
        argv = [
            str(found / "postgres"),
            "-D",
            str(data),
            "-k",
            str(self.socket_dir),
            "-p",
            str(SOCKET_PORT),
            "-c",
            "listen_addresses=",
            "-c",
            "unix_socket_permissions=0700",
        ]
        self.postmaster = ctx.spawn(self.name, as_postgres(argv), cwd=self.dir)
        await self._wait_ready(self.postmaster)
        await self._psql(
            f"CREATE DATABASE {self.database} TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C' LC_CTYPE 'C'",
            database="postgres",
        )
        self._start_watcher(ctx)

    def _make_dir(self, ctx: BackendContext) -> Path:
        """/var/lib/imbench/postgresql/<run>-<pid>-<n>, owned by postgres, mode 0700."""
        sweep_stale()
        BASE_DIR.mkdir(parents=True, exist_ok=True)
        os.chmod(BASE_DIR.parent, 0o755)
        os.chmod(BASE_DIR, 0o755)
        tag = re.sub(r"[^A-Za-z0-9_.]", "_", ctx.data_dir.parent.name)[-60:] or "run"
        path = BASE_DIR / f"{tag}-{os.getpid()}-{next(_counter)}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(mode=0o700)
        (path / "socket").mkdir(mode=0o700)
        user = pwd.getpwnam(USER)
        for p in (path, path / "socket"):
            os.chown(p, user.pw_uid, user.pw_gid)
        return path

    async def _initdb(self, ctx: BackendContext, found: Path, data: Path) -> None:
        s = self.settings
        argv = [
            str(found / "initdb"),
            "-D",
            str(data),
            f"--locale={s.locale}",
            "-E",
            s.encoding,
            "-A",
            s.auth_local,
            "-U",
            USER,
        ]
        assert self.dir is not None
        initdb = ctx.spawn("initdb", as_postgres(argv), cwd=self.dir)
        code = await initdb.wait(INITDB_TIMEOUT_S)
        if code != 0:
            await initdb.stop()
            raise BackendFailure(
                f"PostgreSQL's initdb failed ({initdb.exit_text()}); log tail:\n{initdb.log_tail()}"
            )

    async def _wait_ready(self, postmaster: Child) -> None:
        argv = ["pg_isready", "-q", *self._connection("postgres"), "-t", "1"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        while postmaster.returncode is None and loop.time() < deadline:
            probe = await asyncio.create_subprocess_exec(
                *argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            if await probe.wait() == 0:
                return
            await asyncio.sleep(0.1)
        await give_up(
            postmaster, f"PostgreSQL did not accept connections within {READY_TIMEOUT_S:g} s"
        )

    def _connection(self, database: str) -> list[str]:
        """libpq options that reach `database` through the instance's socket as postgres."""
        return ["-h", str(self.socket_dir), "-p", str(SOCKET_PORT), "-U", USER, "-d", database]

    def psql_argv(self, database: str | None = None) -> list[str]:
        quiet = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]
        return ["psql", *quiet, *self._connection(database or self.database)]

    async def _psql(self, sql: str, database: str | None = None) -> str:
        proc = await asyncio.create_subprocess_exec(
            *self.psql_argv(database),
            "-c",
            sql,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise BackendFailure(f"PostgreSQL refused {sql!r}: {err.decode(errors='replace')}")
        return out.decode()

    def _start_watcher(self, ctx: BackendContext) -> None:
        """`select pg_database_size(...) \\watch 1` in psql; each line it prints is the latest size.
        Not one of the backend's processes (its death is not the backend's); the one query a
        second it asks for runs in a PostgreSQL backend process, counted with the server."""
        assert self.dir is not None
        script = self.dir / "watch-size.sql"
        script.write_text(
            f"select pg_database_size('{self.database}') \\watch {PROBE_INTERVAL_S}\n"
        )
        self._watcher = ctx.spawn(
            "psql-size", [*self.psql_argv(), "-f", str(script)], stdout_pipe=True
        )
        self._watch_task = asyncio.get_running_loop().create_task(self._read_sizes(self._watcher))

    async def _read_sizes(self, watcher: Child) -> None:
        async for line in watcher.lines():
            text = line.strip()
            if text.isdigit():
                self._size_bytes = int(text)

    def size_bytes(self) -> int:
        """The database's latest size (bytes) as PostgreSQL reported it; answers at once."""
        return self._size_bytes

    async def stop_watcher(self) -> None:
        if self._watcher is not None:
            await self._watcher.stop(2.0)
        if self._watch_task is not None:
            self._watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch_task

    async def stop(self) -> None:
        """Fast shutdown (SIGINT), then SIGKILL; remove the instance's directory."""
        await self.stop_watcher()
        if self.postmaster is not None and self.postmaster.returncode is None:
            self.postmaster.signal(signal.SIGINT)
            if await self.postmaster.wait(STOP_GRACE_S) is None:
                self.postmaster.signal(signal.SIGKILL)
                await self.postmaster.wait(5.0)
        if self.postmaster is not None:
            await self.postmaster.stop(1.0)
        if self.dir is not None:
            await self._remove_dir(self.dir)

    async def _remove_dir(self, path: Path) -> None:
        """Remove the directory once no process of the instance holds it (a killed postmaster's
        backends end on their own within moments)."""
        for _ in range(50):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                return
            await asyncio.sleep(0.1)
