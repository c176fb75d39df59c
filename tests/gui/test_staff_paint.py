"""A search keystroke in «Сотрудники» costs the GUI thread one paint of the rows (issue 13: no
GUI stall over 30 ms): the new list is laid out as it arrives, not painted first and painted
again a turn later for the scroll bar's new range; and a row's texts follow the row."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from pytestqt.qtbot import QtBot

from desktop.views.shell.session import Session
from tests.gui.test_hr_workspace import names, open_hr


class Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_search_paints_the_rows_once(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    m = view.model
    surname = names(view, qtbot)[150].split()[0]
    qtbot.wait(300)  # the first screen painted and settled
    paints = Paints()
    view.table.viewport().installEventFilter(paints)
    for term in (surname[:4], ""):
        paints.count = 0
        view.search.setText(term)
        qtbot.waitUntil(lambda t=term: m.query.search == t and not m._busy, timeout=5_000)  # type: ignore[misc]
        qtbot.wait(300)  # anything a later turn of the loop would still paint
        assert 0 < m.rowCount() <= 300
        assert paints.count == 1, f"{paints.count} paints of the rows after the search {term!r}"
    view.table.viewport().removeEventFilter(paints)


def test_a_changed_row_shows_its_new_texts(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    m = view.model
    names(view, qtbot)
    first = m.index(0, 0)
    before = m.data(first)
    row = m.row_at(0)
    assert row is not None and before == row.fio
    # what a row-level re-read does with a person whose name changed: a new row, a repaint
    m._rows[m.row_ids[0]] = replace(row, last_name="Переименованная", first_name="Анна", patronymic="")
    m.dataChanged.emit(first, m.index(0, m.columnCount() - 1))
    assert m.data(first) == "Переименованная Анна"
    assert m.data(first, Qt.ItemDataRole.UserRole + 1) == row.id
    assert m.data(first, Qt.ItemDataRole.DecorationRole) is None
