"""Hot paths of the messaging generator under pytest-benchmark.

In the normal test run (`--benchmark-disable`) each runs once as a correctness test; for figures run
`.venv/bin/pytest tests/test_bench_hotpaths.py --benchmark-enable` and compare medians in one run.
"""

from __future__ import annotations

from typing import Any

import orjson

from workloads import wsframes
from workloads.clients.embedded_ws import delivery_of

KEY = b"\x11\x22\x33\x44"
BODY = "x" * 200


def test_encoding_a_chat_frame(benchmark: Any) -> None:
    text = f'{{"op":"send","to":"u12","seq":77,"ts":123456789,"body":"{BODY}"}}'.encode()
    frame = benchmark(wsframes.encode_frame, text, KEY)
    assert len(frame) == len(text) + 2 + 2 + 4


def test_parsing_a_read_of_twenty_server_frames(benchmark: Any) -> None:
    msg = orjson.dumps({"op": "msg", "from": "u3", "to": "u12", "seq": 5, "ts": 1, "body": BODY})
    header = bytes((0x81, 126)) + len(msg).to_bytes(2, "big")
    buf = bytearray((header + msg) * 20)
    frames, used = benchmark(wsframes.parse_frames, buf)
    assert len(frames) == 20 and used == len(buf)


def test_turning_a_delivery_frame_into_a_delivery(benchmark: Any) -> None:
    payload = orjson.dumps(
        {"op": "msg", "room": "r4", "from": "u3", "seq": 5, "ts": 1000, "body": BODY}
    )
    got = benchmark(delivery_of, payload)  # the generator's own function, as it runs
    # from user 3: a group (kind 1) message in room 4, seq 5, sent at 1000 ns, a 200-byte body
    assert got == (3, 1, 4, 5, 1000, 200)


def test_a_chat_delivery_has_no_room_and_other_frames_are_not_deliveries() -> None:
    chat = orjson.dumps({"op": "msg", "to": "u7", "from": "u12", "seq": 9, "ts": 5, "body": "hi"})
    assert delivery_of(chat) == (12, 0, -1, 9, 5, 2)
    assert delivery_of(b'{"op":"joined","room":"r4","members":3}') is None
