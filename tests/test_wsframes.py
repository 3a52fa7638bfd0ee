"""WebSocket framing: what the client sends is valid RFC 6455, and parsing copes with split buffers."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from workloads import wsframes


def test_accept_key_matches_the_rfc_6455_example() -> None:
    assert wsframes.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@given(st.binary(max_size=70_000), st.binary(min_size=4, max_size=4))
def test_masking_twice_gives_the_payload_back(payload: bytes, key: bytes) -> None:
    assert wsframes.mask_payload(wsframes.mask_payload(payload, key), key) == payload


def test_masking_xors_each_byte_with_the_key_in_turn() -> None:
    assert (
        wsframes.mask_payload(b"\x00\x00\x00\x00\xff", b"\x01\x02\x03\x04")
        == b"\x01\x02\x03\x04\xfe"
    )


def test_client_frames_are_final_masked_and_use_the_right_length_form() -> None:
    key = b"\xaa\xbb\xcc\xdd"
    small = wsframes.encode_frame(b"hi", key)
    assert small[:2] == bytes((0x81, 0x80 | 2)) and small[2:6] == key
    medium = wsframes.encode_frame(b"x" * 300, key)
    assert medium[1] == 0x80 | 126 and struct.unpack("!H", medium[2:4])[0] == 300
    large = wsframes.encode_frame(b"x" * 70_000, key)
    assert large[1] == 0x80 | 127 and struct.unpack("!Q", large[2:10])[0] == 70_000


@given(
    st.lists(st.binary(max_size=300), min_size=1, max_size=5),
    st.integers(min_value=1, max_value=50),
)
def test_parsing_any_split_of_a_stream_yields_every_frame_once(
    payloads: list[bytes], cut: int
) -> None:
    stream = b"".join(
        wsframes.encode_frame(p, b"\x01\x02\x03\x04", wsframes.OP_BINARY) for p in payloads
    )
    buf = bytearray()
    got: list[bytes] = []
    for i in range(0, len(stream), cut):
        buf += stream[i : i + cut]
        frames, used = wsframes.parse_frames(buf)
        del buf[:used]
        got.extend(payload for _fin, _op, payload in frames)
    assert got == payloads and not buf


def test_an_unmasked_server_frame_parses_with_its_opcode_and_fin_bit() -> None:
    frames, used = wsframes.parse_frames(bytes((0x01, 3)) + b"abc" + bytes((0x89, 0)))
    assert frames == [(False, wsframes.OP_TEXT, b"abc"), (True, wsframes.OP_PING, b"")]
    assert used == 7
