"""`backend = "external"` end to end: a server imbench does not run, reached by the URL the
scenario names, with a password from the environment — here the embedded server, over TLS,
started by the test itself in a namespace of its own.

Run under the heavy-work lock: flock /tmp/imbench-heavy.lock pytest tests/test_run_external.py
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.backends.certificate import SERVER_NAME, RunCertificate, create_run_certificate
from harness.kernel import exitcodes
from harness.meters.wire import WireMeter
from harness.network import NET_EXTERNAL, TestNetwork, create_network, remove_network
from tests.conftest import IMBENCH, needs_root

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


@pytest.fixture
def own_network() -> Iterator[TestNetwork]:
    net = create_network("netns", "test")
    try:
        yield net
    finally:
        remove_network(net)


def test_an_external_run_delivers_measures_client_side_and_keeps_its_password_out(
    tmp_path: Path,
    scenario_file: Callable[..., Path],
    own_network: TestNetwork,
    leaves_nothing_behind: None,
) -> None:
    password = "pw-" + secrets.token_hex(12)
    server = OwnServer(tmp_path, own_network, password)
    try:
        extra = f"""
[backend.external]
protocol = "embedded-ws"
url = "wss://{own_network.server_host}:{server.port}/"
ca_file = "{server.cert.ca_file}"
server_name = "{SERVER_NAME}"
password_env = "{PASSWORD_ENV}"
"""
        scenario = scenario_file("external", 8, backend="external", extra=extra)
        veth = WireMeter(own_network.meter_interface)
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
        server.stop()
    assert done.returncode == exitcodes.OK, done.stdout + done.stderr
    (folder,) = [p for p in results.iterdir() if p.is_dir()]
    summary = json.loads((folder / "summary.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    metrics = summary["metrics"]
    assert metrics["messaging.delivery_ratio"]["value"] >= 0.999
    assert metrics["messaging.messages_delivered"]["value"] > 1000

    # Load went to the host the scenario named, and the manifest says so; imbench ran nothing.
    assert summary["net_method"] == manifest["methods"]["net_method"] == NET_EXTERNAL
    config = manifest["backend"]["config"]
    assert (config["host"], config["port"], config["tls"]) == (
        own_network.server_host,
        server.port,
        True,
    )
    assert manifest["methods"]["namespace"] == "" and manifest["provision"]["tls"] is True
    assert set(_sample_sources(folder)) == {"generator-0"}, "no backend, wire or storage meter"

    # Client-side figures only, and the summary says so.
    for name in ("backend.cpu_core_s_per_1k_delivered_msgs", "backend.rss_bytes_per_user"):
        assert name not in metrics
        assert summary["unavailable"][name] == "external: not measured (client-side only)"
    assert re.search(r"backend CPU per 1k delivered +n/a \(external: not measured", done.stdout)
    assert manifest["methods"]["wire"].startswith("client-side")
    # The generators' own wire bytes agree with the test's veth, which carried exactly them.
    assert before is not None and after is not None
    veth_bytes = (after.rx_bytes + after.tx_bytes) - (before.rx_bytes + before.tx_bytes)
    client_bytes = metrics["wire.bytes_total"]["value"]
    print(f"client-side wire {client_bytes:.0f} B, the test's veth {veth_bytes} B")
    assert abs(client_bytes - veth_bytes) / veth_bytes < 0.04, (client_bytes, veth_bytes)

    # The password went to the server only: nowhere under the run folder, nor in its output.
    secret = password.encode()
    for path in folder.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), f"{path} holds the password"
    assert password not in done.stdout + done.stderr
    assert PASSWORD_ENV in json.dumps(manifest["scenario"]), "the variable's name is recorded"
    assert not Path(manifest["private_dir"]).exists()


def _sample_sources(folder: Path) -> list[str]:
    import pandas as pd

    return list(pd.read_parquet(folder / "samples.parquet")["source"].unique())
