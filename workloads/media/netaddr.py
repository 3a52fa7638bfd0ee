"""Keep ICE on addresses we own: loopback in unit tests, a run's namespace veth otherwise.

aioice gathers host candidates from every interface but drops 127.0.0.1, so an unrestricted
"loopback" test would pair on the machine's external address. `restrict_host_addresses` replaces
aioice's enumeration (process-wide; call it in the composition root, before any peer connection).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

import aioice.ice

from harness.kernel.errors import BadInput

_ORIGINAL = aioice.ice.get_host_addresses


def restrict_host_addresses(addresses: Sequence[str]) -> Callable[[], None]:
    """Gather host candidates only on `addresses`; returns a function that undoes it."""
    chosen = [str(ipaddress.ip_address(a)) for a in _validated(addresses)]

    def only_ours(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = only_ours

    def undo() -> None:
        aioice.ice.get_host_addresses = _ORIGINAL

    return undo


def _validated(addresses: Sequence[str]) -> Sequence[str]:
    if not addresses:
        raise BadInput("media", "ice_addresses", list(addresses), "at least one IP address")
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise BadInput("media", "ice_addresses", address, "an IPv4/IPv6 address") from None
    return addresses
