"""A close frame that arrives in the same read as data: the data is delivered first, then the
stream ends (the server's error reply before it closes must not be lost)."""

from __future__ import annotations

import socket

import pytest

from workloads.wsclient import WebSocket, WebSocketClosed


def test_messages_before_a_close_frame_in_the_same_read_are_delivered_then_it_closes() -> None:
    ours, theirs = socket.socketpair()
    ws = WebSocket(ours)
    reply = b'{"op":"error","reason":"bad password"}'
    theirs.sendall(b"\x81" + bytes([len(reply)]) + reply + b"\x88\x02\x03\xe8")
    assert next(ws.messages()) == [reply]
    with pytest.raises(WebSocketClosed, match="close frame received"):
        next(ws.messages())
    ours.close()
    theirs.close()
