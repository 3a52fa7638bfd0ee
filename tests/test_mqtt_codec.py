"""imbench's MQTT 5.0 packets (workloads.clients.mqtt_codec) and the client's topic scheme, without
a broker: bytes as the standard lays them out (OASIS MQTT 5.0 §2-3), and a reader that splits a
stream into packets however the reads cut it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.kernel import records
from harness.kernel.directory import Directory
from harness.kernel.payload import Payload
from harness.kernel.slots import Slot
from workloads.clients import mqtt_codec as codec
from workloads.clients.mqtt import topics


@pytest.mark.parametrize(
    ("n", "encoded"),
    [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16_383, b"\xff\x7f"),
        (16_384, b"\x80\x80\x01"),
        (2_097_152, b"\x80\x80\x80\x01"),
        (268_435_455, b"\xff\xff\xff\x7f"),
    ],
)
def test_variable_byte_integers_are_the_standards_examples(n: int, encoded: bytes) -> None:
    assert codec.varint(n) == encoded  # MQTT 5.0 §1.5.5, table 1-1


def test_a_length_beyond_four_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        codec.varint(268_435_456)
    with pytest.raises(codec.ProtocolError):
        codec.PacketReader().feed(b"\x30\xff\xff\xff\xff\x01")


def test_connect_asks_for_a_clean_start_with_username_and_password() -> None:
    packet = codec.connect("u7", "u7", "secret", keepalive_s=60)
    [parsed] = codec.PacketReader().feed(packet)
    assert parsed.kind == codec.CONNECT and parsed.flags == 0
    body = parsed.body
    assert body[:6] == b"\x00\x04MQTT" and body[6] == 5  # protocol name, level 5
    assert body[7] == 0b1100_0010  # username, password, clean start; no will
    assert body[8:10] == b"\x00\x3c" and body[10] == 0  # keepalive 60 s, no properties
    assert body[11:] == b"\x00\x02u7" + b"\x00\x02u7" + b"\x00\x06secret"


def test_subscribe_sets_qos_and_no_local_in_its_options_byte() -> None:
    [parsed] = codec.PacketReader().feed(codec.subscribe(9, "im/g/r1", qos=2))
    assert parsed.kind == codec.SUBSCRIBE and parsed.flags == 0b0010  # §3.8.1: reserved bits
    assert parsed.body == b"\x00\x09" + b"\x00" + b"\x00\x07im/g/r1" + bytes((0b0000_0110,))
    [plain] = codec.PacketReader().feed(codec.subscribe(1, "t", qos=1, no_local=False))
    assert plain.body[-1] == 0b0000_0001


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_reads_back_as_written(qos: int) -> None:
    packet = codec.publish(b"im/u/u3", b"1 2 3 hello", qos, packet_id=513 if qos else 0)
    [parsed] = codec.PacketReader().feed(packet)
    assert parsed.kind == codec.PUBLISH and parsed.flags == qos << 1  # not dup, not retained
    message = codec.read_publish(parsed)
    assert message == codec.Publish("im/u/u3", qos, 513 if qos else 0, b"1 2 3 hello")


def test_a_publish_with_properties_skips_them() -> None:
    """A broker may add properties (a topic alias, a subscription id): the payload is after them."""
    props = b"\x0b\x05"  # subscription identifier 5
    body = b"\x00\x01t" + b"\x00\x02" + codec.varint(len(props)) + props + b"payload"
    packet = bytes((codec.PUBLISH << 4 | 1 << 1,)) + codec.varint(len(body)) + body
    [parsed] = codec.PacketReader().feed(packet)
    assert codec.read_publish(parsed) == codec.Publish("t", 1, 2, b"payload")


def test_acknowledgements_carry_the_packet_id() -> None:
    assert codec.ack(codec.PUBACK, 258) == b"\x40\x02\x01\x02"
    assert codec.ack(codec.PUBREC, 1) == b"\x50\x02\x00\x01"
    assert codec.ack(codec.PUBREL, 1) == b"\x62\x02\x00\x01"  # §3.6.1: flags 0010
    assert codec.ack(codec.PUBCOMP, 1) == b"\x70\x02\x00\x01"
    [parsed] = codec.PacketReader().feed(b"\x40\x03\x01\x02\x00")  # with a reason code
    assert codec.packet_id_of(parsed) == 258


def test_connack_and_suback_reasons() -> None:
    [ok, refused] = codec.PacketReader().feed(b"\x20\x03\x00\x00\x00" + b"\x20\x03\x00\x86\x00")
    assert codec.connack_reason(ok) == 0 and codec.connack_reason(refused) == 0x86
    [suback] = codec.PacketReader().feed(b"\x90\x04\x00\x01\x00\x01")
    assert codec.suback_reasons(suback) == b"\x01"
    with pytest.raises(codec.ProtocolError):
        codec.connack_reason(suback)


@given(
    st.lists(st.binary(max_size=300), min_size=1, max_size=8),
    st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=20),
)
def test_the_reader_splits_a_stream_into_packets_however_reads_cut_it(
    payloads: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(codec.publish(b"t", p, 1, i + 1) for i, p in enumerate(payloads))
    reader, got, pos, i = codec.PacketReader(), [], 0, 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        got += reader.feed(stream[pos : pos + step])
        pos, i = pos + step, i + 1
    assert [codec.read_publish(p).payload for p in got] == payloads
    assert [codec.read_publish(p).packet_id for p in got] == list(range(1, len(payloads) + 1))


def test_chat_users_publish_to_the_partners_inbox_and_groups_share_a_room_topic() -> None:
    directory = Directory("mqtt", "h", 1883, users={"3": {"login": "alice"}})
    payload = Payload("fixed", 10)
    chat = Slot(3, records.KIND_CHAT, 4, 1.0, payload)
    assert topics(directory, chat) == ("im/u/alice", "im/u/u4")
    group = Slot(5, records.KIND_GROUP, 2, 1.0, payload)
    assert topics(directory, group) == ("im/g/r2", "im/g/r2")
