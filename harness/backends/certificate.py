"""The run's TLS certificate (`[network] tls = true`): a throwaway CA and one server certificate.

Made by the orchestrator before the backends start (`BackendContext.tls`), with the `cryptography`
package: an ECDSA P-256 CA that signs one ECDSA P-256 server certificate for the namespace
address (an IP SAN), `SERVER_NAME` and `localhost`, valid for `VALIDITY_S`. The CA's private
key exists only in memory while the certificate is made — nothing can sign another certificate
clients would trust. The server key, certificate and CA file are written to the run's private
dir (outside `results/`, removed when the run ends); only `describe()` — names, fingerprints,
validity, key type, never a key — goes to the manifest.

A backend serves TLS with `cert_file` + `key_file` (or `bundle_file`, key and certificate in one
PEM, for servers that want that) and hands clients `ca_file` and `server_name` through its
`Directory`; a daemon that runs as its own user gets a readable copy with `copy_for(dir, uid, gid)`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

SERVER_NAME = "imbench.test"
"""The DNS name in every run certificate (a reserved test TLD): clients verify it, and a
protocol that names its server (an XMPP domain, a Matrix server name) may use it as that name."""
VALIDITY_S = 2 * 86400
BACKDATE_S = 3600
"""Valid from an hour ago: a client whose clock is slightly behind still accepts it."""


@dataclass(frozen=True)
class RunCertificate:
    """Files of the run's certificate, and the name and address it is valid for."""

    server_name: str
    host: str
    """The address in the certificate's IP SAN (the namespace address clients connect to)."""
    ca_file: Path
    """The throwaway CA's certificate (PEM): what clients verify the server with."""
    cert_file: Path
    """The server certificate, then the CA's (PEM chain)."""
    key_file: Path
    """The server's private key (PEM, PKCS#8, unencrypted, mode 0600)."""
    bundle_file: Path
    """Key, then certificate chain, in one PEM (mode 0600)."""
    fingerprint_sha256: str
    not_after_utc: str

    def describe(self) -> dict[str, Any]:
        """For the manifest: what the certificate is, never a key or a path to one."""
        return {
            "made_for": "this run (throwaway CA; its key was never written)",
            "key": "ECDSA P-256",
            "signature": "ecdsa-with-SHA256",
            "names": [self.server_name, "localhost"],
            "ip": self.host,
            "fingerprint_sha256": self.fingerprint_sha256,
            "not_after_utc": self.not_after_utc,
        }

    def copy_for(self, directory: Path, uid: int, gid: int) -> RunCertificate:
        """A copy of the files in `directory`, owned by `uid:gid` (a daemon's own user)."""
        directory.mkdir(parents=True, exist_ok=True)
        os.chown(directory, uid, gid)

        def copy(source: Path) -> Path:
            target = directory / source.name
            shutil.copyfile(source, target)
            target.chmod(source.stat().st_mode & 0o777)
            os.chown(target, uid, gid)
            return target

        return replace(
            self,
            ca_file=copy(self.ca_file),
            cert_file=copy(self.cert_file),
            key_file=copy(self.key_file),
            bundle_file=copy(self.bundle_file),
        )


def create_run_certificate(
    directory: Path,
    host: str,
    server_name: str = SERVER_NAME,
    now: datetime.datetime | None = None,
) -> RunCertificate:
    """Make the CA and server certificate for `host` + `server_name`; write them to `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    start = (now or datetime.datetime.now(datetime.UTC)) - datetime.timedelta(seconds=BACKDATE_S)
    end = start + datetime.timedelta(seconds=VALIDITY_S + BACKDATE_S)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imbench run CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(server_name), x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server_name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain_pem = cert.public_bytes(pem) + ca_cert.public_bytes(pem)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = {
        "ca_file": (directory / "ca.pem", ca_cert.public_bytes(pem), 0o644),
        "cert_file": (directory / "server.pem", chain_pem, 0o644),
        "key_file": (directory / "server.key", key_pem, 0o600),
        "bundle_file": (directory / "server-bundle.pem", key_pem + chain_pem, 0o600),
    }
    for path, data, mode in files.values():
        _write(path, data, mode)
    return RunCertificate(
        server_name=server_name,
        host=host,
        ca_file=files["ca_file"][0],
        cert_file=files["cert_file"][0],
        key_file=files["key_file"][0],
        bundle_file=files["bundle_file"][0],
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        not_after_utc=end.isoformat(),
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start (a key is never readable by others, not even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    path.chmod(mode)
