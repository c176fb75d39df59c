"""Fixtures of the server suite: every test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from FRMR_TEST_PG_URL (scripts/start-postgres prints one). Without it the PG
half is skipped locally and FAILS under CI=true, so CI cannot pass without PostgreSQL.
"""

from __future__ import annotations

import os

# Cheap Argon2id parameters for this suite (see server.auth.passwords); set before server imports.
os.environ.setdefault("FRMR_TEST_FAST_HASH", "1")
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from server.app import create_app
from server.config import Settings
from server.migrate import upgrade
from server.testing import SCHEMA_HEADER, seed, token_for

BACKENDS = ["sqlite", "postgresql"]


def pg_base_url() -> str | None:
    url = os.environ.get("FRMR_TEST_PG_URL")
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("FRMR_TEST_PG_URL is not set under CI: PostgreSQL must run (scripts/start-postgres)")
    pytest.skip("PostgreSQL tests need FRMR_TEST_PG_URL (scripts/start-postgres)")
    return None


def _fresh_pg_database(base: str) -> str:
    u = make_url(base)
    name = f"frmr_t_{uuid.uuid4().hex[:12]}"
    dsn = u.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(base: str, url: str) -> None:
    u = make_url(base)
    name = make_url(url).database
    dsn = u.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_database(backend: str, tmp: Path) -> tuple[str, Any]:
    """A URL of an empty, migrated database and a cleanup callable."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'frmr-{uuid.uuid4().hex[:8]}.sqlite3'}"
        upgrade(url)
        return url, lambda: None
    base = pg_base_url()
    assert base
    url = _fresh_pg_database(base)
    upgrade(url)
    return url, lambda: _drop_pg_database(base, url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    url, cleanup = new_database(backend, tmp_path)
    yield url
    cleanup()


@dataclass
class World:
    """A seeded server in process plus a bearer token per demo account."""

    url: str
    client: TestClient
    accounts: dict[str, dict[str, Any]]
    tokens: dict[str, dict[str, Any]]

    def h(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[login]['access_token']}", **SCHEMA_HEADER}

    def get(self, login: str, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers={**self.h(login), **kw.pop("headers", {})}, **kw)

    def post(self, login: str, path: str, **kw: Any) -> Any:
        return self.client.post(path, headers={**self.h(login), **kw.pop("headers", {})}, **kw)

    def patch(self, login: str, path: str, **kw: Any) -> Any:
        return self.client.patch(path, headers={**self.h(login), **kw.pop("headers", {})}, **kw)

    def delete(self, login: str, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers={**self.h(login), **kw.pop("headers", {})}, **kw)

    def person_id(self, login: str) -> str:
        return str(self.tokens[login]["user"]["person_id"])


def make_world(url: str) -> World:
    accounts = seed(url)
    tokens = {login: token_for(url, login) for login in accounts}
    client = TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False)
    return World(url, client, accounts, tokens)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = make_world(db_url)
    with w.client:
        yield w
    w.client.app.state.frmr.engine.dispose()  # type: ignore[attr-defined]


def seeded_world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A seeded world on a database of its own, served while the generator is open."""
    url, cleanup = new_database(backend, tmp_path_factory.mktemp("db"))
    w = make_world(url)
    with w.client:
        yield w
    w.client.app.state.frmr.engine.dispose()  # type: ignore[attr-defined]
    cleanup()


@pytest.fixture(scope="module", params=BACKENDS)
def shared_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One seeded world per module and backend, for read-mostly tests."""
    yield from seeded_world(str(request.param), tmp_path_factory)
