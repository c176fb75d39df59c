"""Keyboard-only use: sections by Ctrl+digit, Ctrl+N / F2 / Enter / Escape / Del in tables."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from desktop.views.widgets.entity_table import EntityTableView
from desktop.views.widgets.record_dialog import RecordDialog


def _table(opened: Session, title: str) -> EntityTableView:
    page = opened.window.current_page()
    assert isinstance(page, RecordPage)
    view = page.select(title)
    table = view.table  # type: ignore[attr-defined]
    assert isinstance(table, EntityTableView)
    return table


def test_sections_by_keyboard(qtbot: QtBot, opened: Session) -> None:
    page = opened.window.current_page()
    assert isinstance(page, RecordPage)
    opened.window.activateWindow()
    qtbot.waitUntil(opened.window.isActiveWindow, timeout=2000)  # shortcuts need the active window
    page.nav.setFocus()
    qtbot.keyClick(page.nav, Qt.Key.Key_Down)
    assert page.stack.currentIndex() == 1
    # Ctrl+N opens the N-th section of the list (whatever the role's list holds).
    n = page.titles.index("Трудовая деятельность") + 1
    assert n <= 9
    qtbot.keyClick(page.nav, getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.ControlModifier)
    assert page.titles[page.stack.currentIndex()] == "Трудовая деятельность"


def test_table_shortcuts(qtbot: QtBot, opened: Session) -> None:
    table = _table(opened, "Образование")
    opened.window.activateWindow()
    opened.window.activateWindow()
    qtbot.waitUntil(opened.window.isActiveWindow, timeout=2000)
    table.table.setFocus()
    qtbot.waitUntil(table.table.hasFocus, timeout=2000)
    n = table.model.rowCount()
    # Ctrl+N opens an empty form with focus in the first field; Escape closes it.
    qtbot.keyClick(table.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = table.dialog
    assert isinstance(dialog, RecordDialog) and dialog.isVisible() and dialog.row_id is None
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    # F2 edits the current row; Enter in a line edit saves (no change -> closes).
    table.table.setFocus()
    table.table.setCurrentIndex(table.proxy.index(0, 0))
    qtbot.keyClick(table.table, Qt.Key.Key_F2)
    dialog = table.dialog
    assert dialog.isVisible() and dialog.row_id == table.current_row()["id"]  # type: ignore[index]
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)  # else the key goes to the table's shortcut
    inst = dialog.form.editors["institution"]
    inst.setFocus()
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        qtbot.keyClick(inst, Qt.Key.Key_Return)
    # Enter on the table opens the edit form too.
    opened.window.activateWindow()
    qtbot.waitUntil(opened.window.isActiveWindow, timeout=2000)
    table.table.setFocus()
    qtbot.keyClick(table.table, Qt.Key.Key_Return)
    assert table.dialog.isVisible()
    qtbot.keyClick(table.dialog, Qt.Key.Key_Escape)
    # Del asks first; Escape keeps the row.
    opened.window.activateWindow()
    qtbot.waitUntil(opened.window.isActiveWindow, timeout=2000)
    table.table.setFocus()
    qtbot.keyClick(table.table, Qt.Key.Key_Delete)
    box = table.confirm_box
    assert box.isVisible()
    assert box.defaultButton().text() == "Отмена"  # Enter must not delete by accident
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    QApplication.processEvents()
    assert table.model.rowCount() == n


def test_tab_order_in_form(qtbot: QtBot, opened: Session) -> None:
    table = _table(opened, "НМО")
    table.add()
    dialog = table.dialog
    editors = list(dialog.form.editors.values())
    first = editors[0]
    assert first.hasFocus() or QApplication.focusWidget() is first or dialog.focusWidget() is first
    # Tab walks the fields in schema order.
    assert first.nextInFocusChain() is not None
    seen = []
    w: QWidget | None = first
    for _ in range(len(editors) * 4):
        assert w is not None
        w = w.nextInFocusChain()
        if w in editors and w not in seen:
            seen.append(w)
    assert seen[: len(editors) - 1] == editors[1:]
    dialog.reject()
