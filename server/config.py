"""Server settings: one place, read from the environment so uvicorn workers share them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "frmr-server"


def default_database_url() -> str:
    data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'frmr-server.sqlite3'}"


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    max_blob_bytes: int = 5 * 1024 * 1024
    #: any other request body (JSON, forms); refused from Content-Length or while streaming, before
    #: parsing and authentication (server.boundary)
    max_body_bytes: int = 4 * 1024 * 1024
    access_ttl: int = 900  # ≤ 15 minutes, as the issue demands
    refresh_ttl: int = 30 * 24 * 3600
    code_ttl: int = 120
    min_client_schema: int = 1
    lockout_failures: int = 5
    lockout_seconds: int = 15 * 60
    hourly_failure_cap: int = 100
    pull_limit_max: int = 5000
    #: attempts per minute per client IP at POST /oauth/authorize and POST /oauth/token together
    #: (0 = no limit); counted in the database, so shared by every worker process
    login_rate_per_minute: int = 30
    #: exempt 127.0.0.1/::1 from that limit (off by default: a local attacker is an attacker too)
    login_rate_exempt_loopback: bool = False
    #: a password older than this many days must be changed before anything else (0 = never;
    #: off by default); people are warned ``password_warn_days`` ahead (docs/account.md)
    password_max_age_days: int = 0
    password_warn_days: int = 14
    #: how long an operator's one-time password-reset code stays valid
    reset_code_ttl: int = 24 * 3600

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("FRMR_DATABASE_URL") or default_database_url(),
            max_blob_bytes=_int_env("FRMR_MAX_BLOB_BYTES", 5 * 1024 * 1024),
            max_body_bytes=_int_env("FRMR_MAX_BODY_BYTES", 4 * 1024 * 1024),
            access_ttl=min(_int_env("FRMR_ACCESS_TTL", 900), 900),
            min_client_schema=_int_env("FRMR_MIN_CLIENT_SCHEMA", 1),
            login_rate_per_minute=max(0, _int_env("FRMR_LOGIN_RATE_PER_MINUTE", 30)),
            login_rate_exempt_loopback=os.environ.get("FRMR_LOGIN_RATE_EXEMPT_LOOPBACK", "") in ("1", "true", "yes"),
            password_max_age_days=max(0, _int_env("FRMR_PASSWORD_MAX_AGE_DAYS", 0)),
            password_warn_days=max(0, _int_env("FRMR_PASSWORD_WARN_DAYS", 14)),
            reset_code_ttl=max(60, _int_env("FRMR_RESET_CODE_TTL", 24 * 3600)),
        )
