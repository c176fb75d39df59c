"""Every table model passes Qt's model tester, filled with the demo record and emptied."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.models.schema import ENTITIES
from desktop.views.record.employment_view import employment_model
from desktop.views.record.record_table_model import SORT_ROLE, RecordTableModel
from desktop.views.shell.notifications_view import NotificationsModel
from desktop.views.shell.session import Session
from desktop.views.widgets.entity_table import EntityTableView


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_record_table_model(qtmodeltester, qtbot: QtBot, opened: Session, entity: str) -> None:  # type: ignore[no-untyped-def]
    assert opened.store is not None
    model = RecordTableModel(opened.store, entity)
    qtbot.waitUntil(lambda: model.loaded, timeout=5000)  # the list is read on the DB worker
    qtmodeltester.check(model)
    if entity != "document":
        assert model.rowCount() > 0
    model.reload()
    qtmodeltester.check(model)


def test_employment_model_with_overlap_column(qtmodeltester, qtbot: QtBot, opened: Session) -> None:  # type: ignore[no-untyped-def]
    assert opened.store is not None
    model = employment_model(opened.store)
    qtbot.waitUntil(lambda: model.loaded, timeout=5000)
    qtmodeltester.check(model)
    last = model.columnCount() - 1
    assert model.headerData(last, Qt.Orientation.Horizontal) == "Пересечение периодов"
    flags = [model.index(r, last).data() for r in range(model.rowCount())]
    assert any(flags) and not all(flags)  # the demo has overlapping and clean cards


def test_notifications_model(qtmodeltester, opened: Session) -> None:  # type: ignore[no-untyped-def]
    assert opened.store is not None
    model = NotificationsModel(opened.store)
    qtmodeltester.check(model)
    assert model.rowCount() >= 1  # the demo certificate has expired
    assert any("истёк" in str(model.index(r, 3).data()) for r in range(model.rowCount()))


def test_models_empty_after_clear(qtmodeltester, opened: Session) -> None:  # type: ignore[no-untyped-def]
    store = opened.store
    assert store is not None
    models = [RecordTableModel(store, e) for e in ENTITIES] + [NotificationsModel(store)]
    store.clear()
    for m in models:
        assert m.rowCount() == 0
        qtmodeltester.check(m)


def test_sort_by_date_is_chronological_and_filter_narrows(qtbot: QtBot, opened: Session) -> None:
    assert opened.store is not None
    model = RecordTableModel(opened.store, "nmo")
    view = EntityTableView(model)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: model.loaded, timeout=5000)
    proxy = view.proxy  # the model itself: sort and search run in the vault
    date_col = [f.name for f in model.columns].index("event_date")
    view.table.sortByColumn(date_col, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: model.sort_column() == date_col and not model._busy, timeout=5000)
    isos = [proxy.index(r, date_col).data(SORT_ROLE) for r in range(proxy.rowCount())]
    assert isos == sorted(isos)
    total = proxy.rowCount()
    # The search waits for a pause in typing, then runs in the vault.
    view.filter.setText("пневмония")
    qtbot.waitUntil(lambda: 0 < proxy.rowCount() < total, timeout=5000)
    view.filter.setText("ПОРТАЛ нмо")  # case-insensitive, any column
    qtbot.waitUntil(lambda: model.query.search == "ПОРТАЛ нмо" and not model._busy, timeout=5000)
    assert 0 < proxy.rowCount() < total
    view.filter.clear()
    qtbot.waitUntil(lambda: proxy.rowCount() == total, timeout=5000)
