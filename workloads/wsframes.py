"""RFC 6455 framing for a WebSocket client: pure functions, no I/O.

Clients mask every frame they send (a 4-byte key XORed over the payload); servers send unmasked
frames. `parse_frames` consumes as many whole frames as a buffer holds and leaves the rest.
"""

from __future__ import annotations

import base64
import hashlib
import struct

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_LEN16 = struct.Struct("!H")
_LEN64 = struct.Struct("!Q")


class ProtocolError(Exception):
    """The peer broke RFC 6455."""


def accept_key(client_key: str) -> str:
    """The Sec-WebSocket-Accept value a server must answer to `client_key`."""
    digest = hashlib.sha1(client_key.encode() + _GUID).digest()
    return base64.b64encode(digest).decode()


def mask_payload(payload: bytes, mask_key: bytes) -> bytes:
    """XOR `payload` with the repeating 4-byte `mask_key` (its own inverse)."""
    n = len(payload)
    if n == 0:
        return b""
    key = (mask_key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


def encode_frame(payload: bytes, mask_key: bytes, opcode: int = OP_TEXT) -> bytes:
    """One final, masked client frame."""
    n = len(payload)
    first = 0x80 | opcode
    if n < 126:
        header = bytes((first, 0x80 | n))
    elif n < 65536:
        header = bytes((first, 0x80 | 126)) + _LEN16.pack(n)
    else:
        header = bytes((first, 0x80 | 127)) + _LEN64.pack(n)
    return header + mask_key + mask_payload(payload, mask_key)


def parse_frames(buf: bytes | bytearray) -> tuple[list[tuple[bool, int, bytes]], int]:
    """Whole frames at the start of `buf` as (fin, opcode, payload), and the bytes they used."""
    frames: list[tuple[bool, int, bytes]] = []
    pos = 0
    end = len(buf)
    while end - pos >= 2:
        b0 = buf[pos]
        b1 = buf[pos + 1]
        n = b1 & 0x7F
        head = 2
        if n == 126:
            if end - pos < 4:
                break
            n = _LEN16.unpack_from(buf, pos + 2)[0]
            head = 4
        elif n == 127:
            if end - pos < 10:
                break
            n = _LEN64.unpack_from(buf, pos + 2)[0]
            head = 10
        masked = b1 & 0x80
        if masked:
            head += 4
        if end - pos < head + n:
            break
        payload = bytes(buf[pos + head : pos + head + n])
        if masked:
            payload = mask_payload(payload, bytes(buf[pos + head - 4 : pos + head]))
        frames.append((bool(b0 & 0x80), b0 & 0x0F, payload))
        pos += head + n
    return frames, pos
