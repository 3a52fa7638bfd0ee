"""Synapse's generated config, its scenario option, PostgreSQL's leftover sweep, and the Matrix
client against a canned homeserver on a real local socket. No root, no Synapse started."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from harness.backends import postgresql, synapse
from harness.backends.synapse_config import (
    RATE_LIMITS,
    SECRET_KEYS,
    SynapseConfig,
    homeserver_config,
    make_secrets,
    public_config,
)
from harness.kernel import records
from harness.kernel.directory import Directory
from harness.kernel.errors import BadInput
from harness.kernel.payload import Payload
from harness.kernel.slots import Slot
from harness.scenario import parse_scenario
from tests.requirements import unavailable
from workloads.clients import matrix
from workloads.clients.envelope import pack

HOST = "10.77.3.2"


def config(tmp_path: Path, database: str = "postgresql") -> SynapseConfig:
    return SynapseConfig(
        "imbench.test", HOST, 8008, database, tmp_path / "data", tmp_path / "private", "/pg/sock"
    )


def test_synapse_serves_the_client_api_only_on_the_namespace_address_and_never_federates(
    tmp_path: Path,
) -> None:
    hs = homeserver_config(config(tmp_path), make_secrets())
    [listener] = hs["listeners"]
    assert listener["bind_addresses"] == [HOST] and listener["port"] == 8008
    assert [r["names"] for r in listener["resources"]] == [["client"]]
    assert hs["federation_domain_whitelist"] == [] and hs["trusted_key_servers"] == []
    assert hs["presence"] == {"enabled": False} and hs["enable_registration"] is False
    assert hs["media_store_path"] == str(tmp_path / "data" / "media_store")
    assert hs["database"] == {
        "name": "psycopg2",
        "args": {
            "user": "postgres",
            "dbname": "synapse",
            "host": "/pg/sock",
            "cp_min": 5,
            "cp_max": 10,
        },
    }
    sqlite = homeserver_config(config(tmp_path, "sqlite"), make_secrets())["database"]
    assert sqlite == {
        "name": "sqlite3",
        "args": {"database": str(tmp_path / "data" / "homeserver.db")},
    }


def test_every_rate_limiter_synapse_reads_is_lifted_far_above_any_load() -> None:
    source = synapse.venv_dir() / "lib"
    found = sorted(source.glob("python3*/site-packages/synapse/config/ratelimiting.py"))
    if not found:
        unavailable("Synapse is not installed (scripts/install-synapse)")
    text = found[-1].read_text()
    read = set(re.findall(r'"(rc_[a-z0-9_]+)(?:\.[a-z_]+)?"', text))
    read -= {"rc_messages", "rc_message_burst_count", "rc_messages_per_second", "rc_federation"}
    read -= {"rc_remote_media_downloads"}  # federation only: no remote media here
    assert read <= set(RATE_LIMITS), read - set(RATE_LIMITS)

    def settings(value: Any) -> Iterator[dict[str, int]]:
        if "per_second" in value:
            yield value
        else:
            for inner in value.values():
                yield from settings(inner)

    for value in RATE_LIMITS.values():
        for limit in settings(value):
            assert limit["per_second"] >= 100_000 and limit["burst_count"] >= 1_000_000


def test_the_manifest_copy_of_the_config_holds_no_secret(tmp_path: Path) -> None:
    keys = make_secrets()
    hs = homeserver_config(config(tmp_path), keys)
    assert all(hs[k] == getattr(keys, k) for k in SECRET_KEYS)
    text = json.dumps(public_config(config(tmp_path)))
    for secret in (*(getattr(keys, k) for k in SECRET_KEYS), keys.signing_key.split()[2]):
        assert secret not in text
    assert "private" not in text
    assert re.fullmatch(r"ed25519 a_\w{4} [A-Za-z0-9+/]{43}\n", keys.signing_key)


def test_the_database_option_is_validated_like_every_field() -> None:
    base: dict[str, Any] = {
        "scenario": {"name": "t", "duration_s": 5, "backend": "synapse"},
        "workload": [{"kind": "chat", "users": 2, "send_rate_per_user_hz": 1.0}],
    }
    assert parse_scenario(base, "s.toml").options() == {"database": "postgresql"}
    sqlite = {**base, "backend": {"synapse": {"database": "sqlite"}}}
    assert parse_scenario(sqlite, "s.toml").options() == {"database": "sqlite"}
    with pytest.raises(BadInput) as caught:
        parse_scenario({**base, "backend": {"synapse": {"database": "mysql"}}}, "s.toml")
    text = str(caught.value)
    assert "s.toml" in text and "backend.synapse.database" in text and "'mysql'" in text
    assert "postgresql" in text and "sqlite" in text


def test_a_postgresql_dir_is_swept_only_when_its_imbench_process_is_gone(tmp_path: Path) -> None:
    dead_pid = 2**22 + 12345  # above pid_max's default range: never a live process
    (tmp_path / f"run_a-{dead_pid}-0").mkdir()
    (tmp_path / f"run_b-{os.getpid()}-1").mkdir()
    (tmp_path / "not-ours").mkdir()
    assert postgresql.sweep_stale(tmp_path) == [tmp_path / f"run_a-{dead_pid}-0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-ours", f"run_b-{os.getpid()}-1"]


class CannedHomeserver(BaseHTTPRequestHandler):
    """Answers the filter call, then one /sync per entry of `syncs`, and records every request."""

    syncs: ClassVar[list[dict[str, Any]]] = []
    seen: ClassVar[list[tuple[str, str, bytes, str]]] = []

    def _answer(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, body, self.headers.get("Authorization", "")))

    def do_POST(self) -> None:
        self._record()
        self._answer({"filter_id": "7"})

    def do_PUT(self) -> None:
        self._record()
        self._answer({"event_id": "$e"})

    def do_GET(self) -> None:
        self._record()
        if not self.syncs:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._answer(self.syncs.pop(0))

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def homeserver() -> Iterator[tuple[str, int]]:
    CannedHomeserver.syncs, CannedHomeserver.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CannedHomeserver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.server_address[1]
    server.shutdown()
    server.server_close()


def event(sender: str, body: str, kind: str = "m.room.message") -> dict[str, Any]:
    return {"type": kind, "sender": sender, "content": {"body": body}}


def test_the_matrix_client_sends_to_its_room_and_drops_its_own_echo(
    homeserver: tuple[str, int],
) -> None:
    host, port = homeserver
    directory = Directory(
        "matrix",
        host,
        port,
        users={"4": {"login": "@u4:hs", "token": "tok4"}},
        rooms={"r1": "!room:hs"},
    )
    slot = Slot(4, records.KIND_GROUP, 1, 1.0, Payload("fixed", 10))
    timeline = [
        event("@u4:hs", pack(4, 1, 100, "mine")),  # the echo of its own message
        event("@u5:hs", pack(5, 3, 200, "hello")),
        event("@u6:hs", "not an envelope"),
        event("@u6:hs", pack(6, 1, 300, "x"), kind="m.room.member"),
    ]
    CannedHomeserver.syncs = [
        {"next_batch": "s1"},
        {"next_batch": "s2", "rooms": {"join": {"!room:hs": {"timeline": {"events": timeline}}}}},
    ]
    client = matrix.Client(directory, slot)
    client.connect()
    sent_bytes = client.send(9, 12345, "body")
    batches = client.deliveries()
    assert next(batches) == [(5, records.KIND_GROUP, 1, 3, 200, len("hello"))]
    with pytest.raises(matrix.ClientError):
        next(batches)  # the canned server has no third sync: an HTTP error ends the stream
    client.close()
    seen = CannedHomeserver.seen
    assert seen[0][:2] == ("POST", "/_matrix/client/v3/user/%40u4%3Ahs/filter")
    assert json.loads(seen[0][2]) == matrix.SYNC_FILTER
    assert seen[1][1] == "/_matrix/client/v3/sync?filter=7&timeout=0"
    put = next(s for s in seen if s[0] == "PUT")
    assert put[1] == "/_matrix/client/v3/rooms/%21room%3Ahs/send/m.room.message/9"
    assert json.loads(put[2]) == {"msgtype": "m.text", "body": "4 9 12345 body"}
    assert put[3] == "Bearer tok4"
    assert any(s[1].endswith("&timeout=30000&since=s1") for s in seen)
    head = f"PUT {put[1]} HTTP/1.1\r\n"
    assert sent_bytes > len(head) + len(put[2]) + len("Authorization: Bearer tok4\r\n")
