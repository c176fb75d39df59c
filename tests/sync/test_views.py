"""The Qt side: «Конфликты», «Отклонено сервером» and the sync controller, on a real server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QPushButton, QTableWidget

from desktop.views.record.employment_view import EmploymentView, employment_model
from desktop.views.record.record_store import RecordStore
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.runtime.workers import DbWorker
from desktop.views.sync.conflicts_view import ConflictsView
from desktop.views.sync.rejected_view import RejectedView
from desktop.views.sync.sync_controller import SyncController, status_text
from tests.sync.world import Org, Replica, stored


def _cell(table: QTableWidget, row: int, col: int) -> str:
    item = table.item(row, col)
    assert item is not None, (row, col)
    return item.text()


def _button(table: QTableWidget, name: str) -> QPushButton:
    button = table.findChild(QPushButton, name)
    assert button is not None, name
    return button


def pair(server: dict[str, Any], org: Org, tmp_path: Path, replicas: list[Replica],
         url: str | None = None) -> tuple[Replica, Replica, str, str]:
    db = server["db"]
    pid, eid = db.person(org)
    doc = Replica(tmp_path / "doc", url or server["url"])
    doc.adopt_session(db.session(db.account("doctor", person_id=pid)))
    hr = Replica(tmp_path / "hr", server["url"])
    hr.adopt_session(db.session(db.account("hr", org=org)))
    replicas += [doc, hr]
    doc.sync()
    hr.sync()
    return doc, hr, pid, eid


def test_conflicts_view_side_by_side_and_choice(qtbot, server, org, tmp_path, replicas) -> None:
    doc, hr, pid, _ = pair(server, org, tmp_path, replicas)
    doc.repo.edit("person", pid, {"birth_date": "1985-05-06", "email": "mine@example.ru"})
    hr.repo.edit("person", pid, {"birth_date": "1985-05-07", "email": "theirs@example.ru"})
    hr.sync()
    assert doc.sync().outcome == "waiting"
    view = ConflictsView(doc.repo)
    qtbot.addWidget(view)
    assert view.list.count() == 1 and view.table.rowCount() == 2
    texts = {_cell(view.table, r, 0): [_cell(view.table, r, c) for c in (1, 2, 3)]
             for r in range(view.table.rowCount())}
    assert texts["Дата рождения"] == ["05.05.1985", "06.05.1985", "07.05.1985"]
    with qtbot.waitSignal(view.decided):
        _button(view.table, "choose_mine_birth_date").click()
    _button(view.table, "choose_theirs_email").click()
    assert (view.list.count() == 0 and view.empty.isVisible() is False) or view.list.count() == 0
    assert doc.sync().outcome == "converged"
    hr.sync()
    row = stored(hr.repo, "person", pid)
    assert (row["birth_date"], row["email"]) == ("1985-05-06", "theirs@example.ru")


def test_rejected_view_fix_and_discard(qtbot, server, org, tmp_path, replicas) -> None:
    doc, _hr, pid, eid = pair(server, org, tmp_path, replicas)
    # A confirmed card: the server refuses a doctor. This app refuses it offline too; an edit queued
    # by an older version (without the local rule) still reaches the server.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("desktop.models.repository.get_role", lambda _conn: "admin")
        doc.repo.edit("employment", eid, {"rate": "0.5"})
    doc.repo.add("nmo", {"event_date": "2024-01-01", "kind": "iom", "title": "X", "credits": "1"})
    nmo = doc.repo.list("nmo")[0]["id"]
    with doc.vault.begin() as conn:  # make the server refuse the NMO too (status only it sets)
        from desktop.models.repository import table
        conn.execute(table("nmo").update().values(status="confirmed"))
    from desktop.models.tables import Outbox

    with doc.vault.begin() as conn:
        t = Outbox.__table__  # type: ignore[attr-defined]
        conn.execute(t.update().where(t.c.entity == "nmo").values(
            fields='{"event_date": "2024-01-01", "kind": "iom", "title": "X", "credits": "1", "status": "confirmed"}'))
    assert doc.sync().outcome == "waiting"
    view = RejectedView(doc.repo)
    qtbot.addWidget(view)
    assert view.table.rowCount() == 2
    assert all(_cell(view.table, r, 3) for r in range(2))
    by_entity = {it["entity"]: it for it in view.items}
    view.fix(by_entity["nmo"], {"status": "pending"})
    view.discard(by_entity["employment"]["id"])
    assert view.table.rowCount() == 0
    assert stored(doc.repo, "employment", eid)["rate"] == "1"
    assert doc.sync().outcome == "converged"
    assert server["db"].rows(pid)[nmo]["data"]["status"] == "pending"


def test_controller_debounce_status_and_reconnect(qtbot, server, org, tmp_path, replicas, proxy) -> None:
    doc, _hr, pid, _ = pair(server, org, tmp_path, replicas, url=proxy.url)
    ctl = SyncController(doc.vault, debounce_ms=50, probe_ms=100, period_ms=60_000,
                         engine_options={"timeout": 1.0, "max_attempts": 1})
    states: list[tuple[Any, str]] = []
    ctl.state_changed.connect(lambda online, text: states.append((online, text)))
    problems: list[tuple[str, str]] = []
    ctl.problem.connect(lambda text, action: problems.append((text, action)))
    proxy.offline = True
    doc.repo.edit("person", pid, {"email": "ctl@example.ru"})
    with qtbot.waitSignal(ctl.synced, timeout=10_000) as blocker:
        ctl.notify_edit()
    assert blocker.args[0]["outcome"] == "unreachable"
    assert problems[-1][1] == "retry"
    assert states[-1][0] is False and "1 изменение не отправлено" in states[-1][1]
    proxy.offline = False  # the probe notices and syncs on its own
    with qtbot.waitSignal(ctl.synced, timeout=10_000) as blocker:
        pass
    assert blocker.args[0]["outcome"] == "converged"
    assert states[-1][0] is True and "не отправлено" not in states[-1][1]
    assert server["db"].rows(pid)[pid]["data"]["email"] == "ctl@example.ru"


def _visible(view: EmploymentView) -> list[list[str]]:
    """What the person sees in the table (through the sorting proxy), row by row."""
    proxy = view.table.proxy
    return [[str(proxy.index(r, c).data() or "") for c in range(proxy.columnCount())]
            for r in range(proxy.rowCount())]


def test_store_reload_after_pull_updates_table_and_seniority(qtbot, server, org, tmp_path, replicas) -> None:
    """A pull changes an employment card behind the GUI's back: ``RecordStore.reload`` brings
    the new rows to the visible table and the стаж; tables the pull left alone are not reset."""
    doc, hr, _pid, eid = pair(server, org, tmp_path, replicas)
    doc.repo.add("nmo", {"event_date": "2024-01-01", "kind": "iom", "title": "Гипертензия", "credits": "2"})
    assert doc.sync().outcome == "converged"
    worker = DbWorker()
    try:
        store = RecordStore(worker, doc.repo, doc.folder, {})
        with qtbot.waitSignal(store.loaded, timeout=10_000):
            store.load(lambda exc: pytest.fail(str(exc)))
        view = EmploymentView(employment_model(store))
        nmo = RecordTableModel(store, "nmo")
        qtbot.addWidget(view)
        view.show()
        # the lists read their rows on the DB worker: wait for what the person sees
        qtbot.waitUntil(lambda: bool(_visible(view)) and "12.01.2015" in _visible(view)[0], timeout=10_000)
        qtbot.waitUntil(lambda: nmo.loaded, timeout=10_000)
        before = view.total_label.text()
        assert [r[-1] for r in _visible(view)] == [""] and "12.01.2015" in _visible(view)[0]
        resets: list[str] = []
        nmo.modelReset.connect(lambda: resets.append("nmo"))
        view.model.modelReset.connect(lambda: resets.append("employment"))
        view.table.table.selectionModel().setCurrentIndex(
            view.table.proxy.index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

        # Nothing new on the server: a reload changes nothing and resets nothing.
        with qtbot.waitSignal(store.reloaded, timeout=10_000) as got:
            store.reload()
        assert got.args == [[]] and resets == []

        # The clerk closes the card and moves its start; the doctor's replica pulls it.
        hr.repo.edit("employment", eid, {"begin_date": "2010-03-01", "end_date": "2012-03-01",
                                         "end_reason": "по собственному желанию"})
        assert hr.sync().outcome == "converged"
        report = doc.sync()
        assert report.outcome == "converged" and report.pulled >= 1
        assert view.total_label.text() == before  # the GUI does not read the vault by itself
        with qtbot.waitSignal(store.reloaded, timeout=10_000) as got:
            store.reload()
        assert got.args == [["employment"]]
        # the changed card arrives as a row update: no table is reset, НМО is not touched
        qtbot.waitUntil(lambda: "01.03.2010" in _visible(view)[0], timeout=10_000)
        assert resets == []
        row = _visible(view)[0]
        assert "01.03.2010" in row and "01.03.2012" in row
        assert view.total_label.text() == "Медицинский стаж: 2 л. 0 мес. 1 дн."
        assert view.total_label.text() != before
        assert nmo.rowCount() == 1
    finally:
        worker.stop()


def test_status_text() -> None:
    server = "http://127.0.0.1:8000"
    offline = status_text({"server": server, "pending": 2, "last_sync": ""}, False)
    assert offline == "Нет связи · 2 изменения не отправлены · синхронизировано: не было"
    online = status_text({"server": server, "conflicts": 1, "last_sync": "2026-11-21T10:00:00+00:00"}, True)
    assert online.startswith("В сети · 1 конфликт")
    # A profile that never logged in is never «В сети», whatever the probe said.
    never = status_text({"pending": 2, "last_sync": ""}, True)
    assert never.startswith("Вход на сервер не выполнен") and "В сети" not in never


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
