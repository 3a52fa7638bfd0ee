"""A small blocking WebSocket client for load generation (gevent-friendly: plain sockets).

It does only what a load generator needs, cheaply: a handshake, masked text frames out, and
whole messages in (answering pings, reassembling fragments). Under Locust the socket module is
gevent's, so a blocking `recv` parks only the calling greenlet. `tls=True` speaks wss: TLS over
the TCP connection first (workloads.tls: verified against `ca_file` and `server_name`).
"""

from __future__ import annotations

import base64
import contextlib
import os
import random
import socket
from collections.abc import Iterator

from workloads import tls as tls_client
from workloads import wsframes


class WebSocketClosed(Exception):
    """The connection ended (close frame, EOF or socket error)."""


class WebSocket:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._peer_closed = False
        self._buf = bytearray()
        self._fragments: list[bytes] = []
        self.bytes_sent = 0
        self.bytes_received = 0

    @classmethod
    def connect(
        cls,
        host: str,
        port: int,
        path: str = "/",
        timeout_s: float = 10.0,
        *,
        tls: bool = False,
        ca_file: str = "",
        server_name: str = "",
    ) -> WebSocket:
        """Open and upgrade a connection; OSError (ssl.SSLError when the certificate does not
        verify) or WebSocketClosed when that fails."""
        sock = socket.create_connection((host, port), timeout=timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            try:
                sock = tls_client.wrap(sock, ca_file, server_name or host)
            except OSError:
                sock.close()
                raise
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        sock.sendall(request.encode())
        ws = cls(sock)
        head = ws._read_until(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        expected = wsframes.accept_key(key).encode()
        if b" 101 " not in status + b" " or expected not in head:
            sock.close()
            raise WebSocketClosed(f"handshake refused: {status.decode(errors='replace')}")
        sock.settimeout(None)
        return ws

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise WebSocketClosed("connection closed during handshake")
            self._buf += chunk
        head, _, rest = bytes(self._buf).partition(marker)
        self._buf = bytearray(rest)
        return head

    def send_text(self, payload: bytes) -> int:
        """Send one text frame; return the frame's size in bytes."""
        frame = wsframes.encode_frame(payload, random.getrandbits(32).to_bytes(4, "little"))
        try:
            self.sock.sendall(frame)
        except OSError as exc:
            raise WebSocketClosed(str(exc)) from exc
        self.bytes_sent += len(frame)
        return len(frame)

    def messages(self) -> Iterator[list[bytes]]:
        """Yield, per socket read, the list of whole data messages it completed; a close frame
        ends the stream (WebSocketClosed) after the messages that arrived before it."""
        while True:
            if self._peer_closed:
                raise WebSocketClosed("close frame received")
            try:
                chunk = self.sock.recv(65536)
            except OSError as exc:
                raise WebSocketClosed(str(exc)) from exc
            if not chunk:
                raise WebSocketClosed("connection closed by peer")
            self.bytes_received += len(chunk)
            self._buf += chunk
            frames, used = wsframes.parse_frames(self._buf)
            if used:
                del self._buf[:used]
            out = self._handle(frames)
            if out:
                yield out

    def _handle(self, frames: list[tuple[bool, int, bytes]]) -> list[bytes]:
        out: list[bytes] = []
        for fin, opcode, payload in frames:
            if opcode in (wsframes.OP_TEXT, wsframes.OP_BINARY, wsframes.OP_CONT):
                if not fin:
                    self._fragments.append(payload)
                    continue
                if self._fragments:
                    payload = b"".join([*self._fragments, payload])
                    self._fragments = []
                out.append(payload)
            elif opcode == wsframes.OP_PING:
                self._send_control(wsframes.OP_PONG, payload)
            elif opcode == wsframes.OP_CLOSE:
                self._peer_closed = True
                break
        return out

    def _send_control(self, opcode: int, payload: bytes) -> None:
        key = random.getrandbits(32).to_bytes(4, "little")
        try:
            self.sock.sendall(wsframes.encode_frame(payload, key, opcode))
        except OSError as exc:
            raise WebSocketClosed(str(exc)) from exc

    def close(self) -> None:
        with contextlib.suppress(WebSocketClosed):
            self._send_control(wsframes.OP_CLOSE, (1000).to_bytes(2, "big"))
        with contextlib.suppress(OSError):
            self.sock.close()
