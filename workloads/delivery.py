"""A message the server pushed to a simulated user, turned into its record row (RECV_COLUMNS).

The messaging generator's hot path on receive: one per delivery, so it stays a plain function of
the frame's bytes (no Locust, no gevent) that the benchmarks time as it is.
"""

from __future__ import annotations

from typing import Any

import orjson

from harness.kernel import records


def delivery_row(now_ns: int, user: int, payload: bytes) -> tuple[int, ...] | None:
    """The RECV_COLUMNS row of a delivery received by `user` at `now_ns`; None for a frame that is
    not a delivery (`op` other than `msg`). A group delivery names its room `r<n>`, a chat one
    has none (target −1); senders are `u<n>`."""
    msg: dict[str, Any] = orjson.loads(payload)
    if msg.get("op") != "msg":
        return None
    room = msg.get("room")
    kind = records.KIND_GROUP if room is not None else records.KIND_CHAT
    target = int(room[1:]) if room is not None else -1
    sender = int(msg["from"][1:])
    return (now_ns, user, sender, kind, target, msg["seq"], int(msg["ts"]), len(msg["body"]))
