"""«Подтверждение трудоустройства» offline on a real vault: with no server the view says why and
shows the last list kept; decisions on several requests at once are queued as actions (sent at
the next sync), a rejection without a reason is refused when the checks found nothing, and the
same decision twice is not queued twice."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtWidgets import QTableWidgetSelectionRange
from pytestqt.qtbot import QtBot

from desktop.models.repository import RecordRepository
from desktop.models.staff_requests import remember_confirmations
from desktop.sync.actions import list_actions
from desktop.views.hr.confirmations_view import ConfirmationsView
from desktop.views.shell.session import Session
from tests.gui.conftest import wait_worker_idle
from tests.gui.test_hr_workspace import open_hr


def item(n: int, errors: list[str] | None = None) -> dict[str, object]:
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"conf-{n}")), "status": "pending", "doc_date": "2026-01-10",
            "person": {"last_name": f"Работникова{n}", "first_name": "Анна", "snils": "11223344595"},
            "card": {"org_name": "ГБУЗ «ГКБ № 1»", "begin_date": "2020-01-01"}, "errors": errors or []}


def test_offline_list_and_decisions(qtbot: QtBot, session: Session, profiles: Path) -> None:
    open_hr(qtbot, session, profiles)
    page = session.window.record
    assert page is not None and "confirmations" in page.ids
    page.select("confirmations")
    view = session.views["confirmations"]
    assert isinstance(view, ConfirmationsView)
    qtbot.waitUntil(lambda: "Сервер не задан" in view.note.text(), timeout=10_000)
    assert "Списка ещё нет" in view.note.text() and view.table.rowCount() == 0
    store = session.store
    assert store is not None
    items = [item(1), item(2), item(3, ["Дата документа позже даты начала"])]
    store.worker.submit(lambda: remember_confirmations(store.repo, items))
    wait_worker_idle(qtbot, session)
    view.reload()
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=10_000)
    assert "Показан список от" in view.note.text()
    # a rejection without a reason: refused when the checks found nothing
    view.table.selectRow(0)
    assert view.decide("reject", "") is None and "причину" in view.status.text()
    # two at once
    view.table.clearSelection()
    view.table.setRangeSelected(QTableWidgetSelectionRange(0, 0, 1, 5), True)
    assert len(view.selected()) == 2
    op = view.decide("confirm")
    assert op is not None
    qtbot.waitUntil(lambda: "в очередь: 2" in view.status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "ждёт отправки" in (getattr(view.table.item(0, 5), "text", lambda: "")()),
                    timeout=10_000)
    queued = [a for a in list_actions(RecordRepository(store.repo.vault)) if a["entity"] == "confirmation"]
    assert len(queued) == 2
    # the same decision again is not queued twice
    view.table.selectRow(0)
    view.decide("confirm")
    qtbot.waitUntil(lambda: "в очередь: 0" in view.status.text(), timeout=10_000)
    # the request whose checks found problems may be rejected without a reason
    view.table.selectRow(2)
    view.decide("reject", "")
    qtbot.waitUntil(lambda: "в очередь: 1" in view.status.text(), timeout=10_000)
