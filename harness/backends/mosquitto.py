"""Mosquitto 2.0 (Debian's `mosquitto`) as a messaging backend: the MQTT broker itself.

`mosquitto -c <conf>` runs in the foreground inside the run's namespace (the real daemon, not
daemonized) with a generated config: one listener on the namespace address, no anonymous
clients, a password file made for the run's users in one `mosquitto_passwd -U` pass (PBKDF2-
SHA512 hashes; the plaintext never leaves the private dir), persistence on with its file in the
run's data dir (the storage meter measures it), every queue, in-flight and size limit lifted
(`LIFTED_LIMITS`, recorded in the manifest), Nagle off and no `$SYS` topics. The config and the
password file live in the private dir, outside `results/`.

Topics (MQTT has no users or rooms; this is imbench's scheme): user `u<i>` subscribes to its
inbox `im/u/u<i>` and a chat partner publishes there; a group member subscribes to `im/g/r<room>`
and publishes to it, with MQTT 5's no-local so the broker never sends a member its own post.
QoS is the scenario's `[backend.mosquitto] qos` (default 1) for both publish and subscribe.

Ready when an MQTT CONNECT from a probe account is answered by a successful CONNACK. Stopped by
SIGTERM (Mosquitto writes its persistence file, then exits), then SIGKILL. Mosquitto keeps no
message history — the file holds subscriptions and messages still queued for a client, not
messages delivered — so storage per stored message is n/a (`no_history`), never 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from harness.backends import BackendContext, Endpoint
from harness.backends.process import ServerProcess, poll_until_ready
from harness.children import Child
from harness.kernel.directory import Directory
from harness.kernel.errors import BackendFailure, EnvironmentProblem
from harness.kernel.metric_names import BACKEND
from harness.layout import Population
from workloads.clients import mqtt_codec

READY_TIMEOUT_S = 10.0
READY_POLL_S = 0.05
PROBE_TIMEOUT_S = 1.0
PASSWD_TIMEOUT_S = 120.0
NAMESPACE_PORT = 1883
INSTALL_HINT = "run scripts/install-mosquitto (Debian mosquitto, 2.0.11 on Debian 12)"
SBIN = "/usr/sbin"
PROBE_USER = "imbench-ready-probe"
PERSISTENCE_FILE = "mosquitto.db"
AUTOSAVE_INTERVAL_S = 1
"""Mosquitto rewrites its persistence file this often (and on SIGTERM): storage as it grows."""
NO_HISTORY = "no_history"

LIFTED_LIMITS: dict[str, int] = {
    "max_inflight_messages": 0,
    "max_inflight_bytes": 0,
    "max_queued_messages": 0,
    "max_queued_bytes": 0,
    "max_connections": -1,
    "max_keepalive": 65535,
    "memory_limit": 0,
}
"""Limits set to "none" (0, or -1 for connections): a POC measures the broker, not its caps.
Mosquitto 2.0's `max_packet_size` and `message_size_limit` default to none already and are left
unset (268,435,455 bytes, MQTT's own limit)."""


def find_program(name: str) -> str | None:
    """`name` on the PATH, else in /usr/sbin (where Debian puts `mosquitto`)."""
    found = shutil.which(name)
    if found is None and os.access(f"{SBIN}/{name}", os.X_OK):
        found = f"{SBIN}/{name}"
    return found


def program(name: str) -> str:
    found = find_program(name)
    if found is None:
        raise EnvironmentProblem(f"`{name}` is not installed: {INSTALL_HINT}")
    return found


def mosquitto_version() -> str:
    """'2.0.11' from the first line of `mosquitto -h`, or 'not installed'."""
    binary = find_program("mosquitto")
    if binary is None:
        return "not installed"
    try:
        done = subprocess.run([binary, "-h"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = (done.stdout or done.stderr).split("\n", 1)[0].split()
    return words[-1] if words[:2] == ["mosquitto", "version"] else "unknown"


def mosquitto_conf(host: str, port: int, password_file: Path, data_dir: Path) -> str:
    """The generated mosquitto.conf (Mosquitto allows no trailing comment on a line)."""
    lines = [
        "per_listener_settings false",
        f"listener {port} {host}",
        "allow_anonymous false",
        f"password_file {password_file}",
        "persistence true",
        f"persistence_location {data_dir}/",
        f"persistence_file {PERSISTENCE_FILE}",
        f"autosave_interval {AUTOSAVE_INTERVAL_S}",
        *(f"{key} {value}" for key, value in LIFTED_LIMITS.items()),
        "set_tcp_nodelay true",
        "sys_interval 0",
        *(["user root"] if os.geteuid() == 0 else []),
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
        "connection_messages true",
        "log_timestamp_format %Y-%m-%dT%H:%M:%S",
        "",
    ]
    return "\n".join(lines)


def write_password_file(path: Path, accounts: dict[str, str], timeout_s: float) -> float:
    """Write `login:password` lines and hash them in place in one `mosquitto_passwd -U`;
    the seconds it took."""
    started = time.monotonic()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.writelines(f"{login}:{password}\n" for login, password in accounts.items())
    done = subprocess.run(
        [program("mosquitto_passwd"), "-U", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if done.returncode != 0:
        raise BackendFailure(f"mosquitto_passwd -U failed: {(done.stderr or done.stdout).strip()}")
    return time.monotonic() - started


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


async def mqtt_connack(host: str, port: int, login: str, password: str) -> int:
    """Open a connection, send CONNECT, answer CONNACK's reason code (0 = accepted)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(mqtt_codec.connect(f"{login}-{os.getpid()}", login, password))
        await writer.drain()
        packets = mqtt_codec.PacketReader()
        while True:
            data = await reader.read(4096)
            if not data:
                raise ConnectionError("closed before CONNACK")
            for packet in packets.feed(data):
                reason = mqtt_codec.connack_reason(packet)
                if reason == 0:
                    writer.write(mqtt_codec.DISCONNECT_PACKET)
                    await writer.drain()
                return reason
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


class MosquittoBackend(ServerProcess):
    name = "mosquitto"
    serves_tls = False

    def __init__(self, qos: int = 1) -> None:
        self.qos = qos
        self._children: list[Child] = []
        self._data_dir: Path | None = None
        self._password_file: Path | None = None
        self._host, self._port = "", 0
        self._probe_password = ""
        self._passwd_s: float | None = None

    def missing(self) -> str | None:
        for name in ("mosquitto", "mosquitto_passwd"):
            if find_program(name) is None:
                return f"`{name}` is not installed: {INSTALL_HINT}"
        return None

    def describe(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "protocol": "mqtt 5.0",
            "listener": f"{self._host}:{self._port}" if self._port else "not started",
            "allow_anonymous": False,
            "auth": "password_file (mosquitto_passwd -U: PBKDF2-SHA512), one account per user",
            "persistence": True,
            "persistence_file": PERSISTENCE_FILE,
            "autosave_interval_s": AUTOSAVE_INTERVAL_S,
            **LIFTED_LIMITS,
            "max_packet_size": "none (default)",
            "set_tcp_nodelay": True,
            "sys_interval": 0,
            "qos": self.qos,
            "topics": {"chat": "im/u/<login> (inbox)", "group": "im/g/<room> (no-local)"},
            "tls": False,
        }
        return {"name": self.name, "version": mosquitto_version(), "config": config}

    async def start(self, ctx: BackendContext) -> Endpoint:
        net = ctx.net
        self._host = net.server_host
        self._port = NAMESPACE_PORT if net.namespace else free_port(net.server_host)
        self._data_dir = ctx.data_dir
        ctx.data_dir.mkdir(parents=True, exist_ok=True)
        self._password_file = ctx.private_dir / "passwd"
        self._probe_password = secrets.token_urlsafe(18)
        # Only the probe account at first: provision() adds the run's users and reloads.
        write_password_file(
            self._password_file, {PROBE_USER: self._probe_password}, PASSWD_TIMEOUT_S
        )
        conf = ctx.private_dir / "mosquitto.conf"
        conf.write_text(mosquitto_conf(self._host, self._port, self._password_file, ctx.data_dir))
        broker = ctx.spawn("mosquitto", [program("mosquitto"), "-c", str(conf)])
        self._children = [broker]
        await poll_until_ready(
            broker,
            self._accepts_probe,
            READY_TIMEOUT_S,
            READY_POLL_S,
            "Mosquitto did not answer an MQTT CONNECT with CONNACK",
        )
        return Endpoint(self._host, self._port, "mqtt")

    async def _accepts_probe(self) -> bool:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                reason = await mqtt_connack(
                    self._host, self._port, PROBE_USER, self._probe_password
                )
        except (OSError, TimeoutError, mqtt_codec.ProtocolError):
            return False
        if reason != 0:
            raise BackendFailure(f"Mosquitto refused the probe account: CONNACK reason {reason}")
        return True

    async def provision(self, population: Population) -> Directory:
        """One account per user with a random password, hashed in bulk by `mosquitto_passwd -U`;
        SIGHUP makes the running broker reread the password file; a CONNECT proves it did."""
        assert self._password_file is not None and self._children, "provision() before start()"
        users = {
            str(u): {"login": f"u{u}", "password": secrets.token_urlsafe(18)}
            for u in population.users
        }
        accounts = {PROBE_USER: self._probe_password}
        accounts.update({a["login"]: a["password"] for a in users.values()})
        self._passwd_s = await asyncio.to_thread(
            write_password_file, self._password_file, accounts, PASSWD_TIMEOUT_S
        )
        self._children[0].signal(signal.SIGHUP)
        if users:
            await self._wait_for_account(next(iter(users.values())))
        return Directory(
            "mqtt",
            self._host,
            self._port,
            users=users,
            rooms={},
            options={"qos": self.qos},
        )

    async def _wait_for_account(self, account: dict[str, str]) -> None:
        """Wait (briefly) until the reloaded password file accepts a provisioned account."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        reason = -1
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, TimeoutError, mqtt_codec.ProtocolError):
                async with asyncio.timeout(PROBE_TIMEOUT_S):
                    reason = await mqtt_connack(
                        self._host, self._port, account["login"], account["password"]
                    )
                if reason == 0:
                    return
            await asyncio.sleep(READY_POLL_S)
        raise BackendFailure(
            f"Mosquitto did not accept a provisioned account within {READY_TIMEOUT_S:g} s "
            f"after reloading its password file (last CONNACK reason {reason})"
        )

    def unavailable(self) -> dict[str, str]:
        return {BACKEND.storage_bytes_per_stored_msg: NO_HISTORY}

    def data_paths(self) -> list[Path]:
        return [self._data_dir] if self._data_dir else []


def create(options: dict[str, Any] | None = None) -> MosquittoBackend:
    return MosquittoBackend(qos=int((options or {}).get("qos", 1)))
