"""Janus 1.1 (Debian's `janus`) as a backend: the videoroom SFU behind its HTTP API.

Everything Janus reads is generated in the run's data dir, so nothing in /etc/janus matters
(Debian's defaults load every plugin and transport, bind 0.0.0.0 and cap videoroom senders by
REMB): a plugins folder and a transports folder holding one symlink each (videoroom, HTTP), the
core config, the HTTP transport config and the videoroom config (no rooms; `string_ids` on).

Janus runs inside the run's namespace on the namespace address only: its HTTP API binds there,
and ICE gathers only there (`interface` + `ice_enforce_list`). Janus always skips loopback
interfaces when it gathers, so it cannot serve media on a loopback-only run: that raises
EnvironmentProblem instead of letting ICE fall back to the machine's external address.
Ready when `GET /janus/info` answers; stopped by SIGTERM (Janus takes 1-2 s), then SIGKILL.
"""

from __future__ import annotations

import contextlib
import glob
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
from workloads.media.http_client import SignallingError
from workloads.media.janus_signalling import ROOM_SETTINGS, JanusAddress, janus_client

READY_TIMEOUT_S = 15.0
READY_POLL_S = 0.05
INSTALL_HINT = "install it with scripts/install-janus (apt-get install janus, Debian 12: 1.1.2)"
PLUGIN = "libjanus_videoroom.so"
TRANSPORT = "libjanus_http.so"


@dataclass(frozen=True)
class JanusConfig:
    """What imbench sets in Janus' generated config files (recorded in the manifest)."""

    host: str
    http_port: int = 8088
    rtp_port_min: int = 20000
    rtp_port_max: int = 40000
    session_timeout_s: int = 60
    no_media_timer_s: int = 2
    debug_level: int = 4
    plugins: tuple[str, ...] = (PLUGIN,)
    transports: tuple[str, ...] = (TRANSPORT,)


def core_config(config: JanusConfig, data_dir: Path) -> str:
    """janus.jcfg: folders in `data_dir`, ICE and media only on `config.host`, no STUN/TURN."""
    return f"""general: {{
	configs_folder = "{data_dir}"
	plugins_folder = "{data_dir / "plugins"}"
	transports_folder = "{data_dir / "transports"}"
	events_folder = "{data_dir / "none"}"
	loggers_folder = "{data_dir / "none"}"
	debug_level = {config.debug_level}
	session_timeout = {config.session_timeout_s}
	server_name = "imbench-janus"
	interface = "{config.host}"
}}
media: {{
	ipv6 = false
	rtp_port_range = "{config.rtp_port_min}-{config.rtp_port_max}"
	no_media_timer = {config.no_media_timer_s}
}}
nat: {{
	ice_enforce_list = "{config.host}"
	ignore_mdns = true
	full_trickle = false
}}
events: {{
	broadcast = false
}}
"""


def http_config(config: JanusConfig) -> str:
    """janus.transport.http.jcfg: the Janus API on host:port, plain HTTP; no admin API."""
    return f"""general: {{
	json = "plain"
	base_path = "/janus"
	http = true
	ip = "{config.host}"
	port = {config.http_port}
	https = false
}}
admin: {{
	admin_http = false
	admin_https = false
}}
"""


VIDEOROOM_CONFIG = """general: {
	string_ids = true
}
"""
"""janus.plugin.videoroom.jcfg: no predefined rooms (drivers create them with the capacity,
codec and bitrate they need: JanusVideoRoom.ensure_room); room and user ids are strings."""


def janus_lib_dir() -> Path:
    """Debian's /usr/lib/<triplet>/janus holding the videoroom plugin and the HTTP transport."""
    for plugin in sorted(glob.glob(f"/usr/lib/*/janus/plugins/{PLUGIN}")):
        lib = Path(plugin).parent.parent
        if (lib / "transports" / TRANSPORT).exists():
            return lib
    raise EnvironmentProblem(
        f"Janus' videoroom plugin and HTTP transport are missing: {INSTALL_HINT}"
    )


