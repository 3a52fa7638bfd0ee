"""The workload's message envelope for protocols whose payload is free text (MQTT, XMPP, Matrix).

`sender seq send_ns body` in one line of ASCII: the receiver recovers who sent which message
when, whatever the server added around it. The embedded WebSocket protocol carries the same
fields as JSON instead (its server routes on them).
"""

from __future__ import annotations


def pack(sender: int, seq: int, send_ns: int, body: str) -> str:
    return f"{sender} {seq} {send_ns} {body}"


def unpack(text: str) -> tuple[int, int, int, int]:
    """(sender, seq, send_ns, body bytes); ValueError when `text` is not an envelope."""
    sender, seq, send_ns, body = text.split(" ", 3)
    return int(sender), int(seq), int(send_ns), len(body)
