"""The embedded reference server as a real process on loopback, driven by the real load-generator client."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from workloads.wsclient import WebSocket, WebSocketClosed


@contextlib.contextmanager
def start_server(data: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """The embedded server as a real process on loopback, keeping its data in `data`."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.backends.embedded_server",
            "--port",
            "0",
            "--data-dir",
            str(data),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY 127.0.0.1:"), line
        yield int(line.rsplit(":", 1)[1]), proc
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path, subprocess.Popen[str]]]:
    data = tmp_path / "data"
    with start_server(data) as (port, proc):
        yield port, data, proc


def next_msg(ws: WebSocket) -> dict[str, object]:
    batch = next(ws.messages())
    assert len(batch) == 1, batch
    msg: dict[str, object] = orjson.loads(batch[0])
    return msg


def login(port: int, user: str) -> WebSocket:
    ws = WebSocket.connect("127.0.0.1", port)
    ws.sock.settimeout(5)
    ws.send_text(orjson.dumps({"op": "hello", "user": user}))
    assert next_msg(ws) == {"op": "ready", "user": user}
    return ws


def test_a_direct_message_reaches_only_its_recipient_with_the_senders_name(
    server: tuple[int, Path, subprocess.Popen[str]],
) -> None:
    port, _, _ = server
    alice, bob = login(port, "u0"), login(port, "u1")
    alice.send_text(b'{"op":"send","to":"u1","seq":1,"ts":5,"body":"hello"}')
    assert next_msg(bob) == {
        "op": "msg",
        "to": "u1",
        "seq": 1,
        "ts": 5,
        "body": "hello",
        "from": "u0",
    }


def test_a_room_message_fans_out_to_every_other_member(
    server: tuple[int, Path, subprocess.Popen[str]],
) -> None:
    port, _, _ = server
    members = [login(port, f"u{i}") for i in range(4)]
    for i, ws in enumerate(members):
        ws.send_text(b'{"op":"join","room":"r0"}')
        assert next_msg(ws) == {"op": "joined", "room": "r0", "members": i + 1}
    members[0].send_text(b'{"op":"send","room":"r0","seq":9,"body":"all"}')
    for ws in members[1:]:
        assert next_msg(ws)["from"] == "u0"
    members[0].sock.settimeout(0.3)
    with pytest.raises(WebSocketClosed):
        next(members[0].messages())  # the sender gets no copy (the read times out)


def test_malformed_frames_get_an_error_and_the_connection_survives(
    server: tuple[int, Path, subprocess.Popen[str]],
) -> None:
    port, _, _ = server
    ws = login(port, "u0")
    ws.send_text(b"not json")
    assert next_msg(ws)["op"] == "error"
    ws.send_text(b'{"op":"send","room":"r5","seq":1,"body":"x"}')
    assert "not a member" in str(next_msg(ws)["reason"])
    ws.send_text(b'{"op":"join","room":"r5"}')
    assert next_msg(ws)["op"] == "joined"


def test_history_survives_a_restart_in_sqlite_wal(
    server: tuple[int, Path, subprocess.Popen[str]],
) -> None:
    port, data, proc = server
    ws = login(port, "u0")
    ws.send_text(b'{"op":"join","room":"r1"}')
    next_msg(ws)
    for seq in range(3):
        ws.send_text(orjson.dumps({"op": "send", "room": "r1", "seq": seq, "body": "b" * 50}))
    time.sleep(0.3)
    ws.send_text(b'{"op":"history","room":"r1","limit":2}')
    history = next_msg(ws)["messages"]
    assert [m["seq"] for m in history] == [1, 2]  # type: ignore[index, union-attr]
    proc.terminate()
    assert proc.wait(10) == 0
    db = sqlite3.connect(data / "messages.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM messages WHERE room='r1'").fetchone()[0] == 3
    db.close()

    with start_server(data) as (again, _):  # a new server process on the same data dir
        ws = login(again, "u5")
        ws.send_text(b'{"op":"join","room":"r1"}')
        next_msg(ws)
        ws.send_text(b'{"op":"history","room":"r1","limit":5}')
        history = next_msg(ws)["messages"]
        assert [m["seq"] for m in history] == [0, 1, 2]  # type: ignore[index, union-attr]
        assert {m["body"] for m in history} == {"b" * 50}  # type: ignore[index, union-attr]


def test_with_a_password_file_only_a_hello_carrying_that_password_is_ready(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret-pw\n")
    argv = [sys.executable, "-m", "harness.backends.embedded_server", "--port", "0"]
    argv += ["--data-dir", str(tmp_path / "data"), "--password-file", str(secret)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        for hello in ({"user": "u0"}, {"user": "u0", "password": "wrong"}):
            ws = WebSocket.connect("127.0.0.1", port)
            ws.sock.settimeout(5)
            ws.send_text(orjson.dumps({"op": "hello", **hello}))
            reply = next_msg(ws)
            assert reply["op"] == "error" and "password" in str(reply["reason"]), reply
            with pytest.raises(WebSocketClosed):
                next_msg(ws)
        ws = WebSocket.connect("127.0.0.1", port)
        ws.sock.settimeout(5)
        ws.send_text(orjson.dumps({"op": "hello", "user": "u0", "password": "s3cret-pw"}))
        assert next_msg(ws) == {"op": "ready", "user": "u0"}
    finally:
        proc.terminate()
        proc.wait(10)
