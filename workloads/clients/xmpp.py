"""XMPP client-to-server (RFC 6120/6121) for the messaging users: Prosody, ejabberd.

connect: TCP, stream open, STARTTLS when the directory says TLS (RFC 6120 §5), SASL PLAIN,
stream restart, resource bind (and a session when the server requires one), initial presence
(ready once the server reflects it: from then on messages to the bare JID reach this resource),
and for a group user a MUC join with no history (ready at the room's self-presence, status 110).
1:1 chat is `<message type='chat'>` to the peer's bare JID; groups are `groupchat` to the room.
The body carries the workload's envelope (`sender seq send_ns body`). A MUC reflects a sender's
own groupchat message: dropped here by the envelope's sender.

Own stanza code on stdlib expat rather than a library: slixmpp is asyncio (it cannot live in
Locust's gevent processes), and this path costs the generator less than the servers spend per
message (docs/backends.md, scripts/bench_generator.py). Blocking sockets: under Locust they are
gevent's, so a blocking `recv` parks only its greenlet.
"""

from __future__ import annotations

import functools
import socket
import ssl
from collections.abc import Iterator

from harness.kernel import records
from harness.kernel.directory import Directory
from harness.kernel.slots import Slot
from workloads.clients import envelope
from workloads.clients.base import ClientError, Delivery
from workloads.clients.xmpp_stanzas import (
    INITIAL_PRESENCE,
    MESSAGE_SUFFIX,
    NS_BIND,
    NS_SASL,
    NS_SESSION,
    NS_TLS,
    SESSION_REQUEST,
    STARTTLS,
    STREAM_END,
    Element,
    StreamReader,
    bind_request,
    escape,
    iq_result,
    is_self_presence,
    message_prefix,
    muc_join,
    sasl_plain,
    stanza_error,
    stream_header,
)

CONNECT_TIMEOUT_S = 20.0
RECV_BYTES = 65536
RESOURCE = "imbench"


def muc_service(directory: Directory) -> str:
    """The MUC service's domain (`rooms.<domain>` unless the backend named another)."""
    return str(directory.options.get("muc_service", f"rooms.{directory.server_name}"))


@functools.cache
def tls_context(ca_file: str) -> ssl.SSLContext:
    """One context per CA file for every user of the process (making one costs milliseconds)."""
    return ssl.create_default_context(cafile=ca_file or None)


