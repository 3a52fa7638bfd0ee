"""The Mosquitto adapter and the MQTT client against the real broker on loopback (no root): the
generated config takes the provisioned accounts only, each QoS carries chat and group messages,
no-local keeps a member's own post from it, the persistence file is written, describe() says
what was lifted and never a password, and with the run's certificate the listener is mqtts that
clients verify."""

from __future__ import annotations

import asyncio
import dataclasses
import queue
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.backends.certificate import create_run_certificate
from harness.backends.mosquitto import LIFTED_LIMITS, PERSISTENCE_FILE, MosquittoBackend
from harness.children import ProcessScope
from harness.kernel import records
from harness.kernel.directory import Directory
from harness.kernel.metric_names import BACKEND
from harness.kernel.payload import Payload
from harness.kernel.slots import Slot
from harness.layout import Population
from harness.network import create_network
from tests.conftest import backend_context
from tests.requirements import require_backend
from workloads.clients.base import ClientError, Delivery
from workloads.clients.mqtt import Client

pytestmark = pytest.mark.slow  # a real broker (a few seconds)

WAIT_S = 5.0
POPULATION = Population(users=(0, 1, 2, 3, 4), pairs=((0, 1),), rooms={0: (2, 3, 4)})


class Receiving:
    """A connected client whose deliveries a thread collects (as the user's receive greenlet)."""

    def __init__(self, directory: Directory, slot: Slot) -> None:
        self.client = Client(directory, slot)
        self.client.connect()
        self.got: queue.Queue[Delivery] = queue.Queue()
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        try:
            for batch in self.client.deliveries():
                for delivery in batch:
                    self.got.put(delivery)
        except ClientError:
            return

    def next(self, timeout_s: float = WAIT_S) -> Delivery:
        return self.got.get(timeout=timeout_s)


def running_broker(
    tmp_path: Path, process_scope: ProcessScope, qos: int = 1, tls: bool = False
) -> Iterator[tuple[MosquittoBackend, Directory, Path]]:
    require_backend("mosquitto")
    backend = MosquittoBackend(qos=qos)
    net = create_network("loopback")
    ctx = backend_context(net, tmp_path, "mosquitto", process_scope)
    if tls:
        cert = create_run_certificate(ctx.private_dir / "tls", net.server_host)
        ctx = dataclasses.replace(ctx, tls=cert)

    async def up() -> Directory:
        await backend.start(ctx)
        return await backend.provision(POPULATION)

    directory = asyncio.run(up())
    try:
        yield backend, directory, ctx.data_dir
    finally:
        asyncio.run(backend.stop())


@pytest.fixture
def broker(
    request: pytest.FixtureRequest, tmp_path: Path, process_scope: ProcessScope
) -> Iterator[tuple[MosquittoBackend, Directory, Path]]:
    yield from running_broker(tmp_path, process_scope, qos=getattr(request, "param", 1))


@pytest.fixture
def tls_broker(
    tmp_path: Path, process_scope: ProcessScope
) -> Iterator[tuple[MosquittoBackend, Directory, Path]]:
    yield from running_broker(tmp_path, process_scope, tls=True)


def slot(user: int, kind: int, target: int) -> Slot:
    return Slot(user, kind, target, 1.0, Payload("fixed", 20))


@pytest.mark.parametrize("broker", [0, 1, 2], indirect=True, ids=["qos0", "qos1", "qos2"])
def test_chat_and_group_messages_arrive_at_every_qos_and_no_member_gets_its_own_post(
    broker: tuple[MosquittoBackend, Directory, Path],
) -> None:
    backend, directory, _ = broker
    assert directory.options == {"qos": backend.qos}
    alice, bob = (Receiving(directory, slot(u, records.KIND_CHAT, 1 - u)) for u in (0, 1))
    members = [Receiving(directory, slot(u, records.KIND_GROUP, 0)) for u in (2, 3, 4)]
    for seq in (1, 2, 3):
        alice.client.send(seq, 1000 + seq, "hello")
    assert [bob.next() for _ in range(3)] == [
        (0, records.KIND_CHAT, -1, seq, 1000 + seq, 5) for seq in (1, 2, 3)
    ]
    sent_bytes = members[0].client.send(1, 42, "x" * 20)
    assert sent_bytes > 20
    for member in members[1:]:
        assert member.next() == (2, records.KIND_GROUP, 0, 1, 42, 20)
    members[1].client.send(1, 43, "reply")
    assert members[0].next() == (3, records.KIND_GROUP, 0, 1, 43, 5)
    assert members[2].next()[0] == 3
    with pytest.raises(queue.Empty):
        members[1].next(timeout_s=0.5)  # no-local: its own post never comes back
    with pytest.raises(queue.Empty):
        alice.next(timeout_s=0.1)
    for user in (alice, bob, *members):
        user.client.close()


