"""The generator's own wire meter: the kernel's TCP counters of every client connection.

Linux keeps, per TCP socket, the payload bytes it sent (retransmissions included) and received
and the segments it sent and received (`struct tcp_info`, read with getsockopt TCP_INFO): the
bytes the connection really put on the wire above IP, TLS records and handshakes included,
whatever library wrote them. A process sums them over its live sockets plus the final counts of
the sockets it has closed. The wire figure adds the headers the kernel does not count in those
bytes: HEADER_BYTES_PER_SEGMENT per segment (IPv4 20 + TCP 20 + the timestamp option 12 +
Ethernet 14) — an estimate: SACK blocks and other options add a few bytes to some segments.

This is what an external run (a server imbench does not run, so no veth of ours carries its
traffic) reports as its wire bytes; a namespace run's veth counters are the exact equivalent.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

TCP_INFO_BYTES = 232
HEADER_BYTES_PER_SEGMENT = 20 + 20 + 12 + 14
# struct tcp_info (linux/tcp.h): u64 tcpi_bytes_received at 128, u32 tcpi_segs_out at 136,
# u32 tcpi_segs_in at 140, u64 tcpi_bytes_sent at 200 (Linux >= 4.19; includes retransmits).
_RECEIVED = struct.Struct("=Q")
_SEGS = struct.Struct("=II")
_SENT = struct.Struct("=Q")


@dataclass(frozen=True)
class TcpCounters:
    """Cumulative counters of one connection (or a sum of connections)."""

    bytes_sent: int = 0
    bytes_received: int = 0
    segs_out: int = 0
    segs_in: int = 0

    def __add__(self, other: TcpCounters) -> TcpCounters:
        return TcpCounters(
            self.bytes_sent + other.bytes_sent,
            self.bytes_received + other.bytes_received,
            self.segs_out + other.segs_out,
            self.segs_in + other.segs_in,
        )

    @property
    def wire_bytes(self) -> int:
        """Payload both ways plus the estimated headers of every segment."""
        segments = self.segs_out + self.segs_in
        return self.bytes_sent + self.bytes_received + segments * HEADER_BYTES_PER_SEGMENT


def parse_tcp_info(raw: bytes) -> TcpCounters | None:
    """The counters in a `struct tcp_info`; None when the kernel's struct is too old to hold them."""
    if len(raw) < 208:
        return None
    (received,) = _RECEIVED.unpack_from(raw, 128)
    segs_out, segs_in = _SEGS.unpack_from(raw, 136)
    (sent,) = _SENT.unpack_from(raw, 200)
    return TcpCounters(sent, received, segs_out, segs_in)


def read_counters(sock: socket.socket) -> TcpCounters | None:
    """One socket's counters now; None when it is closed or not TCP."""
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_BYTES)
    except (OSError, ValueError):
        return None
    return parse_tcp_info(raw)


class SocketMeter:
    """The sum of the counters of the sockets it tracks, closed ones included."""

    def __init__(self) -> None:
        self._live: dict[int, socket.socket] = {}
        self._last: dict[int, TcpCounters] = {}
        self._closed = TcpCounters()

    def track(self, sock: socket.socket) -> None:
        self._live[id(sock)] = sock

    def untrack(self, sock: socket.socket) -> None:
        """Keep `sock`'s final counts (call before closing it; after, its last reading counts)."""
        key = id(sock)
        if self._live.pop(key, None) is None:
            return
        final = read_counters(sock) or self._last.get(key)
        self._last.pop(key, None)
        if final is not None:
            self._closed = self._closed + final

    def total(self) -> TcpCounters:
        total = self._closed
        for key, sock in self._live.items():
            reading = read_counters(sock) or self._last.get(key)
            if reading is not None:
                self._last[key] = reading
                total = total + reading
        return total