class Client:
    def __init__(self, directory: Directory, slot: Slot) -> None:
        self.directory, self.slot = directory, slot
        self.domain = directory.server_name
        self.sock: socket.socket | None = None
        self.reader = StreamReader()
        self.pending: list[Element] = []
        self.bare_jid = f"{directory.login(slot.user)}@{self.domain}"
        if slot.kind == records.KIND_GROUP:
            self.room_jid = f"{directory.room(f'r{slot.target}')}@{muc_service(directory)}"
            self.prefix = message_prefix(self.room_jid, "groupchat")
            self.kind, self.target = records.KIND_GROUP, slot.target
        else:
            self.room_jid = ""
            peer = f"{directory.login(slot.target)}@{self.domain}"
            self.prefix = message_prefix(peer, "chat")
            self.kind, self.target = records.KIND_CHAT, -1
        self.sender_prefix = f"{slot.user} "

    # -- connecting ---------------------------------------------------------------------------

    def connect(self) -> None:
        try:
            self.sock = socket.create_connection(
                (self.directory.host, self.directory.port), timeout=CONNECT_TIMEOUT_S
            )
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            features = self._open_stream()
            if self.directory.tls:
                features = self._starttls(features)
            self._authenticate(features)
            features = self._open_stream()
            self._bind(features)
            self._send(INITIAL_PRESENCE)
            self._await(self._own_presence, "the server's reflection of our initial presence")
            if self.room_jid:
                nick = self.directory.login(self.slot.user)
                self._send(muc_join(f"{self.room_jid}/{nick}"))
                self._await(self._joined, f"joining {self.room_jid}")
            self.sock.settimeout(None)
        except (OSError, ValueError, ssl.SSLError) as exc:
            self.close()
            raise ClientError(f"connect: {exc}") from exc
        except ClientError:
            self.close()
            raise

    def _open_stream(self) -> Element:
        self.reader = StreamReader()
        self._send(stream_header(self.domain))
        return self._await(lambda e: e.name == "features", "stream features")

    def _starttls(self, features: Element) -> Element:
        if features.child("starttls", NS_TLS) is None:
            raise ClientError("connect: the server does not offer STARTTLS")
        self._send(STARTTLS)
        answer = self._await(lambda e: e.ns == NS_TLS, "the answer to STARTTLS")
        if answer.name != "proceed":
            raise ClientError(f"connect: STARTTLS refused ({answer.name})")
        context = tls_context(self.directory.ca_file)
        assert self.sock is not None
        self.sock = context.wrap_socket(self.sock, server_hostname=self.domain)
        return self._open_stream()

    def _authenticate(self, features: Element) -> None:
        mechanisms = features.child("mechanisms", NS_SASL)
        offered = [m.text for m in mechanisms.children] if mechanisms is not None else []
        if "PLAIN" not in offered:
            raise ClientError(f"connect: SASL PLAIN not offered (offered: {offered})")
        account = self.directory.account(self.slot.user)
        self._send(sasl_plain(self.directory.login(self.slot.user), account.get("password", "")))
        answer = self._await(lambda e: e.ns == NS_SASL, "the SASL outcome")
        if answer.name != "success":
            raise ClientError(f"connect: authentication failed ({stanza_error(answer)})")

    def _bind(self, features: Element) -> None:
        if features.child("bind", NS_BIND) is None:
            raise ClientError("connect: the server offers no resource binding")
        self._send(bind_request(RESOURCE))
        answer = self._await(lambda e: e.name == "iq" and e.get("id") == "bind", "resource bind")
        if answer.get("type") != "result":
            raise ClientError(f"connect: resource bind failed ({stanza_error(answer)})")
        session = features.child("session", NS_SESSION)
        if session is not None and session.child("optional") is None:
            self._send(SESSION_REQUEST)
            answer = self._await(lambda e: e.name == "iq" and e.get("id") == "session", "session")
            if answer.get("type") != "result":
                raise ClientError(f"connect: session refused ({stanza_error(answer)})")

    def _own_presence(self, element: Element) -> bool:
        return element.name == "presence" and element.get("from").startswith(self.bare_jid)

    def _joined(self, element: Element) -> bool:
        if element.name != "presence" or not element.get("from").startswith(self.room_jid):
            return False
        if element.get("type") == "error":
            raise ClientError(f"connect: joining {self.room_jid} failed ({stanza_error(element)})")
        return is_self_presence(element)

    def _await(self, wanted: object, what: str) -> Element:
        """Read until an element `wanted(e)` holds; keep everything else for `deliveries`."""
        assert callable(wanted) and self.sock is not None
        while True:
            for i, element in enumerate(self.pending):
                if wanted(element):
                    del self.pending[i]
                    return element
            chunk = self.sock.recv(RECV_BYTES)
            if not chunk:
                raise ClientError(f"connect: the server closed the connection awaiting {what}")
            for element in self.reader.feed(chunk):
                if element.ns == "http://etherx.jabber.org/streams" and element.name == "error":
                    raise ClientError(f"connect: stream error ({stanza_error(element)})")
                self.pending.append(element)
            if self.reader.closed:
                raise ClientError(f"connect: the server ended the stream awaiting {what}")

    def _send(self, data: bytes) -> int:
        assert self.sock is not None
        self.sock.sendall(data)
        return len(data)

    # -- the hot paths ------------------------------------------------------------------------

    def send(self, seq: int, send_ns: int, body: str) -> int:
        text = envelope.pack(self.slot.user, seq, send_ns, escape(body))
        data = f"{self.prefix}{text}{MESSAGE_SUFFIX}".encode()
        sock = self.sock
        if sock is None:
            raise ClientError("send: the connection is closed")
        try:
            sock.sendall(data)
        except OSError as exc:
            raise ClientError(f"send: {exc}") from exc
        return len(data)

    def deliveries(self) -> Iterator[list[Delivery]]:
        assert self.sock is not None
        elements, self.pending = self.pending, []
        try:
            while True:
                out = self._deliveries_in(elements)
                if out:
                    yield out
                if self.reader.closed:
                    raise ClientError("receive: the server ended the stream")
                chunk = self.sock.recv(RECV_BYTES)
                if not chunk:
                    raise ClientError("receive: connection closed by the server")
                elements = self.reader.feed(chunk)
        except (OSError, ValueError) as exc:
            raise ClientError(f"receive: {exc}") from exc

    def _deliveries_in(self, elements: list[Element]) -> list[Delivery]:
        out: list[Delivery] = []
        for element in elements:
            name = element.name
            if name == "message":
                if element.get("type") == "error":
                    continue  # a bounce: the message was not delivered (counted as lost)
                body = element.child("body")
                if body is None or body.text.startswith(self.sender_prefix):
                    continue  # a room subject, a notice, or our own message reflected
                try:
                    sender, seq, send_ns, size = envelope.unpack(body.text)
                except ValueError:
                    continue
                out.append((sender, self.kind, self.target, seq, send_ns, size))
            elif name == "iq" and element.get("type") in ("get", "set"):
                self._send(iq_result(element))
            elif name == "error" and element.ns == "http://etherx.jabber.org/streams":
                raise ClientError(f"receive: stream error ({stanza_error(element)})")
        return out

    def close(self) -> None:
        if self.sock is None:
            return
        sock, self.sock = self.sock, None
        try:
            sock.settimeout(1.0)
            sock.sendall(STREAM_END)
        except OSError:
            pass
        sock.close()
