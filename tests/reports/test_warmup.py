"""A worker readies the report's statements at its start (server/warmup.py); a warm-up that fails
is logged, never raised, so it cannot stop a start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server import warmup
from server.app import create_app
from server.config import Settings
from server.db import make_engine, read_session
from server.models import Organization


def test_warm_up_runs_the_report_on_a_migrated_database(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert warmup.warm_up(engine) > 0
        with read_session(engine) as s:  # it asked about an organization that cannot exist, and wrote nothing
            assert s.get(Organization, warmup.NO_SUCH_ORG) is None
    finally:
        engine.dispose()


def test_the_app_starts_and_answers_after_its_warm_up(db_url: str) -> None:
    with TestClient(create_app(Settings(database_url=db_url))) as client:  # the lifespan runs here
        assert client.get("/healthz").json() == {"status": "ok"}


def test_a_failed_warm_up_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'not-migrated.sqlite3'}")  # no summary tables at all
    with caplog.at_level(logging.WARNING, logger="frmr.server"):
        assert warmup.warm_up(engine) == 0.0
    engine.dispose()
    assert any("прогрев" in r.getMessage() for r in caplog.records)


def test_the_routes_warm_up_writes_nothing(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Two requests pass through the app in-process (every router walked, a login refused): they
    answer as expected (nothing logged), and leave no journal entry or rate-limit count behind."""
    import anyio
    import sqlalchemy as sa

    from server.models import Audit, RateLimit

    app = create_app(Settings(database_url=db_url))
    engine = make_engine(db_url)

    def counts() -> tuple[int, int]:
        with read_session(engine) as s:
            return (s.execute(sa.select(sa.func.count()).select_from(Audit)).scalar_one(),
                    s.execute(sa.select(sa.func.count()).select_from(RateLimit)).scalar_one())

    try:
        before = counts()
        with caplog.at_level(logging.WARNING, logger="frmr.server"):
            assert anyio.run(warmup.warm_routes, app) > 0
        assert not [r for r in caplog.records if "прогрев" in r.getMessage()]
        assert counts() == before
    finally:
        engine.dispose()
