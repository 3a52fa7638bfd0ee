"""Wire meter: an interface's kernel counters (bytes and packets, both directions, headers included)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WireSample:
    rx_bytes: int
    tx_bytes: int
    rx_packets: int
    tx_packets: int


class WireMeter:
    def __init__(self, interface: str, sysfs: Path = Path("/sys/class/net")) -> None:
        self.interface = interface
        self._dir = sysfs / interface / "statistics"

    def read(self) -> WireSample | None:
        """Counters now, or None if the interface is gone."""
        try:
            values = [
                int((self._dir / name).read_text())
                for name in ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets")
            ]
        except (OSError, ValueError):
            return None
        return WireSample(*values)
