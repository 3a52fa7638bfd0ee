"""coturn 4.6 (Debian's `coturn`) as a backend: the TURN relay for relay-only ICE.

`turnserver` runs inside the run's namespace with a config generated in the run's data dir:
UDP on the namespace address only (listening and relay addresses), one long-term credential
made for the run, no TLS/DTLS, no CLI, no quotas or bandwidth caps (0 = unlimited), its user
database in the data dir and its log in the backend's log. Peers use it through
`workloads.media.turn.relay_configuration(backend.turn_server)`.

Relayed bytes are their own figure: with `verbose`, coturn logs each allocation's usage after
every 4096 packets and once more when the allocation ends — client side (`usage`: between the
TURN client and coturn) and peer side (`peer usage`: between coturn's relay address and the far
end), each received and sent, in UDP payload bytes. Each report holds only the traffic since the
previous one (coturn resets its counters after logging), so `relay_usage()` sums them all. Wire
bytes with headers come from the run's veth meter when coturn has the namespace to itself; CPU
and RSS from its process tree, as for any backend.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.backends import BackendContext, Endpoint
from harness.backends.process import (
    ServerProcess,
    find_binary,
    missing_binary,
    poll_until_ready,
    version_output,
)
from harness.children import Child
from harness.kernel.errors import BackendFailure, EnvironmentProblem
from workloads.media.turn import TurnServer

READY_TIMEOUT_S = 10.0
READY_POLL_S = 0.05
INSTALL_HINT = "install it with scripts/install-coturn (apt-get install coturn, Debian 12: 4.6.1)"


@dataclass(frozen=True)
class CoturnConfig:
    """What imbench sets in turnserver.conf (the password is left out of `describe`)."""

    host: str
    username: str
    password: str
    port: int = 3478
    relay_port_min: int = 49152
    relay_port_max: int = 65535
    realm: str = "imbench"


def turnserver_conf(config: CoturnConfig, data_dir: Path, log_path: Path) -> str:
    """The generated turnserver.conf (coturn allows no trailing comments on a line).

    coturn logs to the backend's log, not into `data_dir`: its usage reports grow with traffic
    and must not count as storage."""
    return "\n".join(
        [
            f"listening-ip={config.host}",
            f"listening-port={config.port}",
            f"relay-ip={config.host}",
            f"min-port={config.relay_port_min}",
            f"max-port={config.relay_port_max}",
            f"realm={config.realm}",
            "lt-cred-mech",
            f"user={config.username}:{config.password}",
            "fingerprint",
            "no-tls",
            "no-dtls",
            "no-tcp",
            "no-tcp-relay",
            "no-cli",
            "no-multicast-peers",
            "no-software-attribute",
            "user-quota=0",
            "total-quota=0",
            "max-bps=0",
            "bps-capacity=0",
            f"userdb={data_dir / 'turndb'}",
            f"pidfile={data_dir / 'turnserver.pid'}",
            f"log-file={log_path}",
            "simple-log",
            "no-stdout-log",
            "verbose",
            "",
        ]
    )


@dataclass(frozen=True)
class RelayUsage:
    """Bytes and packets coturn relayed, summed over allocations (UDP payload, no IP/UDP headers)."""

    allocations: int
    """Allocations (TURN sessions) with at least one usage report."""
    closed_allocations: int
    """Allocations that have ended; their usage is final."""
    client_received_bytes: int
    client_sent_bytes: int
    peer_received_bytes: int
    peer_sent_bytes: int
    client_received_packets: int
    client_sent_packets: int

    @property
    def total_bytes(self) -> int:
        """Every byte coturn received or sent for relayed traffic, both legs."""
        return (
            self.client_received_bytes
            + self.client_sent_bytes
            + self.peer_received_bytes
            + self.peer_sent_bytes
        )


_CLOSED = re.compile(r"session (\d+): closed")
_USAGE = re.compile(
    r"session (\d+): (peer )?usage: realm=<[^>]*>, user(?:name)?=<[^>]*>, "
    r"rp=(\d+), rb=(\d+), sp=(\d+), sb=(\d+)"
)


def parse_usage(lines: Iterable[str]) -> RelayUsage:
    """Sum coturn's usage reports. Each report covers the traffic since the previous one of its
    session (coturn resets the counters after logging them), so every report counts."""
    totals = {"usage": [0, 0, 0, 0], "peer usage": [0, 0, 0, 0]}
    sessions: set[str] = set()
    closed: set[str] = set()
    for line in lines:
        if ended := _CLOSED.search(line):
            closed.add(ended.group(1))
        match = _USAGE.search(line)
        if match:
            session, peer, *counts = match.groups()
            sessions.add(session)
            leg = totals["peer usage" if peer else "usage"]
            for i, count in enumerate(counts):
                leg[i] += int(count)
    client, peer_leg = totals["usage"], totals["peer usage"]
    return RelayUsage(
        allocations=len(sessions),
        closed_allocations=len(closed),
        client_received_bytes=client[1],
        client_sent_bytes=client[3],
        peer_received_bytes=peer_leg[1],
        peer_sent_bytes=peer_leg[3],
        client_received_packets=client[0],
        client_sent_packets=client[2],
    )


def turnserver_binary() -> str:
    return find_binary("turnserver", INSTALL_HINT)


def coturn_version() -> str:
    """'4.6.1' from `turnserver --version`, or 'not installed'."""
    output = version_output("turnserver", INSTALL_HINT)
    if output is None:
        return "not installed"
    lines = output.strip().splitlines()
    return lines[-1] if lines else "unknown"


class CoturnBackend(ServerProcess):
    name = "coturn"
    needs_namespace = True

    def __init__(self, port: int = 3478) -> None:
        self._port = port
        self._config: CoturnConfig | None = None
        self._children: list[Child] = []
        self._data_dir: Path | None = None
        self._log_path: Path | None = None

    def missing(self) -> str | None:
        return missing_binary("turnserver", INSTALL_HINT)

    def describe(self) -> dict[str, Any]:
        config: dict[str, Any] = {"port": self._port}
        if self._config is not None:
            config = {k: v for k, v in asdict(self._config).items() if k != "password"}
        config.update(transport="udp", tls=False, quotas="none", auth="long-term credential")
        return {"name": self.name, "version": coturn_version(), "config": config}

    async def start(self, ctx: BackendContext) -> Endpoint:
        net, data_dir, log_path = ctx.net, ctx.data_dir, ctx.log_path
        if net.namespace is None:
            raise EnvironmentProblem(
                "coturn needs the run's network namespace (root): its relay addresses must be "
                "namespace addresses, never the machine's external address"
            )
        self._data_dir, self._log_path = data_dir, log_path
        data_dir.mkdir(parents=True, exist_ok=True)
        self._config = CoturnConfig(
            net.server_host, f"imbench-{secrets.token_hex(4)}", secrets.token_hex(16), self._port
        )
        # The config holds the run's credential: it lives in the private dir, not the run folder.
        conf = ctx.private_dir / "turnserver.conf"
        conf.write_text(turnserver_conf(self._config, data_dir, log_path))
        conf.chmod(0o600)
        argv = [turnserver_binary(), "-c", str(conf)]
        turn = ctx.spawn("coturn", argv)
        self._children = [turn]
        await self._wait_ready(turn, log_path)
        return Endpoint(net.server_host, self._port, "turn-udp")

    @property
    def turn_server(self) -> TurnServer:
        """The TURN server and the run's credential, for relay_configuration (after start)."""
        if self._config is None:
            raise BackendFailure("coturn has not been started")
        c = self._config
        return TurnServer(c.host, c.port, c.username, c.password)

    def relay_usage(self) -> RelayUsage:
        """What coturn has reported relaying so far (final once every allocation has ended)."""
        if self._log_path is None or not self._log_path.exists():
            return parse_usage([])
        with self._log_path.open(errors="replace") as log:
            return parse_usage(log)

    async def _wait_ready(self, turn: Child, log_path: Path) -> None:
        """Ready once coturn logs that its UDP listener is up on our address."""
        assert self._config is not None
        marker = f"{self._config.host}:{self._config.port}"

        async def listening() -> bool:
            return log_path.exists() and _listening(log_path.read_text("utf-8", "replace"), marker)

        await poll_until_ready(
            turn, listening, READY_TIMEOUT_S, READY_POLL_S, f"coturn did not listen on {marker}"
        )

    def data_paths(self) -> list[Path]:
        """The pid file and coturn's SQLite user database (turndb)."""
        return [self._data_dir] if self._data_dir else []


def _listening(log_text: str, marker: str) -> bool:
    return any("UDP" in line and marker in line for line in log_text.splitlines())


def create(options: dict[str, Any] | None = None) -> CoturnBackend:
    return CoturnBackend()
