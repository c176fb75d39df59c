"""The roles whose sections live on the server — the manager's «Показатели» and the registry
operator's console — in English over a real frmr-server with data (issue 16, item 10): every
section opened, every widget read, no Russian except record data (the vault's and the server's
own stored texts) and НСИ names. The offline walk is tests/gui/test_english_walk.py."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.i18n import set_language
from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault
from desktop.views.shell.session import Session
from server.testing import run_server
from tests.gui.test_english_walk import _report, english, walk
from tests.hr.conftest import PASS, frmr, new_profile
from tests.reports.test_cli import add_rows
from tests.sync.world import PASSWORD, ServerDb

__all__ = ["english"]  # the fixture: English before the window is built


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    path = tmp_path_factory.mktemp("server") / "server.sqlite3"
    url = f"sqlite:///{path}"
    with run_server(url) as base:
        db = ServerDb(url)
        yield {"url": base, "db": db, "path": path}
        db.close()


def server_texts(path: Path) -> set[str]:
    """Every text the server stores (people, organizations, programmes, comments …): record data."""
    out: set[str] = set()
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                for v in row:
                    if isinstance(v, str) and v and len(v) < 5000:
                        out.add(v)
                        if v.startswith(("{", "[")):
                            try:
                                out.update(_strings(json.loads(v)))
                            except ValueError:
                                pass
    finally:
        con.close()
    return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_connected_roles_in_english(qtbot: QtBot, english: None, session: Session, profiles: Path,
                                    server: dict[str, Any], role: str) -> None:
    db: ServerDb = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    db.person(org)
    add_rows(db, pid, ("application", {"kind": "periodic", "specialty_code": "36", "status": "submitted",
                                       "submitted_at": "2026-11-01",
                                       "confirmation_number": f"А-2026-{uuid.uuid4().int % 900000 + 100000}"}),
             ("nmo", {"kind": "event", "title": "Конференция терапевтов", "credits": "6",
                      "event_date": "2026-03-01", "status": "pending"}))
    login = db.account(role, org=org if role == "manager" else None)
    prof = new_profile(profiles, f"{role}-{uuid.uuid4().hex[:6]}")
    cp = frmr(prof, "login", "--server", server["url"], "--username", login, "--password", PASSWORD)
    assert cp.returncode == 0, cp.stderr
    set_language("en")  # frmr ran in this process and set its own language (Russian)
    vault = Vault.open(prof, PASS)
    try:
        RecordRepository(vault, user="tester").record_consent()  # as the first start records it
    finally:
        vault.close()
    found = walk(qtbot, session, prof, lambda: server_texts(server["path"]) | {prof.name}, passphrase=PASS,
                 settle_ms=1200)
    assert not found, _report(found)
