"""`backend = "external"` end to end: a server imbench does not run, reached by the URL the
scenario names, with a password from the environment — the embedded server over TLS, and a real
Mosquitto (password file, mqtts) — each started by the test itself in a namespace of its own.

Run under the heavy-work lock: flock /tmp/imbench-heavy.lock pytest tests/test_run_external.py
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.backends import mosquitto
from harness.backends.certificate import SERVER_NAME, RunCertificate, create_run_certificate
from harness.kernel import exitcodes
from harness.meters.wire import WireMeter
from harness.network import NET_EXTERNAL, TestNetwork, create_network, remove_network
from tests.conftest import IMBENCH, needs_root
from tests.requirements import require_backend

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, needs_root]
PASSWORD_ENV = "IMB_EXTERNAL_TEST_PASSWORD"


class OwnServer:
    """The embedded server with a password file and TLS, in the test's own namespace."""

    def __init__(self, tmp_path: Path, net: TestNetwork, password: str) -> None:
        private = tmp_path / "server-private"
        private.mkdir(mode=0o700)
        (private / "password").write_text(password)
        self.cert: RunCertificate = create_run_certificate(private / "tls", net.server_host)
        assert net.namespace is not None
        argv = ["ip", "netns", "exec", net.namespace, sys.executable, "-m"]
        argv += ["harness.backends.embedded_server", "--host", net.server_host, "--port", "0"]
        argv += ["--data-dir", str(tmp_path / "server-data")]
        argv += ["--password-file", str(private / "password")]
        argv += ["--tls-cert", str(self.cert.cert_file), "--tls-key", str(self.cert.key_file)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith(f"READY {net.server_host}:"), line
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class OwnBroker:
    """A real Mosquitto with a password file (one account per user, one password) and mqtts,
    configured as the adapter configures its own (`mosquitto.mosquitto_conf`), in the test's own
    namespace; nothing of it is under the run folder."""

    def __init__(self, tmp_path: Path, net: TestNetwork, logins: list[str], password: str) -> None:
        private = tmp_path / "broker-private"
        private.mkdir(mode=0o700)
        self.cert: RunCertificate = create_run_certificate(private / "tls", net.server_host)
        self.host, self.port = net.server_host, mosquitto.NAMESPACE_TLS_PORT
        passwd = private / "passwd"
        accounts = {login: password for login in logins}
        mosquitto.write_password_file(passwd, accounts, mosquitto.PASSWD_TIMEOUT_S)
        data = tmp_path / "broker-data"
        data.mkdir()
        conf = private / "mosquitto.conf"
        conf.write_text(mosquitto.mosquitto_conf(self.host, self.port, passwd, data, self.cert))
        assert net.namespace is not None
        self.log = (tmp_path / "broker.log").open("wb")
        argv = ["ip", "netns", "exec", net.namespace, mosquitto.program("mosquitto"), "-c"]
        self.proc = subprocess.Popen([*argv, str(conf)], stdout=self.log, stderr=self.log)
        self._wait_ready(logins[0], password)

    def _wait_ready(self, login: str, password: str) -> None:
        deadline = time.monotonic() + mosquitto.READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "mosquitto exited"
            try:
                reason = asyncio.run(
                    mosquitto.mqtt_connack(self.host, self.port, login, password, self.cert)
                )
            except OSError:
                time.sleep(0.05)
                continue
            assert reason == 0, f"CONNACK reason {reason}"
            return
        raise AssertionError("mosquitto did not accept a CONNECT")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


@pytest.fixture
def own_network() -> Iterator[TestNetwork]:
    net = create_network("netns", "test")
    try:
        yield net
    finally:
        remove_network(net)


@dataclass
class ExternalRun:
    folder: Path
    stdout: str
    stderr: str
    veth_bytes: int


def run_external(
    tmp_path: Path, scenario: Path, net: TestNetwork, password: str, stop: Callable[[], None]
) -> ExternalRun:
    """`imbench run` with the password in the environment only; `stop` the server after."""
    try:
        veth = WireMeter(net.meter_interface)
        before = veth.read()
        results = tmp_path / "results"
        done = subprocess.run(
            [*IMBENCH, "run", str(scenario), "--results-dir", str(results), "--no-report"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, PASSWORD_ENV: password},
            timeout=180,
        )
        after = veth.read()
    finally:
        stop()
    assert done.returncode == exitcodes.OK, done.stdout + done.stderr
    (folder,) = [p for p in results.iterdir() if p.is_dir()]
    assert before is not None and after is not None
    veth_bytes = (after.rx_bytes + after.tx_bytes) - (before.rx_bytes + before.tx_bytes)
    return ExternalRun(folder, done.stdout, done.stderr, veth_bytes)


def assert_client_side_only_and_password_kept_out(
    run: ExternalRun, net: TestNetwork, port: int, password: str
) -> dict[str, float]:
    """Delivery, where the load went, n/a backend figures, client wire = veth, no password."""
    folder = run.folder
    summary = json.loads((folder / "summary.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    metrics = summary["metrics"]
    assert summary["status"] == "ok"
    assert metrics["messaging.delivery_ratio"]["value"] >= 0.999
    assert metrics["messaging.messages_delivered"]["value"] > 1000

    # Load went to the host the scenario named, and the manifest says so; imbench ran nothing.
    assert summary["net_method"] == manifest["methods"]["net_method"] == NET_EXTERNAL
    config = manifest["backend"]["config"]
    assert (config["host"], config["port"], config["tls"]) == (net.server_host, port, True)
    assert manifest["methods"]["namespace"] == "" and manifest["provision"]["tls"] is True
    assert set(_sample_sources(folder)) == {"generator-0"}, "no backend, wire or storage meter"

    # Client-side figures only, and the summary says so.
    for name in (
        "backend.cpu_core_s_per_1k_delivered_msgs",
        "backend.rss_bytes_per_user",
        "backend.storage_bytes_per_stored_msg",
    ):
        assert name not in metrics
        assert summary["unavailable"][name] == "external: not measured (client-side only)"
    assert re.search(r"backend CPU per 1k delivered +n/a \(external: not measured", run.stdout)
    assert manifest["methods"]["wire"].startswith("client-side")
    # The generators' own wire bytes agree with the test's veth, which carried exactly them.
    client_bytes = metrics["wire.bytes_total"]["value"]
    print(f"client-side wire {client_bytes:.0f} B, the test's veth {run.veth_bytes} B")
    assert abs(client_bytes - run.veth_bytes) / run.veth_bytes < 0.04, (
        client_bytes,
        run.veth_bytes,
    )
    assert metrics["wire.bytes_per_delivered_msg"]["value"] > 0

    # The password went to the server only: nowhere under the run folder, nor in its output.
    secret = password.encode()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.parent.name == "raw" for p in files) and any(p.suffix == ".parquet" for p in files)
    for path in files:
        assert secret not in path.read_bytes(), f"{path} holds the password"
    assert password not in run.stdout + run.stderr
    assert PASSWORD_ENV in json.dumps(manifest["scenario"]), "the variable's name is recorded"
    assert not Path(manifest["private_dir"]).exists()
    return {name: figure["value"] for name, figure in metrics.items() if "value" in figure}


def test_an_external_run_delivers_measures_client_side_and_keeps_its_password_out(
    tmp_path: Path,
    scenario_file: Callable[..., Path],
    own_network: TestNetwork,
    leaves_nothing_behind: None,
) -> None:
    password = "pw-" + secrets.token_hex(12)
    server = OwnServer(tmp_path, own_network, password)
    extra = f"""
[backend.external]
protocol = "embedded-ws"
url = "wss://{own_network.server_host}:{server.port}/"
ca_file = "{server.cert.ca_file}"
server_name = "{SERVER_NAME}"
password_env = "{PASSWORD_ENV}"
"""
    scenario = scenario_file("external", 8, backend="external", extra=extra)
    run = run_external(tmp_path, scenario, own_network, password, server.stop)
    assert_client_side_only_and_password_kept_out(run, own_network, server.port, password)


def test_an_external_run_against_a_real_mosquitto_over_mqtts_delivers_and_keeps_its_password_out(
    tmp_path: Path,
    scenario_file: Callable[..., Path],
    own_network: TestNetwork,
    leaves_nothing_behind: None,
) -> None:
    require_backend("mosquitto")
    password = "pw-" + secrets.token_hex(12)
    users = 40  # the small scenario's 20 chat + 20 group users
    broker = OwnBroker(tmp_path, own_network, [f"bench-{u}" for u in range(users)], password)
    extra = f"""
[backend.external]
protocol = "mqtt"
url = "mqtts://{own_network.server_host}:{broker.port}"
ca_file = "{broker.cert.ca_file}"
server_name = "{SERVER_NAME}"
login = "bench-{{user}}"
password_env = "{PASSWORD_ENV}"
qos = 2
"""
    scenario = scenario_file("external-mqtt", 8, backend="external", tls=True, extra=extra)
    run = run_external(tmp_path, scenario, own_network, password, broker.stop)
    figures = assert_client_side_only_and_password_kept_out(run, own_network, broker.port, password)
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert manifest["backend"]["config"]["protocol"] == "mqtt"
    assert manifest["backend"]["config"]["qos"] == 2
    assert manifest["provision"]["client"] == "mqtt"
    assert figures["messaging.duplicates"] == 0
    broker_log = (tmp_path / "broker.log").read_text()
    assert "bench-0" in broker_log and "bench-39" in broker_log, "each account logged in"
    assert password not in broker_log


def _sample_sources(folder: Path) -> list[str]:
    import pandas as pd

    return list(pd.read_parquet(folder / "samples.parquet")["source"].unique())
