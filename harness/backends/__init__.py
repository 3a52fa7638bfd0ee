"""Backends under test: one small interface, one module per backend, imported lazily by name.

A backend says whether this machine can run it (`missing`, asked during scenario validation, so a
backend that is not installed is bad input before anything starts), starts its server(s) with a
generated config inside the run's network and process scope (`BackendContext`), names every
process it runs (the meters measure them all as the backend; the death of any one is a backend
failure naming it), reports its data paths (storage) and says where clients connect. A missing
optional dependency breaks only that backend. A backend may also judge the scenario itself before
anything starts (optional `problems(scenario) -> list[Problem]`, called by harness.preflight: the
external backend's URL and the environment variables its credentials come from).

TLS (`[network] tls = true`): preflight refuses it for a messaging backend whose `serves_tls` is
False. Otherwise the orchestrator makes a certificate for the run before any backend starts and
hands it over as `ctx.tls` (harness.backends.certificate.RunCertificate; None on a plaintext run):

    ctx.tls.cert_file, ctx.tls.key_file   server certificate chain and key (PEM; key mode 0600)
    ctx.tls.bundle_file                   key + chain in one PEM, for servers that want one file
    ctx.tls.ca_file, ctx.tls.server_name  what clients verify with: put both in the Directory,
                                          Directory(..., tls=True, ca_file=str(ctx.tls.ca_file),
                                          server_name=ctx.tls.server_name)
    ctx.tls.copy_for(dir, uid, gid)       a copy a daemon running as its own user can read

The certificate is valid for the namespace address (`ctx.net.server_host`), `imbench.test`
(`server_name`; use it as the XMPP domain / Matrix server name when the protocol names the
server) and `localhost`. Its files live in the run's private dir, never under `results/`; the
manifest's `tls` records what it is. A backend's `describe()` says whether it served TLS
(`config.tls`): the manifest's backend entry is written again once the backend has started.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from harness.backends.certificate import RunCertificate
from harness.children import Child, ProcessScope
from harness.kernel.directory import Directory
from harness.layout import Population
from harness.network import TestNetwork
from harness.scenario import Scenario


@dataclass(frozen=True)
class Endpoint:
    """Where clients connect: host, port and the protocol spoken there."""

    host: str
    port: int
    protocol: str


@dataclass(frozen=True)
class BackendContext:
    """What a backend gets to start in: the run's network and process scope, a data dir in the
    run folder (measured as storage), a private dir outside `results/` for configs that hold
    credentials (removed when the run ends), its log file, and the run's TLS certificate when
    the scenario asks for TLS (`[network] tls = true`; None otherwise)."""

    net: TestNetwork
    scope: ProcessScope
    data_dir: Path
    private_dir: Path
    log_path: Path
    tls: RunCertificate | None = None

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        *,
        stdout_pipe: bool = False,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Child:
        """Start one of the backend's processes inside the run's namespace (if any)."""
        return self.scope.spawn(
            name,
            argv,
            log_path=self.log_path,
            prefix=self.net.exec_prefix(),
            stdout_pipe=stdout_pipe,
            env=env,
            cwd=cwd,
        )


class Backend(Protocol):
    name: str
    needs_namespace: bool
    """True when the backend must not run on loopback (its media would use other addresses)."""

    def missing(self) -> str | None:
        """What this machine lacks to run the backend (what to install), or None."""
        ...

    def describe(self) -> dict[str, Any]:
        """Name, version and configuration, for the manifest (never a credential)."""
        ...

    async def start(self, ctx: BackendContext) -> Endpoint: ...

    def processes(self) -> list[Child]:
        """Every process the backend runs (empty before start)."""
        ...

    def data_paths(self) -> list[Path]: ...

    async def stop(self) -> None:
        """Stop gracefully, then forcibly; safe to call when never started or already dead."""
        ...


@runtime_checkable
class MessagingBackend(Backend, Protocol):
    """A backend the chat and group workloads run against (the scenario's `backend`)."""

    serves_tls: bool
    """True when `[network] tls = true` is supported (the backend serves TLS with ctx's cert)."""

    async def provision(self, population: Population) -> Directory:
        """Create the run's users and rooms on the started server, in bulk, by the fastest path
        it supports; answer with what the protocol clients need (accounts, room ids, options)."""
        ...

    def unavailable(self) -> dict[str, str]:
        """Registered metrics this backend cannot produce, with the reason (summary: n/a)."""
        ...


MODULES = {
    "embedded": "harness.backends.embedded",
    "external": "harness.backends.external",
    "embedded-sfu": "harness.backends.embedded_media",
    "janus": "harness.backends.janus",
    "coturn": "harness.backends.coturn",
    "mosquitto": "harness.backends.mosquitto",
    "synapse": "harness.backends.synapse",
    "prosody": "harness.backends.prosody",
    "ejabberd": "harness.backends.ejabberd",
}


def create_backend(name: str, options: Mapping[str, Any] | None = None) -> Backend:
    """The adapter for backend `name`, configured by its `[backend.<name>]` options."""
    module = importlib.import_module(MODULES[name])
    backend: Backend = module.create(dict(options or {}))
    return backend


@dataclass(frozen=True)
class BackendChoice:
    """A server a scenario needs: its meter source, the scenario field that chose it, its name."""

    source: str
    field: str
    name: str
    options: dict[str, Any]


def chosen_backends(scenario: Scenario) -> list[BackendChoice]:
    """`backend` (messaging), `sfu` (media), `turn` (relay), as the scenario asks for them."""
    chosen = []
    if scenario.workloads:
        chosen.append(
            BackendChoice("backend", "scenario.backend", scenario.backend, scenario.options())
        )
    if scenario.media:
        sfu = scenario.media_backend
        chosen.append(BackendChoice("sfu", "media.backend", sfu, scenario.options(sfu)))
        if scenario.turn:
            chosen.append(BackendChoice("turn", "media.turn", "coturn", {}))
    return chosen
