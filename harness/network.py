"""The isolated test network: one network namespace per run, joined to the host by a veth pair.

The backend runs inside the namespace on an address that belongs to it (10.77.x.y/30); load
generators reach it through the veth, whose kernel counters are then the backend's real wire bytes.
Everything made here is removed by `remove_network`, and `sweep_stale` removes what an earlier
imbench process left behind when it was killed outright. Without root the run falls back to
loopback and says so (`loopback-shared`: lo's counters include every other loopback user).
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.kernel.errors import BadInput, EnvironmentProblem

NET_NETNS = "netns-veth"
NET_LOOPBACK = "loopback-shared"
NET_EXTERNAL = "external"
POOL = ipaddress.IPv4Network("10.77.0.0/16")
_NAME = re.compile(r"^imb-(\d+)-(\d+)$")
_counter = itertools.count()


@dataclass(frozen=True)
class TestNetwork:
    """Where the backend listens and which interface meters its wire bytes."""

    __test__ = False  # not a pytest test class, despite the name

    method: str
    server_host: str
    client_host: str
    meter_interface: str
    namespace: str | None = None
    subnet: str = ""

    def exec_prefix(self) -> list[str]:
        """Command prefix that runs a program inside the namespace (empty on loopback)."""
        return ["ip", "netns", "exec", self.namespace] if self.namespace else []

    def describe(self) -> dict[str, str]:
        return {
            "net_method": self.method,
            "namespace": self.namespace or "",
            "meter_interface": self.meter_interface,
            "server_host": self.server_host,
            "subnet": self.subnet,
        }


def external_network(host: str) -> TestNetwork:
    """No network of ours: the server (not ours) is at `host`; generators dial it from here."""
    return TestNetwork(NET_EXTERNAL, host, "", "")


def _ip(*args: str) -> str:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EnvironmentProblem(f"`ip {' '.join(args)}` failed: {done.stderr.strip()}")
    return done.stdout


def can_use_netns() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


def create_network(mode: str, source: str = "scenario") -> TestNetwork:
    """Build the run's network for `mode` (auto | netns | loopback)."""
    if mode == "loopback" or (mode == "auto" and not can_use_netns()):
        return TestNetwork(NET_LOOPBACK, "127.0.0.1", "127.0.0.1", "lo")
    if not can_use_netns():
        raise BadInput(
            source, "network.mode", mode, "needs root and iproute2 (`ip`); use auto or loopback"
        )
    sweep_stale()
    n = next(_counter)
    pid = os.getpid()
    namespace, host_if, ns_if = f"imb-{pid}-{n}", f"ih{pid}n{n}", f"in{pid}n{n}"
    subnet = _free_subnet(pid * 16 + n)
    host_addr, ns_addr = (str(a) for a in itertools.islice(subnet.hosts(), 2))
    _ip("netns", "add", namespace)
    net = TestNetwork(NET_NETNS, ns_addr, host_addr, host_if, namespace, str(subnet))
    try:
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", namespace)
        _ip("addr", "add", f"{host_addr}/30", "dev", host_if)
        _ip("link", "set", host_if, "up")
        _ip("-n", namespace, "addr", "add", f"{ns_addr}/30", "dev", ns_if)
        _ip("-n", namespace, "link", "set", ns_if, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
    except EnvironmentProblem:
        remove_network(net)
        raise
    return net


def _used_networks() -> list[ipaddress.IPv4Network]:
    used = []
    for match in re.finditer(r"inet (\d+\.\d+\.\d+\.\d+/\d+)", _ip("-4", "addr")):
        used.append(ipaddress.IPv4Interface(match.group(1)).network)
    return used


def _free_subnet(seed: int) -> ipaddress.IPv4Network:
    subnets = list(POOL.subnets(new_prefix=30))
    used = _used_networks()
    for step in range(len(subnets)):
        candidate = subnets[(seed + step) % len(subnets)]
        if not any(candidate.overlaps(u) for u in used):
            return candidate
    raise EnvironmentProblem(f"no free /30 left in {POOL} for a test namespace")


def remove_network(net: TestNetwork) -> None:
    """Delete the namespace (which deletes its veth pair) after killing anything left inside."""
    if net.namespace is None:
        return
    _kill_namespace_pids(net.namespace)
    subprocess.run(["ip", "netns", "del", net.namespace], capture_output=True, check=False)
    subprocess.run(["ip", "link", "del", net.meter_interface], capture_output=True, check=False)


def _kill_namespace_pids(namespace: str) -> None:
    done = subprocess.run(
        ["ip", "netns", "pids", namespace], capture_output=True, text=True, check=False
    )
    for token in done.stdout.split():
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(token), signal.SIGKILL)


def list_namespaces() -> list[str]:
    if not Path("/var/run/netns").is_dir():
        return []
    return sorted(p.name for p in Path("/var/run/netns").iterdir())


def sweep_stale() -> list[str]:
    """Remove namespaces left by imbench processes that no longer exist; return their names."""
    removed = []
    for name in list_namespaces():
        match = _NAME.match(name)
        if not match or _alive(int(match.group(1))):
            continue
        n = match.group(2)
        pid = match.group(1)
        remove_network(TestNetwork(NET_NETNS, "", "", f"ih{pid}n{n}", name))
        removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
