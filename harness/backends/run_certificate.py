"""A TLS certificate made for one run: self-signed, for the names a backend serves, its key in
the run's private dir (outside results/, removed at the end). Clients trust exactly this
certificate (`Directory.ca_file`), never the system's store, so nothing else can answer."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.kernel.errors import EnvironmentProblem

VALID_DAYS = 2
KEY_CURVE = "prime256v1"


@dataclass(frozen=True)
class RunCertificate:
    cert_path: Path
    """The certificate (PEM); also the CA file clients verify the server with."""
    key_path: Path
    names: tuple[str, ...]

    def describe(self) -> dict[str, object]:
        return {"names": list(self.names), "key": f"ec {KEY_CURVE}", "self_signed": True}


def make_certificate(private_dir: Path, names: tuple[str, ...]) -> RunCertificate:
    """`openssl req -x509` for `names` (the first is the subject's CN) in `private_dir`."""
    cert, key = private_dir / "tls-cert.pem", private_dir / "tls-key.pem"
    san = ",".join(f"DNS:{n}" for n in names)
    argv = [
        "openssl", "req", "-x509", "-nodes", "-newkey", "ec",
        "-pkeyopt", f"ec_paramgen_curve:{KEY_CURVE}",
        "-keyout", str(key), "-out", str(cert), "-days", str(VALID_DAYS),
        "-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={san}",
        "-addext", "basicConstraints=critical,CA:TRUE",
    ]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnvironmentProblem(
            f"could not run openssl to make the run's certificate: {exc}"
        ) from exc
    if done.returncode != 0:
        raise EnvironmentProblem(f"openssl could not make the run's certificate: {done.stderr}")
    key.chmod(0o600)
    return RunCertificate(cert, key, names)