def janus_binary() -> str:
    return find_binary("janus", INSTALL_HINT)


def write_config(config: JanusConfig, data_dir: Path, lib_dir: Path) -> Path:
    """Write every file Janus reads into `data_dir`; returns the core config's path."""
    for folder, names in (("plugins", config.plugins), ("transports", config.transports)):
        (data_dir / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            link = data_dir / folder / name
            link.unlink(missing_ok=True)
            link.symlink_to(lib_dir / folder / name)
    (data_dir / "none").mkdir(exist_ok=True)
    (data_dir / "janus.transport.http.jcfg").write_text(http_config(config))
    (data_dir / "janus.plugin.videoroom.jcfg").write_text(VIDEOROOM_CONFIG)
    core = data_dir / "janus.jcfg"
    core.write_text(core_config(config, data_dir))
    return core


def janus_version() -> str:
    """'1.1.2' from `janus --version`, or 'not installed'."""
    output = version_output("janus", INSTALL_HINT)
    if output is None:
        return "not installed"
    for line in output.splitlines():
        if line.startswith("Janus version:") and "(" in line:
            return line.rsplit("(", 1)[1].rstrip(")")
    return "unknown"


class JanusBackend(ServerProcess):
    name = "janus"
    needs_namespace = True

    def __init__(self, http_port: int = 8088, session_timeout_s: int = 60) -> None:
        self._http_port = http_port
        self._session_timeout_s = session_timeout_s
        self._config: JanusConfig | None = None
        self._children: list[Child] = []
        self._data_dir: Path | None = None

    def missing(self) -> str | None:
        absent = missing_binary("janus", INSTALL_HINT)
        if absent is None:
            try:
                janus_lib_dir()
            except EnvironmentProblem as exc:
                return str(exc)
        return absent

    def describe(self) -> dict[str, Any]:
        config: dict[str, Any] = {"http_port": self._http_port}
        if self._config is not None:
            config = asdict(self._config)
        config["videoroom"] = {"string_ids": True, "rooms": ROOM_SETTINGS}
        return {"name": self.name, "version": janus_version(), "config": config}

    async def start(self, ctx: BackendContext) -> Endpoint:
        net, data_dir = ctx.net, ctx.data_dir
        if net.namespace is None:
            raise EnvironmentProblem(
                "Janus needs the run's network namespace (root): it never gathers loopback ICE "
                "candidates, and media must not use the machine's external address"
            )
        self._config = JanusConfig(
            net.server_host, self._http_port, session_timeout_s=self._session_timeout_s
        )
        self._data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        core = write_config(self._config, data_dir, janus_lib_dir())
        argv = [janus_binary(), "-F", str(data_dir), "-C", str(core), "-o"]
        janus = ctx.spawn("janus", argv)  # Janus logs to stdout: that goes to the log too
        self._children = [janus]
        await self._wait_ready(janus)
        return Endpoint(net.server_host, self._http_port, "janus-http")

    @property
    def address(self) -> JanusAddress:
        """Where the Janus API answers (after start)."""
        if self._config is None:
            raise BackendFailure("Janus has not been started")
        return JanusAddress(self._config.host, self._config.http_port)

    async def _wait_ready(self, janus: Child) -> None:

        async with janus_client(self.address) as api:

            async def answers() -> bool:
                with contextlib.suppress(SignallingError):
                    info = await api.request_object("GET", "/info")
                    return bool(info.get("janus") == "server_info")
                return False

            await poll_until_ready(
                janus, answers, READY_TIMEOUT_S, READY_POLL_S, "Janus did not answer /janus/info"
            )

    def data_paths(self) -> list[Path]:
        """Janus keeps rooms in memory and records nothing (record = false): only its config."""
        return [self._data_dir] if self._data_dir else []


def create(options: dict[str, Any] | None = None) -> JanusBackend:
    return JanusBackend()
