"""XMPP on the wire, as a load generator needs it: the stanzas it sends, and a reader that turns
the server's byte stream into top-level elements (RFC 6120: one XML document per stream).

The reader is stdlib expat (C) with namespaces resolved, building a tiny tree per top-level
element only; no socket here. A stream restart (after STARTTLS or SASL) takes a new reader.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from xml.parsers import expat

NS_STREAM = "http://etherx.jabber.org/streams"
NS_CLIENT = "jabber:client"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_PING = "urn:xmpp:ping"
MUC_SELF_PRESENCE = "110"
"""The status code a MUC puts on the occupant's own presence: the join is complete."""


@dataclass(slots=True)
class Element:
    """One element: namespace, local name, attributes (unqualified), children, text."""

    ns: str
    name: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def child(self, name: str, ns: str | None = None) -> Element | None:
        for c in self.children:
            if c.name == name and (ns is None or c.ns == ns):
                return c
        return None

    def get(self, attr: str, default: str = "") -> str:
        return self.attrs.get(attr, default)


class StreamClosed(Exception):
    """The server ended the stream (`</stream:stream>` or a stream error)."""


class StreamReader:
    """Feed bytes, get back the complete top-level elements they finished, in order."""

    def __init__(self) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self._parser = parser
        self._stack: list[Element] = []
        self._done: list[Element] = []
        self.header: dict[str, str] | None = None
        """The stream header's attributes, once it arrived (`id`, `from`, `version`)."""
        self.closed = False

    def feed(self, data: bytes) -> list[Element]:
        """Parse `data`; the top-level elements it completed. ValueError on malformed XML."""
        try:
            self._parser.Parse(data, False)
        except expat.ExpatError as exc:
            raise ValueError(f"malformed XML from the server: {exc}") from exc
        done, self._done = self._done, []
        return done

    def _start(self, qname: str, attrs: dict[str, str]) -> None:
        ns, _, name = qname.rpartition(" ")
        if self.header is None:
            if name != "stream" or ns != NS_STREAM:
                raise ValueError(f"expected a stream header, got <{name}>")
            self.header = attrs
            return
        element = Element(ns, name, attrs)
        if self._stack:
            self._stack[-1].children.append(element)
        self._stack.append(element)

    def _end(self, qname: str) -> None:
        if not self._stack:
            self.closed = True  # </stream:stream>
            return
        element = self._stack.pop()
        if not self._stack:
            self._done.append(element)

    def _text(self, data: str) -> None:
        if self._stack:
            self._stack[-1].text += data


def stream_header(domain: str) -> bytes:
    return (
        f"<?xml version='1.0'?><stream:stream to='{domain}' xmlns='{NS_CLIENT}' "
        f"xmlns:stream='{NS_STREAM}' version='1.0'>"
    ).encode()


STREAM_END = b"</stream:stream>"
STARTTLS = f"<starttls xmlns='{NS_TLS}'/>".encode()
INITIAL_PRESENCE = b"<presence/>"


def sasl_plain(login: str, password: str) -> bytes:
    """SASL PLAIN (RFC 4616): authzid empty, authcid, password."""
    token = base64.b64encode(f"\0{login}\0{password}".encode()).decode()
    return f"<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{token}</auth>".encode()


def bind_request(resource: str) -> bytes:
    return (
        f"<iq type='set' id='bind'><bind xmlns='{NS_BIND}'><resource>{escape(resource)}"
        "</resource></bind></iq>"
    ).encode()


SESSION_REQUEST = f"<iq type='set' id='session'><session xmlns='{NS_SESSION}'/></iq>".encode()


def muc_join(occupant_jid: str) -> bytes:
    """Join a room as `room@service/nick`, asking for no history (the run counts fresh messages)."""
    return (
        f"<presence to='{escape(occupant_jid)}'><x xmlns='{NS_MUC}'>"
        "<history maxstanzas='0'/></x></presence>"
    ).encode()


def message_prefix(to_jid: str, kind: str) -> str:
    """The start of a message stanza to `to_jid` of type `kind` (`chat`, `groupchat`), up to the
    body's text: the hot path only appends the text and MESSAGE_SUFFIX."""
    return f"<message to='{escape(to_jid)}' type='{kind}'><body>"


MESSAGE_SUFFIX = "</body></message>"


def iq_result(iq: Element) -> bytes:
    """The answer to a server's `get`/`set` iq: a result for a ping, else service-unavailable."""
    to = f" to='{escape(iq.get('from'))}'" if iq.get("from") else ""
    ident = escape(iq.get("id"))
    if iq.child("ping", NS_PING) is not None:
        return f"<iq type='result' id='{ident}'{to}/>".encode()
    return (
        f"<iq type='error' id='{ident}'{to}><error type='cancel'><service-unavailable "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
    ).encode()


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", '"': "&quot;"})


def escape(text: str) -> str:
    """Text or attribute value made safe for XML (left alone when nothing needs escaping)."""
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        return text.translate(_ESCAPES)
    return text


def is_self_presence(presence: Element) -> bool:
    """A MUC's presence for the occupant itself (status 110): the join completed."""
    x = presence.child("x", NS_MUC_USER)
    if x is None:
        return False
    return any(c.name == "status" and c.get("code") == MUC_SELF_PRESENCE for c in x.children)


def stanza_error(element: Element) -> str:
    """A readable reason from an error stanza or a SASL/stream failure: its condition's name."""
    error = element if element.name in ("failure", "error") else element.child("error")
    if error is None:
        return element.name
    names = [c.name for c in error.children if c.name != "text"]
    text = next((c.text for c in error.children if c.name == "text"), "")
    return " ".join(names + ([text] if text else [])) or element.name
