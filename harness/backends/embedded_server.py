"""The embedded reference IM server: WebSocket + JSON, 1:1 and room messages, history in SQLite (WAL).

It runs as its own process (`python -m harness.backends.embedded_server`) so it is measured exactly
like a real server. Protocol, one JSON object per text frame:

    client → server                                   server → client
    {"op":"hello","user":"u7"}                        {"op":"ready","user":"u7"}
    {"op":"join","room":"r1"}                         {"op":"joined","room":"r1","members":3}
    {"op":"send","to":"u8", ...opaque fields}         to u8:  {...same fields, "op":"msg","from":"u7"}
    {"op":"send","room":"r1", ...opaque fields}       to every other member of r1, likewise
    {"op":"history","room":"r1","limit":50}           {"op":"history","messages":[...]}
    anything malformed                                {"op":"error","reason":"..."}

Every accepted message is stored once (group commit every FLUSH_INTERVAL_S) and fanned out
without waiting for slow receivers. SIGTERM flushes, checkpoints the WAL and exits 0.

TLS: `--tls-cert CHAIN.pem --tls-key KEY.pem` serves the same protocol over TLS (wss), with
Python's default server context (TLS 1.2 or 1.3, the client's choice; 1.3 from imbench's client).
Accounts: `--password-file PATH` makes every hello carry `"password"` equal to the file's content
(one password for every user; a test server for `backend = "external"` with credentials);
a hello without it is refused with an error frame and the connection closed.

Test option: `--extra-work-per-msg-us N` makes the server spin N µs of its own CPU time on every
accepted message — a heavier backend for testing regression claims (docs/claims.md). The adapter
sets it from IMBENCH_EMBEDDED_EXTRA_WORK_US and records it in the manifest's backend config.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import signal
import sqlite3
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, broadcast, serve

FLUSH_INTERVAL_S = 0.05
HISTORY_LIMIT_MAX = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT,
    room TEXT,
    envelope TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_room ON messages(room, id) WHERE room IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages(recipient, id) WHERE recipient IS NOT NULL;
CREATE TABLE IF NOT EXISTS memberships(room TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY(room, user));
"""

Row = tuple[int, str, str | None, str | None, str]


