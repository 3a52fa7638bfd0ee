"""The few MQTT 5.0 packets imbench's users exchange with a broker, as bytes. Pure: no sockets.

CONNECT (username and password, clean start, no will), CONNACK, SUBSCRIBE with the no-local
option (a group member never gets its own posts back), SUBACK, PUBLISH at QoS 0, 1 or 2 and its
acknowledgements (PUBACK; PUBREC → PUBREL → PUBCOMP), PINGREQ/PINGRESP and DISCONNECT. Every
packet is sent without properties. `PacketReader` splits a byte stream into packets however the
reads cut it. OASIS MQTT 5.0, sections 2 and 3.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CONNECT = 1
CONNACK = 2
PUBLISH = 3
PUBACK = 4
PUBREC = 5
PUBREL = 6
PUBCOMP = 7
SUBSCRIBE = 8
SUBACK = 9
PINGREQ = 12
PINGRESP = 13
DISCONNECT = 14

PROTOCOL_LEVEL = 5
MAX_REMAINING = 268_435_455
"""The largest remaining length a four-byte variable byte integer holds."""

_U16 = struct.Struct("!H")


class ProtocolError(ValueError):
    """Bytes that are not the MQTT a broker should send."""


def varint(n: int) -> bytes:
    """The variable byte integer of `n` (1-4 bytes, seven bits each, low first)."""
    if not 0 <= n <= MAX_REMAINING:
        raise ValueError(f"{n} does not fit a variable byte integer")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def _text(s: str | bytes) -> bytes:
    raw = s.encode() if isinstance(s, str) else s
    return _U16.pack(len(raw)) + raw


def _packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + varint(len(body)) + body


def connect(client_id: str, username: str, password: str, keepalive_s: int = 60) -> bytes:
    """CONNECT: clean start, username + password, no will, no properties."""
    flags = 0x80 | 0x40 | 0x02  # username, password, clean start
    body = (
        _text("MQTT")
        + bytes((PROTOCOL_LEVEL, flags))
        + _U16.pack(keepalive_s)
        + b"\x00"  # properties
        + _text(client_id)
        + _text(username)
        + _text(password)
    )
    return _packet(CONNECT << 4, body)


def subscribe(packet_id: int, topic: str, qos: int, no_local: bool = True) -> bytes:
    """SUBSCRIBE to one topic filter at `qos`, no-local when asked (MQTT 5 §3.8.3.1)."""
    options = qos | (0x04 if no_local else 0)
    body = _U16.pack(packet_id) + b"\x00" + _text(topic) + bytes((options,))
    return _packet(SUBSCRIBE << 4 | 0x02, body)


def publish(topic: bytes, payload: bytes, qos: int, packet_id: int = 0) -> bytes:
    """PUBLISH `payload` to `topic` (not retained, no properties); a packet id for QoS 1 and 2."""
    head = _text(topic)
    if qos:
        head += _U16.pack(packet_id)
    body = head + b"\x00" + payload
    return _packet(PUBLISH << 4 | qos << 1, body)


def ack(kind: int, packet_id: int) -> bytes:
    """PUBACK, PUBREC, PUBREL or PUBCOMP for `packet_id`, reason Success (left out)."""
    first = kind << 4 | (0x02 if kind == PUBREL else 0)
    return bytes((first, 2)) + _U16.pack(packet_id)


PINGREQ_PACKET = bytes((PINGREQ << 4, 0))
DISCONNECT_PACKET = bytes((DISCONNECT << 4, 0))


@dataclass(frozen=True)
class Packet:
    """One packet as read: its type, the low four bits of its first byte, and its body."""

    kind: int
    flags: int
    body: bytes


class PacketReader:
    """Splits received bytes into packets, keeping an unfinished one for the next `feed`."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Packet]:
        buf = self._buffer
        buf += data
        packets: list[Packet] = []
        pos, end = 0, len(buf)
        while end - pos >= 2:
            length, shift, i, complete = 0, 0, pos + 1, False
            while i < end:
                byte = buf[i]
                i += 1
                length |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    complete = True
                    break
                shift += 7
                if shift > 21:
                    raise ProtocolError("remaining length longer than four bytes")
            if not complete or i + length > end:
                break  # the length or the body is still on its way
            first = buf[pos]
            packets.append(Packet(first >> 4, first & 0x0F, bytes(buf[i : i + length])))
            pos = i + length
        del buf[:pos]
        return packets


@dataclass(frozen=True)
class Publish:
    topic: str
    qos: int
    packet_id: int
    payload: bytes


def read_publish(packet: Packet) -> Publish:
    """The topic, QoS, packet id and payload of a PUBLISH (its properties skipped)."""
    body = packet.body
    qos = (packet.flags >> 1) & 0x03
    if qos == 3:
        raise ProtocolError("PUBLISH with QoS 3")
    (topic_len,) = _U16.unpack_from(body, 0)
    pos = 2 + topic_len
    topic = body[2:pos].decode()
    packet_id = 0
    if qos:
        (packet_id,) = _U16.unpack_from(body, pos)
        pos += 2
    props_len, pos = _read_varint(body, pos)
    return Publish(topic, qos, packet_id, body[pos + props_len :])


def packet_id_of(packet: Packet) -> int:
    """The packet id an acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK) is for."""
    if len(packet.body) < 2:
        raise ProtocolError(f"packet type {packet.kind} without a packet id")
    return int(_U16.unpack_from(packet.body, 0)[0])


def connack_reason(packet: Packet) -> int:
    """CONNACK's reason code (0 = success; 0x86 bad username or password, 0x87 not authorized)."""
    if packet.kind != CONNACK or len(packet.body) < 2:
        raise ProtocolError(f"expected CONNACK, got packet type {packet.kind}")
    return packet.body[1]


def suback_reasons(packet: Packet) -> bytes:
    """SUBACK's reason codes, one per topic filter (0-2 = granted QoS; >= 0x80 refused)."""
    if packet.kind != SUBACK or len(packet.body) < 3:
        raise ProtocolError(f"expected SUBACK, got packet type {packet.kind}")
    props_len, pos = _read_varint(packet.body, 2)
    return packet.body[pos + props_len :]


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ProtocolError("truncated variable byte integer")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 21:
            raise ProtocolError("variable byte integer longer than four bytes")
