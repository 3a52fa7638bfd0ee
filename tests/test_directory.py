"""The messaging Directory (harness/kernel/directory.py) as it travels to drivers: every field
through JSON and back, defaults for what a minimal document leaves out, logins and room ids with
their defaults, and credentials redacted in the public copy."""

from __future__ import annotations

import json

from harness.kernel.directory import REDACTED, Directory, group_room_key, pair_room_key

FULL = Directory(
    client="xmpp",
    host="10.0.0.2",
    port=5222,
    tls=True,
    ca_file="/run/ca.pem",
    server_name="bench.local",
    users={"0": {"login": "alice", "password": "pw0"}, "1": {"login": "bob", "token": "t1"}},
    rooms={"r0": "room0@muc.bench.local"},
    options={"qos": 1},
    secret_fields=("password", "token", "cookie"),
)


def test_a_directory_survives_json_whole() -> None:
    doc = json.loads(json.dumps(FULL.to_dict()))
    assert doc == {
        "client": "xmpp",
        "host": "10.0.0.2",
        "port": 5222,
        "tls": True,
        "ca_file": "/run/ca.pem",
        "server_name": "bench.local",
        "users": {"0": {"login": "alice", "password": "pw0"}, "1": {"login": "bob", "token": "t1"}},
        "rooms": {"r0": "room0@muc.bench.local"},
        "options": {"qos": 1},
        "secret_fields": ["password", "token", "cookie"],
    }
    assert Directory.from_dict(doc) == FULL


def test_a_minimal_document_takes_the_defaults() -> None:
    got = Directory.from_dict({"client": "embedded-ws", "host": "127.0.0.1", "port": "7001"})
    assert got == Directory("embedded-ws", "127.0.0.1", 7001)
    assert (got.tls, got.ca_file, got.server_name) == (False, "", "")
    assert (dict(got.users), dict(got.rooms), dict(got.options)) == ({}, {}, {})
    assert got.secret_fields == ("password", "token")
    assert Directory.from_dict({"client": "mqtt", "host": "h", "port": 1, "tls": 1}).tls is True


def test_logins_and_rooms_fall_back_to_their_defaults() -> None:
    assert FULL.login(0) == "alice"
    assert FULL.login(7) == "u7"
    assert FULL.account(1) == {"login": "bob", "token": "t1"}
    assert FULL.account(9) == {}
    assert FULL.room("r0") == "room0@muc.bench.local"
    assert FULL.room("r5") == "r5"


def test_the_public_copy_redacts_every_secret_field_and_only_those() -> None:
    public = FULL.public()
    assert public.users == {
        "0": {"login": "alice", "password": REDACTED},
        "1": {"login": "bob", "token": REDACTED},
    }
    assert REDACTED == "<redacted>"
    assert FULL.users["0"]["password"] == "pw0"  # the original keeps them
    assert public.host == FULL.host and public.rooms == FULL.rooms


def test_room_keys() -> None:
    assert group_room_key(3) == "r3"
    assert pair_room_key(9, 4) == pair_room_key(4, 9) == "c4-9"