class Store:
    """Message history in SQLite with WAL; rows are queued and written in batches."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.pending: list[Row] = []

    def add(self, row: Row) -> None:
        self.pending.append(row)

    def join(self, room: str, user: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO memberships VALUES(?, ?)", (room, user))

    def flush(self) -> None:
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT INTO messages(ts_ms, sender, recipient, room, envelope) VALUES(?,?,?,?,?)", rows
        )
        self.db.execute("COMMIT")

    def history(self, room: str | None, user: str, limit: int) -> list[str]:
        if room is not None:
            query = "SELECT envelope FROM messages WHERE room=? ORDER BY id DESC LIMIT ?"
            args: tuple[Any, ...] = (room, limit)
        else:
            query = "SELECT envelope FROM messages WHERE recipient=? ORDER BY id DESC LIMIT ?"
            args = (user, limit)
        return [r[0] for r in self.db.execute(query, args)][::-1]

    def close(self) -> None:
        self.flush()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


def burn_cpu(cpu_ns: int) -> None:
    """Spin until this thread has used `cpu_ns` more CPU time (not wall time: a busy machine
    delays it but does not shorten it)."""
    end_ns = time.thread_time_ns() + cpu_ns
    while time.thread_time_ns() < end_ns:
        pass


class Refused(Exception):
    """A hello the server will not accept (wrong or missing password): the connection closes."""


class ChatServer:
    """Connection registry, rooms, and the per-frame protocol."""

    def __init__(
        self, store: Store, extra_work_per_msg_ns: int = 0, password: str | None = None
    ) -> None:
        self.store = store
        self.password = password
        """When set, the password every hello must carry."""
        self.extra_work_per_msg_ns = extra_work_per_msg_ns
        """CPU time spun on every accepted message (the test option; 0 in normal use)."""
        self.online: dict[str, ServerConnection] = {}
        self.rooms: dict[str, dict[str, ServerConnection]] = {}

    async def handle(self, ws: ServerConnection) -> None:
        user: str | None = None
        try:
            async for frame in ws:
                try:
                    msg = orjson.loads(frame)
                    if not isinstance(msg, dict):
                        raise ValueError("frame is not a JSON object")
                    if user is None:
                        user = self._hello(ws, msg)
                    else:
                        self._dispatch(ws, user, msg)
                except Refused as exc:
                    await ws.send(orjson.dumps({"op": "error", "reason": str(exc)}).decode())
                    await ws.close(1008, "authentication failed")
                    return
                except (ValueError, KeyError, TypeError) as exc:
                    await ws.send(orjson.dumps({"op": "error", "reason": str(exc)}).decode())
        finally:
            if user is not None:
                self._leave_all(user, ws)

    def _hello(self, ws: ServerConnection, msg: dict[str, Any]) -> str:
        if msg.get("op") != "hello" or not isinstance(msg.get("user"), str):
            raise ValueError('first frame must be {"op":"hello","user":"<name>"}')
        user: str = msg["user"]
        if self.password is not None:
            given = msg.get("password")
            if not isinstance(given, str) or not hmac.compare_digest(
                given.encode(), self.password.encode()
            ):
                raise Refused(f"user {user!r}: wrong or missing password")
        self.online[user] = ws
        broadcast([ws], orjson.dumps({"op": "ready", "user": user}).decode())
        return user

    def _dispatch(self, ws: ServerConnection, user: str, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        if op == "send":
            self._send(user, msg)
        elif op == "join":
            room = str(msg["room"])
            members = self.rooms.setdefault(room, {})
            members[user] = ws
            self.store.join(room, user)
            reply = {"op": "joined", "room": room, "members": len(members)}
            broadcast([ws], orjson.dumps(reply).decode())
        elif op == "history":
            limit = min(int(msg.get("limit", 50)), HISTORY_LIMIT_MAX)
            rows = self.store.history(msg.get("room"), user, limit)
            text = '{"op":"history","messages":[' + ",".join(rows) + "]}"
            broadcast([ws], text)
        else:
            raise ValueError(f"unknown op {op!r}")

    def _send(self, user: str, msg: dict[str, Any]) -> None:
        msg["op"] = "msg"
        msg["from"] = user
        envelope = orjson.dumps(msg).decode()
        room = msg.get("room")
        if room is not None:
            members = self.rooms.get(str(room), {})
            if user not in members:
                raise ValueError(f"not a member of room {room!r}")
            targets = [conn for name, conn in members.items() if name != user]
            recipient = None
        else:
            recipient = str(msg["to"])
            peer = self.online.get(recipient)
            targets = [peer] if peer is not None else []
        if targets:
            broadcast(targets, envelope)
        self.store.add((int(time.time() * 1000), user, recipient, room, envelope))
        if self.extra_work_per_msg_ns:
            burn_cpu(self.extra_work_per_msg_ns)

    def _leave_all(self, user: str, ws: ServerConnection) -> None:
        if self.online.get(user) is ws:
            del self.online[user]
        for members in self.rooms.values():
            if members.get(user) is ws:
                del members[user]


async def _flusher(store: Store) -> None:
    while True:
        await asyncio.sleep(FLUSH_INTERVAL_S)
        store.flush()


def tls_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """Python's default server context (TLS >= 1.2) with the run's certificate chain and key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


async def serve_forever(
    host: str,
    port: int,
    data_dir: Path,
    extra_work_per_msg_us: int = 0,
    tls: ssl.SSLContext | None = None,
    password: str | None = None,
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "messages.sqlite3")
    server = ChatServer(store, extra_work_per_msg_us * 1000, password)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    flusher = asyncio.create_task(_flusher(store))
    options: dict[str, Any] = {
        "compression": None,
        "max_size": 2**21,
        "ping_interval": None,
        "close_timeout": 1,
        "ssl": tls,
    }
    async with serve(server.handle, host, port, **options) as ws_server:
        bound = ws_server.sockets[0].getsockname()
        print(f"READY {bound[0]}:{bound[1]}", flush=True)
        await stop.wait()
    flusher.cancel()
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="imbench embedded reference IM server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument(
        "--extra-work-per-msg-us",
        type=int,
        default=0,
        metavar="US",
        help="test option: spin this many µs of CPU time on every accepted message",
    )
    parser.add_argument("--tls-cert", type=Path, help="serve TLS: certificate chain (PEM)")
    parser.add_argument("--tls-key", type=Path, help="serve TLS: private key (PEM)")
    parser.add_argument(
        "--password-file", type=Path, help="every hello must carry this file's content as password"
    )
    args = parser.parse_args(argv)
    if args.extra_work_per_msg_us < 0:
        parser.error("--extra-work-per-msg-us must be >= 0")
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    tls = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    password = args.password_file.read_text().strip() if args.password_file else None
    asyncio.run(
        serve_forever(
            args.host, args.port, args.data_dir, args.extra_work_per_msg_us, tls, password
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
