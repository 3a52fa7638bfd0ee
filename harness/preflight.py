"""Every check that can refuse a scenario on this machine, run before anything starts.

Parsing (harness.scenario) says whether a scenario is well-formed; this says whether this machine
can run it: the network mode it asks for, each backend it names installed, TLS only where the
backend serves it, a backend's own checks (`problems(scenario)`, optional: the external
backend's URL and credential variables), and backends whose media must never leave the run's
namespace (Janus, coturn) given one. `harness.run.execute`
calls it first, so the CLI and the library refuse the same scenarios with BadInput (exit 2)
before a run folder exists.
"""

from __future__ import annotations

from harness.backends import chosen_backends, create_backend
from harness.kernel.errors import BadInput, Problem
from harness.network import can_use_netns
from harness.scenario import Scenario


def problems(scenario: Scenario, netns_ok: bool | None = None) -> list[Problem]:
    """What keeps `scenario` from running here (empty: nothing). `netns_ok` overrides the probe."""
    found: list[Problem] = []
    can_netns = can_use_netns() if netns_ok is None else netns_ok
    source = scenario.source
    if scenario.network_mode == "netns" and not can_netns:
        found.append(
            Problem(
                source,
                "network.mode",
                "netns",
                "needs root and iproute2 (`ip`); use auto or loopback",
            )
        )
    on_loopback = scenario.network_mode == "loopback" or not can_netns
    for choice in chosen_backends(scenario):
        backend = create_backend(choice.name, choice.options)
        value: object = True if choice.field == "media.turn" else choice.name
        missing = backend.missing()
        if missing is not None:
            found.append(Problem(source, choice.field, value, f"is not installed here: {missing}"))
        if (
            choice.source == "backend"
            and scenario.tls
            and not getattr(backend, "serves_tls", False)
        ):
            found.append(
                Problem(
                    source,
                    "network.tls",
                    True,
                    f"{choice.name} is not run behind TLS by imbench; set tls = false",
                )
            )
        check = getattr(backend, "problems", None)  # optional: a backend's own input checks
        if choice.source == "backend" and check is not None:
            found += check(scenario)
        if backend.needs_namespace and on_loopback:
            found.append(
                Problem(
                    source,
                    choice.field,
                    value,
                    "needs a network namespace (root, network.mode auto or netns): on loopback its "
                    "ICE could fall back to the machine's own address",
                )
            )
    return found


def check_runnable(scenario: Scenario, netns_ok: bool | None = None) -> None:
    """Raise BadInput listing every problem `problems` finds."""
    found = problems(scenario, netns_ok)
    if found:
        raise BadInput.of(found)
