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
