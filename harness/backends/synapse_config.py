"""Synapse's generated configuration: homeserver.yaml (written as JSON, which is YAML), its log
config and its signing key, as pure functions of `SynapseConfig` and the run's secrets.

What imbench sets, and why (recorded in the manifest by `public_config`):
- one plain-HTTP listener on the namespace address with the `client` resource only: no
  federation listener, `federation_domain_whitelist: []`, `trusted_key_servers: []`;
- every `rc_*` rate limiter lifted (per_second 1e5, burst 1e6): a POC measures the server, not
  its limiter;
- presence off (Synapse's own advice for load; a chat workload sends no presence), URL previews,
  metrics and stats reporting off;
- `bcrypt_rounds: 4`: accounts are made once per run through the admin API, which hashes each
  password; clients use the access token registration returns and never log in with it;
- the database: PostgreSQL (psycopg2, the run's own instance over its unix socket) or SQLite in
  the data dir; the media store in the data dir;
- log level WARNING (INFO logs every request: the POC measures serving, not logging).
The registration shared secret, macaroon and form secrets and the signing key are credentials:
the files holding them are written into the run's private dir only.
"""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LIFTED = {"per_second": 100000, "burst_count": 1000000}
RATE_LIMITS: dict[str, Any] = {
    "rc_message": LIFTED,
    "rc_registration": LIFTED,
    "rc_registration_token_validity": LIFTED,
    "rc_login": {"address": LIFTED, "account": LIFTED, "failed_attempts": LIFTED},
    "rc_joins": {"local": LIFTED, "remote": LIFTED},
    "rc_joins_per_room": LIFTED,
    "rc_invites": {"per_room": LIFTED, "per_user": LIFTED, "per_issuer": LIFTED},
    "rc_room_creation": LIFTED,
    "rc_admin_redaction": LIFTED,
    "rc_key_requests": LIFTED,
    "rc_media_create": LIFTED,
    "rc_presence": {"per_user": LIFTED},
    "rc_delayed_event_mgmt": LIFTED,
    "rc_reports": LIFTED,
    "rc_user_directory": LIFTED,
    "rc_profile": LIFTED,
    "rc_3pid_validation": LIFTED,
    "rc_third_party_invite": LIFTED,
}
"""Synapse 1.163's rate limiters (synapse/config/ratelimiting.py), each lifted."""

SECRET_KEYS = ("registration_shared_secret", "macaroon_secret_key", "form_secret")


@dataclass(frozen=True)
class SynapseConfig:
    """What imbench chooses for one run's Synapse (everything here may go in the manifest)."""

    server_name: str
    host: str
    port: int
    database: str
    """`postgresql` or `sqlite`."""
    data_dir: Path
    private_dir: Path
    pg_socket_dir: str = ""
    pg_database: str = "synapse"
    pg_user: str = "postgres"
    db_pool_min: int = 5
    db_pool_max: int = 10
    bcrypt_rounds: int = 4
    log_level: str = "WARNING"

    @property
    def config_path(self) -> Path:
        return self.private_dir / "homeserver.yaml"

    @property
    def log_config_path(self) -> Path:
        return self.private_dir / "log.yaml"

    @property
    def signing_key_path(self) -> Path:
        return self.private_dir / "signing.key"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "homeserver.db"


@dataclass(frozen=True)
class SynapseSecrets:
    registration_shared_secret: str
    macaroon_secret_key: str
    form_secret: str
    signing_key: str
    """The signing key file's one line: `ed25519 <key id> <unpadded base64 seed>`."""


def make_secrets() -> SynapseSecrets:
    alphabet = string.ascii_letters + string.digits
    key_id = "a_" + "".join(secrets.choice(alphabet) for _ in range(4))
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return SynapseSecrets(
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(32),
        f"ed25519 {key_id} {seed}\n",
    )


def database_section(config: SynapseConfig) -> dict[str, Any]:
    if config.database == "sqlite":
        return {"name": "sqlite3", "args": {"database": str(config.sqlite_path)}}
    return {
        "name": "psycopg2",
        "args": {
            "user": config.pg_user,
            "dbname": config.pg_database,
            "host": config.pg_socket_dir,
            "cp_min": config.db_pool_min,
            "cp_max": config.db_pool_max,
        },
    }


def public_config(config: SynapseConfig) -> dict[str, Any]:
    """homeserver.yaml without its secrets and paths that name the private dir (manifest)."""
    return {
        "server_name": config.server_name,
        "listeners": [_listener(config)],
        "database": {
            "name": database_section(config)["name"],
            **(
                {"cp_min": config.db_pool_min, "cp_max": config.db_pool_max}
                if config.database == "postgresql"
                else {}
            ),
        },
        "federation": "off (no federation listener, federation_domain_whitelist: [])",
        "presence": {"enabled": False},
        "bcrypt_rounds": config.bcrypt_rounds,
        "log_level": config.log_level,
        "rate_limits": "every rc_* lifted to per_second 100000, burst_count 1000000",
        "rc_keys": sorted(RATE_LIMITS),
        "media_store": "the run's data dir",
    }


def _listener(config: SynapseConfig) -> dict[str, Any]:
    return {
        "port": config.port,
        "bind_addresses": [config.host],
        "type": "http",
        "tls": False,
        "x_forwarded": False,
        "resources": [{"names": ["client"], "compress": False}],
    }


def homeserver_config(config: SynapseConfig, keys: SynapseSecrets) -> dict[str, Any]:
    """The whole homeserver.yaml as a mapping."""
    data = config.data_dir
    return {
        "server_name": config.server_name,
        "pid_file": str(config.private_dir / "homeserver.pid"),
        "listeners": [_listener(config)],
        "database": database_section(config),
        "log_config": str(config.log_config_path),
        "media_store_path": str(data / "media_store"),
        "signing_key_path": str(config.signing_key_path),
        "registration_shared_secret": keys.registration_shared_secret,
        "macaroon_secret_key": keys.macaroon_secret_key,
        "form_secret": keys.form_secret,
        "report_stats": False,
        "enable_metrics": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "enable_registration": False,
        "bcrypt_rounds": config.bcrypt_rounds,
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        **RATE_LIMITS,
    }


def log_config(config: SynapseConfig) -> dict[str, Any]:
    """Python logging dictConfig: everything at `log_level` to stderr (the backend's log)."""
    return {
        "version": 1,
        "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": config.log_level, "handlers": ["stderr"]},
        "disable_existing_loggers": False,
    }