def test_only_provisioned_accounts_connect_and_the_data_dir_holds_no_credential(
    broker: tuple[MosquittoBackend, Directory, Path],
) -> None:
    backend, directory, data_dir = broker
    forged = Directory(
        "mqtt", directory.host, directory.port, users={"0": {"login": "u0", "password": "guess"}}
    )
    with pytest.raises(ClientError, match=r"CONNACK reason 0x8[67]"):
        Client(forged, slot(0, records.KIND_CHAT, 1)).connect()
    stranger = Directory("mqtt", directory.host, directory.port)
    with pytest.raises(ClientError, match="CONNACK reason"):
        Client(stranger, slot(9, records.KIND_CHAT, 1)).connect()
    asyncio.run(backend.stop())
    assert (data_dir / PERSISTENCE_FILE).stat().st_size > 0  # written on SIGTERM
    on_disk = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for account in directory.users.values():
        assert account["password"].encode() not in on_disk


def test_describe_records_what_was_lifted_and_storage_per_message_is_unavailable(
    broker: tuple[MosquittoBackend, Directory, Path],
) -> None:
    backend, directory, _ = broker
    described = backend.describe()
    assert described["name"] == "mosquitto" and described["version"][0].isdigit()
    config = described["config"]
    assert config["allow_anonymous"] is False and config["qos"] == 1
    assert all(config[key] == value for key, value in LIFTED_LIMITS.items())
    assert config["max_queued_messages"] == 0 and config["max_inflight_messages"] == 0
    text = repr(described)
    assert all(a["password"] not in text for a in directory.users.values())
    assert backend.unavailable() == {BACKEND.storage_bytes_per_stored_msg: "no_history"}
    assert [c.name for c in backend.processes()] == ["mosquitto"]


def test_a_machine_without_mosquitto_is_told_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("harness.backends.mosquitto.SBIN", "/nonexistent")
    absent = MosquittoBackend().missing()
    assert absent is not None and "scripts/install-mosquitto" in absent


def test_with_the_runs_certificate_the_broker_speaks_mqtts_that_clients_verify(
    tls_broker: tuple[MosquittoBackend, Directory, Path],
) -> None:
    backend, directory, _ = tls_broker
    assert directory.tls and directory.ca_file.endswith("ca.pem")
    assert directory.server_name == "imbench.test"
    assert str(backend.describe()["config"]["tls"]).startswith("mqtts")
    alice, bob = (Receiving(directory, slot(u, records.KIND_CHAT, 1 - u)) for u in (0, 1))
    [sock] = alice.client.sockets()
    assert isinstance(sock, ssl.SSLSocket) and sock.version() in ("TLSv1.2", "TLSv1.3")
    alice.client.send(1, 1001, "over tls")
    assert bob.next() == (0, records.KIND_CHAT, -1, 1, 1001, 8)
    system_cas = dataclasses.replace(directory, ca_file="")
    with pytest.raises(ClientError, match="CERTIFICATE_VERIFY_FAILED"):
        Client(system_cas, slot(0, records.KIND_CHAT, 1)).connect()
    other_name = dataclasses.replace(directory, server_name="elsewhere.test")
    with pytest.raises(ClientError, match="CERTIFICATE_VERIFY_FAILED"):
        Client(other_name, slot(0, records.KIND_CHAT, 1)).connect()
    plain = dataclasses.replace(directory, tls=False)
    with pytest.raises(ClientError):
        Client(plain, slot(0, records.KIND_CHAT, 1)).connect()
    for user in (alice, bob):
        user.client.close()
