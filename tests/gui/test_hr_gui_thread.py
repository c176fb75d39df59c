"""The HR workspace runs no SQL on the GUI thread: every statement on the vault's connections is
traced with its thread while the clerk unlocks, searches, sorts, filters, opens a person, saves
a card, reads «Сроки» and «Подтверждение трудоустройства», and locks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.views.hr.staff_view import StaffView
from desktop.views.shell.session import Session
from tests.gui.conftest import unlock, wait_worker_idle
from tests.gui.hr_vault import PASS, make_hr_vault
from tests.gui.test_gui_thread_sql import _Statements, statements  # noqa: F401 - the tracing fixture


def test_no_sql_on_the_gui_thread_in_the_hr_workspace(qtbot: QtBot, session: Session, profiles: Path,
                                                      statements: _Statements) -> None:  # noqa: F811
    folder = make_hr_vault(profiles, 200)
    statements.armed = True
    session.start(folder)
    unlock(qtbot, session, PASS)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    view = session.views["staff"]
    assert isinstance(view, StaffView)
    m = view.model
    qtbot.waitUntil(lambda: m.loaded and m.rowCount() == 200, timeout=10_000)
    view.search.setText("ова")
    qtbot.waitUntil(lambda: m.query.search == "ова" and not m._busy, timeout=10_000)
    view.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    view.f_state.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not m._busy and m.query.state == "active", timeout=10_000)
    view.table.selectRow(0)
    card = view.open_current()
    assert card is not None
    qtbot.waitUntil(lambda: card.data is not None and card.org is not None, timeout=10_000)
    assert card.data is not None
    dialog = card._card_dialog(None, {"position_code": "4", "begin_date": "01.02.2024"})
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    for section in ("deadlines", "confirmations"):
        page.select(section)
    wait_worker_idle(qtbot, session)
    qtbot.wait(200)
    card.close()
    session.lock()
    wait_worker_idle(qtbot, session)
    assert statements.total > 0
    assert statements.on_gui == []
