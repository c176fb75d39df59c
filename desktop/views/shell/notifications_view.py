"""«Уведомления»: expiry reminders and the НМО shortfall, computed from the record in memory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from desktop.documents.nmo import cycle_totals, rule_from_settings
from desktop.i18n import N_, tr
from desktop.models.reminders import Reminder, reminders
from desktop.views.record.record_store import RecordStore
from desktop.views.widgets import theme

Index = QModelIndex | QPersistentModelIndex
WATCHED = ("certificate", "accreditation", "category", "nmo")


class NotificationsModel(QAbstractTableModel):
    HEADERS = (N_("Что"), N_("Специальность"), N_("Срок"), N_("Состояние"))

    def __init__(self, store: RecordStore) -> None:
        super().__init__(store)
        self.store = store
        self._items: list[Reminder] = []
        self.nmo_short: Decimal = Decimal(0)
        #: reminders other sections add (the signing certificate of «Документы»), by key
        self.extra: dict[str, Reminder] = {}
        store.changed.connect(self._store_changed)  # bound: Qt disconnects it when this model goes
        self.reload()

    def _store_changed(self, entity: str) -> None:
        if entity in WATCHED:
            self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        today = dt.date.today()
        steps = [int(x) for x in self.store.settings.get("reminder_days", [90, 30, 7])]
        record = {e: self.store.rows(e) for e in WATCHED}
        self._items = sorted([*reminders(record, self.store.nsi, today, steps), *self.extra.values()],
                             key=lambda r: r.days_left) if self.store.is_loaded else []
        t = cycle_totals(self.store.rows("nmo"), self.store.rows("accreditation"),
                         rule_from_settings(self.store.settings), today)
        self.nmo_short = t.missing_total if self.store.is_loaded else Decimal(0)
        self.endResetModel()

    def set_extra(self, key: str, reminder: Reminder | None) -> None:
        if reminder is None:
            self.extra.pop(key, None)
        else:
            self.extra[key] = reminder
        self.reload()

    def item(self, row: int) -> Reminder | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._items)):
            return None
        r = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (tr(r.what), r.specialty, r.due.strftime("%d.%m.%Y"), r.text())[index.column()]
        # Both colours from one tone: a light row never carries a dark palette's white text.
        if role == Qt.ItemDataRole.BackgroundRole:
            return theme.row_colors(r.level)[0]
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.row_colors(r.level)[1]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return tr(self.HEADERS[section])
        return None


class NotificationsView(QWidget):
    def __init__(self, model: NotificationsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        hint = QLabel(tr("Напоминания о сроках действия сертификатов, аккредитации и категорий "
                         "(за 90, 30 и 7 дней) и о баллах НМО."))
        hint.setWordWrap(True)
        self.nmo_label = QLabel()
        self.nmo_label.setWordWrap(True)
        self.empty_label = QLabel(tr("Нет напоминаний: все документы действительны."))
        self.table = QTableView()
        self.table.setObjectName("table_notifications")
        self.table.setModel(model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.nmo_label)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        model.modelReset.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.empty_label.setVisible(self.model.rowCount() == 0)
        if self.model.nmo_short > 0:
            self.nmo_label.setText(tr("НМО: до требуемого объёма в текущем цикле не хватает {n} ЗЕТ.").format(
                n=format(self.model.nmo_short.normalize(), "f").replace(".", ",")))
            self.nmo_label.setStyleSheet(theme.banner_style("warning"))
            self.nmo_label.show()
        else:
            self.nmo_label.hide()

    def count(self) -> int:
        return self.model.rowCount()
