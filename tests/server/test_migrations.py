"""Migrations run from code on both databases; 0002 and 0008 backfill the staff-list copies."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from server.db import make_engine
from server.migrate import alembic_config, upgrade
from tests.server.conftest import _drop_pg_database, _fresh_pg_database, pg_base_url


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_from_0001_backfills_staff_columns(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url, base = f"sqlite:///{tmp_path / 'm.sqlite3'}", ""
    else:
        base = pg_base_url() or ""
        url = _fresh_pg_database(base)
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.commit()
        pid, eid, draft = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        rec = sa.table("record", *(sa.column(c) for c in (
            "id", "entity", "person_id", "version", "deleted", "data", "field_versions", "field_clients", "seq",
            "org_inn", "sort_name", "snils", "updated_at")))
        with engine.begin() as c:
            c.execute(sa.insert(rec), [
                {"id": pid, "entity": "person", "person_id": pid, "version": 1, "deleted": False,
                 "data": json.dumps({"snils": "12845673989"}), "field_versions": "{}", "field_clients": "{}",
                 "seq": 1, "org_inn": None, "sort_name": "иванова мария", "snils": "12845673989", "updated_at": 0},
                {"id": eid, "entity": "employment", "person_id": pid, "version": 1, "deleted": False,
                 "data": json.dumps({"begin_date": "2020-01-02", "org_inn": "7702123454", "status": "confirmed"}),
                 "field_versions": "{}", "field_clients": "{}", "seq": 2, "org_inn": "7702123454", "sort_name": None,
                 "snils": None, "updated_at": 0},
                # 0008: a card nobody confirmed is not the organization's (docs/security.md)
                {"id": draft, "entity": "employment", "person_id": pid, "version": 1, "deleted": False,
                 "data": json.dumps({"begin_date": "2019-01-02", "org_inn": "7702123454", "status": "draft"}),
                 "field_versions": "{}", "field_clients": "{}", "seq": 3, "org_inn": "7702123454", "sort_name": None,
                 "snils": None, "updated_at": 0}])
        engine.dispose()
        upgrade(url)
        upgrade(url)  # idempotent
        engine = make_engine(url)
        with engine.connect() as c:
            row = c.execute(sa.text("SELECT sort_name, snils, begin_date FROM record WHERE id = :i"), {"i": eid}).one()
            assert tuple(row) == ("иванова мария", "12845673989", "2020-01-02")
            entry = c.execute(sa.text("SELECT org_inn, person_id, begin_date, cards, positions FROM staff_entry")).all()
            assert [tuple(e) for e in entry] == [("7702123454", pid, "2020-01-02", 1, ",")]
            cards = c.execute(sa.text("SELECT id, status FROM record WHERE entity = 'employment'")).all()
            statuses: dict[str, str] = {str(r[0]): str(r[1]) for r in cards}
            assert statuses == {eid: "confirmed", draft: "draft"}
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            assert c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == head
        engine.dispose()
    finally:
        if backend == "postgresql":
            _drop_pg_database(base, url)
