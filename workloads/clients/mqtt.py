"""MQTT 5.0 users on a broker (Mosquitto): one connection each, imbench's topic scheme.

A chat user subscribes to its inbox `im/u/<login>` and publishes to its partner's; a group member
subscribes to `im/g/<room>` with no-local (the broker never sends a member its own post) and
publishes there. Every publish and subscription uses the scenario's QoS (`directory.options`,
0-2). Messages are the workload's text envelope (`envelope`). The packets are imbench's own
(`mqtt_codec`) on a plain blocking socket that gevent makes cooperative: the receive loop
acknowledges what arrives (PUBACK, or PUBREC/PUBCOMP for QoS 2), answers PUBREC with PUBREL for
its own QoS 2 publishes, and pings when the connection is idle. docs/backends.md gives the
measurements that chose this over paho-mqtt.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

from harness.kernel import records
from harness.kernel.directory import Directory, group_room_key
from harness.kernel.slots import Slot
from workloads.clients import mqtt_codec as codec
from workloads.clients.base import ClientError, Delivery
from workloads.clients.envelope import pack, unpack

CONNECT_TIMEOUT_S = 10.0
KEEPALIVE_S = 60
RECV_BYTES = 65536
INBOX_PREFIX = "im/u/"
ROOM_PREFIX = "im/g/"


def topics(directory: Directory, slot: Slot) -> tuple[str, str]:
    """(the topic `slot`'s user subscribes to, the topic it publishes to)."""
    if slot.kind == records.KIND_GROUP:
        room = ROOM_PREFIX + directory.room(group_room_key(slot.target))
        return room, room
    me, peer = directory.login(slot.user), directory.login(slot.target)
    return INBOX_PREFIX + me, INBOX_PREFIX + peer


class Client:
    def __init__(self, directory: Directory, slot: Slot) -> None:
        self.directory, self.slot = directory, slot
        self.qos = int(directory.options.get("qos", 1))
        if self.qos not in (0, 1, 2):
            raise ClientError(f"MQTT QoS {self.qos} (must be 0, 1 or 2)")
        self.subscribe_topic, publish_topic = topics(directory, slot)
        self.publish_topic = publish_topic.encode()
        self.kind = slot.kind
        self.target = slot.target if slot.kind == records.KIND_GROUP else -1
        self.sock: socket.socket | None = None
        self.reader = codec.PacketReader()
        self.pending: list[codec.Packet] = []
        self.send_lock = threading.Lock()  # gevent's, once monkey-patched: one writer at a time
        self.next_id = 0

    def _packet_id(self) -> int:
        self.next_id = self.next_id % 65535 + 1
        return self.next_id

    def connect(self) -> None:
        account = self.directory.account(self.slot.user)
        login = self.directory.login(self.slot.user)
        try:
            sock = socket.create_connection(
                (self.directory.host, self.directory.port), timeout=CONNECT_TIMEOUT_S
            )
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = sock
            sock.sendall(codec.connect(login, login, account.get("password", ""), KEEPALIVE_S))
            reason = codec.connack_reason(self._await(codec.CONNACK))
            if reason:
                raise ClientError(f"connect: broker refused {login} (CONNACK reason {reason:#x})")
            sock.sendall(codec.subscribe(self._packet_id(), self.subscribe_topic, self.qos))
            granted = codec.suback_reasons(self._await(codec.SUBACK))
            if not granted or granted[0] >= 0x80:
                raise ClientError(
                    f"subscribe {self.subscribe_topic}: refused (SUBACK {granted.hex()})"
                )
            sock.settimeout(KEEPALIVE_S / 2)
        except (OSError, codec.ProtocolError) as exc:
            raise ClientError(f"connect: {exc}") from exc

    def _await(self, kind: int) -> codec.Packet:
        """Read until a packet of `kind` arrives; keep the others for `deliveries`."""
        assert self.sock is not None
        while True:
            data = self.sock.recv(RECV_BYTES)
            if not data:
                raise ClientError(f"connect: the broker closed the connection (waiting for {kind})")
            for packet in self.reader.feed(data):
                if packet.kind == kind:
                    return packet
                self.pending.append(packet)

    def send(self, seq: int, send_ns: int, body: str) -> int:
        assert self.sock is not None
        payload = pack(self.slot.user, seq, send_ns, body).encode()
        packet_id = self._packet_id() if self.qos else 0
        packet = codec.publish(self.publish_topic, payload, self.qos, packet_id)
        try:
            with self.send_lock:
                self.sock.sendall(packet)
        except OSError as exc:
            raise ClientError(f"send: {exc}") from exc
        return len(packet)

    def deliveries(self) -> Iterator[list[Delivery]]:
        assert self.sock is not None
        sock, me, kind, target = self.sock, self.slot.user, self.kind, self.target
        packets, self.pending = self.pending, []
        while True:
            out: list[Delivery] = []
            replies = bytearray()
            try:
                for packet in packets:
                    self._handle(packet, me, kind, target, out, replies)
                if replies:
                    with self.send_lock:
                        sock.sendall(replies)
            except (OSError, codec.ProtocolError, ValueError, UnicodeDecodeError) as exc:
                raise ClientError(f"receive: {exc}") from exc
            if out:
                yield out
            try:
                data = sock.recv(RECV_BYTES)
            except TimeoutError:
                self._ping()
                packets = []
                continue
            except OSError as exc:
                raise ClientError(f"receive: {exc}") from exc
            if not data:
                raise ClientError("receive: the broker closed the connection")
            try:
                packets = self.reader.feed(data)
            except codec.ProtocolError as exc:
                raise ClientError(f"receive: {exc}") from exc

    def _handle(
        self,
        packet: codec.Packet,
        me: int,
        kind: int,
        target: int,
        out: list[Delivery],
        replies: bytearray,
    ) -> None:
        if packet.kind == codec.PUBLISH:
            message = codec.read_publish(packet)
            if message.qos == 1:
                replies += codec.ack(codec.PUBACK, message.packet_id)
            elif message.qos == 2:
                replies += codec.ack(codec.PUBREC, message.packet_id)
            sender, seq, send_ns, size = unpack(message.payload.decode())
            if sender != me:
                out.append((sender, kind, target, seq, send_ns, size))
        elif packet.kind == codec.PUBREL:
            replies += codec.ack(codec.PUBCOMP, codec.packet_id_of(packet))
        elif packet.kind == codec.PUBREC:
            replies += codec.ack(codec.PUBREL, codec.packet_id_of(packet))
        elif packet.kind == codec.DISCONNECT:
            reason = packet.body[0] if packet.body else 0
            raise ClientError(f"receive: the broker disconnected (reason {reason:#x})")
        # PUBACK, PUBCOMP (our own publishes), PINGRESP: nothing to do

    def _ping(self) -> None:
        assert self.sock is not None
        try:
            with self.send_lock:
                self.sock.sendall(codec.PINGREQ_PACKET)
        except OSError as exc:
            raise ClientError(f"ping: {exc}") from exc

    def close(self) -> None:
        if self.sock is None:
            return
        try:
            with self.send_lock:
                self.sock.sendall(codec.DISCONNECT_PACKET)
        except OSError:
            pass
        self.sock.close()
