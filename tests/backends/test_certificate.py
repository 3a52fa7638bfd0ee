"""The run's TLS certificate: the embedded server serves it, the load generator's client verifies it."""

from __future__ import annotations

import datetime
import ssl
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from harness.backends.certificate import SERVER_NAME, RunCertificate, create_run_certificate
from workloads import tls as tls_client
from workloads.wsclient import WebSocket


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> RunCertificate:
    return create_run_certificate(tmp_path_factory.mktemp("tls") / "tls", "127.0.0.1")


@pytest.fixture(scope="module")
def tls_server(cert: RunCertificate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    argv = [sys.executable, "-m", "harness.backends.embedded_server", "--port", "0"]
    argv += ["--data-dir", str(tmp_path_factory.mktemp("data"))]
    argv += ["--tls-cert", str(cert.cert_file), "--tls-key", str(cert.key_file)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY 127.0.0.1:"), line
    yield int(line.rsplit(":", 1)[1])
    proc.terminate()
    proc.wait(10)


def test_a_client_verifying_against_the_run_ca_and_name_talks_wss_to_the_server(
    cert: RunCertificate, tls_server: int
) -> None:
    ws = WebSocket.connect(
        "127.0.0.1", tls_server, tls=True, ca_file=str(cert.ca_file), server_name=SERVER_NAME
    )
    assert isinstance(ws.sock, ssl.SSLSocket)
    assert ws.sock.version() == "TLSv1.3"
    ws.sock.settimeout(5)
    ws.send_text(orjson.dumps({"op": "hello", "user": "u0"}))
    assert orjson.loads(next(ws.messages())[0]) == {"op": "ready", "user": "u0"}
    ws.close()


def test_the_certificate_also_verifies_for_the_address_it_was_made_for(
    cert: RunCertificate, tls_server: int
) -> None:
    ws = WebSocket.connect("127.0.0.1", tls_server, tls=True, ca_file=str(cert.ca_file))
    ws.close()


def test_a_wrong_server_name_fails_verification(cert: RunCertificate, tls_server: int) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        WebSocket.connect(
            "127.0.0.1",
            tls_server,
            tls=True,
            ca_file=str(cert.ca_file),
            server_name="other.example",
        )


def test_without_the_run_ca_the_certificate_is_not_trusted(tls_server: int) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        WebSocket.connect("127.0.0.1", tls_server, tls=True, server_name=SERVER_NAME)


def test_another_runs_ca_does_not_verify_this_runs_server(tls_server: int, tmp_path: Path) -> None:
    other = create_run_certificate(tmp_path / "other", "127.0.0.1")
    with pytest.raises(ssl.SSLCertVerificationError):
        WebSocket.connect(
            "127.0.0.1",
            tls_server,
            tls=True,
            ca_file=str(other.ca_file),
            server_name=SERVER_NAME,
        )


def test_keys_are_private_files_and_the_description_holds_no_key(cert: RunCertificate) -> None:
    for path in (cert.key_file, cert.bundle_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert b"PRIVATE KEY" in path.read_bytes()
    for path in (cert.ca_file, cert.cert_file):
        assert b"PRIVATE KEY" not in path.read_bytes()
    assert sorted(p.name for p in cert.key_file.parent.iterdir()) == [
        "ca.pem",
        "server-bundle.pem",
        "server.key",
        "server.pem",
    ], "the CA's key is never written"
    text = str(cert.describe())
    assert "PRIVATE" not in text and str(cert.key_file) not in text
    assert len(cert.fingerprint_sha256) == 64


def test_the_certificate_is_valid_now_and_for_the_run_not_for_years(tmp_path: Path) -> None:
    from cryptography import x509

    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    made = create_run_certificate(tmp_path / "t", "10.77.0.2", now=now)
    leaf = x509.load_pem_x509_certificate(made.cert_file.read_bytes())
    assert leaf.not_valid_before_utc < now < leaf.not_valid_after_utc
    assert leaf.not_valid_after_utc - now <= datetime.timedelta(days=2)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [SERVER_NAME, "localhost"]
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["10.77.0.2"]


def test_one_client_context_per_ca_file_is_shared(cert: RunCertificate) -> None:
    assert tls_client.client_context(str(cert.ca_file)) is tls_client.client_context(
        str(cert.ca_file)
    )
