"""A search in «Сотрудники» narrows the list it was typed over (issue 13: a keystroke → results
≤ 100 ms): the matches are read unordered and kept in the order of the list without the search
— the same rows in the same order as the full query, for every sort, filter and organization."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.demo import ORG_GKB
from desktop.models import staff_list as sl
from desktop.models.repository import RecordRepository
from desktop.views.shell.session import Session
from tests.gui.hr_vault import hr_connection
from tests.gui.test_hr_workspace import names, open_hr

DAY = "2026-12-02"


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, RecordRepository]]:
    with hr_connection(tmp_path_factory.mktemp("hr"), 300) as c:
        yield c


@pytest.mark.parametrize("query", [
    sl.StaffQuery(org_inn=ORG_GKB["org_inn"]),
    sl.StaffQuery(org_inn=None, descending=True),
    sl.StaffQuery(org_inn=ORG_GKB["org_inn"], sort="subdivisions"),
    sl.StaffQuery(org_inn=ORG_GKB["org_inn"], sort="rate", descending=True, state="active"),
    sl.StaffQuery(org_inn=ORG_GKB["org_inn"], state="dismissed"),
])
def test_narrowed_equals_the_full_query(conn: tuple[Any, RecordRepository], query: sl.StaffQuery) -> None:
    raw, repo = conn
    nsi = repo.nsi()
    base = sl.fetch_ids(raw, query, nsi, DAY)
    rows = sl.fetch_rows(raw, base[:40], query.org_inn, DAY)
    some = next(iter(rows.values()))
    terms = ["а", "Ив", some.last_name[:4], some.snils.replace("-", "")[-5:], "врач", "терап", "нет-такого", "0"]
    for term in terms:
        q = replace(query, search=term)
        assert sl.narrow(raw, q, nsi, base, DAY) == sl.fetch_ids(raw, q, nsi, DAY), term


def test_the_list_narrows_what_it_showed_and_follows_a_write(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    m = view.model
    shown = names(view, qtbot)
    assert m._base is not None and list(m._base[1]) == m.row_ids  # the list without a search, kept
    surname = shown[100].split()[0]
    view.search.setText(surname[:4])
    qtbot.waitUntil(lambda: m.query.search == surname[:4] and not m._busy and m.loaded, timeout=5_000)
    repo = session.store.repo if session.store is not None else None
    assert repo is not None
    with repo.vault.read() as c:
        c.exec_driver_sql("SELECT 1")
        raw: Any = c.connection.dbapi_connection
        full = sl.fetch_ids(raw, m.query, repo.nsi())
    assert m.row_ids == full and 0 < len(full) < 300
    m.reload()  # a write (a sync, a save): the kept list may be stale, so it goes
    assert m._base is None
    qtbot.waitUntil(lambda: not m._busy, timeout=5_000)
    assert m.row_ids == full
    # a list read under way when a write comes is shown, but not kept as the base of a search
    view._timer.stop()
    m.update_query(search="")
    assert m._busy
    m.reload()
    qtbot.waitUntil(lambda: not m._busy and m._base is not None, timeout=5_000)
    with repo.vault.read() as c:
        c.exec_driver_sql("SELECT 1")
        raw = c.connection.dbapi_connection
        assert m._base is not None and list(m._base[1]) == sl.fetch_ids(raw, m.query, repo.nsi())
    # the search cleared again: the kept list itself, in order
    m.update_query(search=surname[:4])
    qtbot.waitUntil(lambda: not m._busy and m.query.search == surname[:4], timeout=5_000)
    kept = list(m._base[1])
    m.update_query(search="")
    qtbot.waitUntil(lambda: not m._busy and m.rowCount() == 300, timeout=5_000)
    assert m.row_ids == kept and len(kept) == 300
