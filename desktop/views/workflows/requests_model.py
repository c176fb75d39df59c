"""The «Запросы» table: the vault's requests filtered, sorted by any column and paged — in
memory (a person's requests are tens, an organization's hundreds), from the store's snapshot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.i18n import N_, tr
from desktop.models.formatting import fmt_date
from desktop.models.schema import REQUEST_STATUS
from desktop.models.workflows.request_files import request_attachments
from desktop.views.record.record_store import RecordStore

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (("org_name", "Организация"), ("kind", "Тип"), ("received_at", "Получен"), ("status", "Статус"),
           ("_files", N_("Вложения")), ("_answers", N_("Ответы")))
STATUS_ORDER = {"new": 0, "acknowledged": 1, "answered": 2, "closed": 3}


class RequestsModel(QAbstractTableModel):
    def __init__(self, store: RecordStore, page_size: int = 50) -> None:
        super().__init__(store)
        self.store = store
        self.page_size = page_size
        self.page = 0
        self.status: str | None = None
        self.kind = ""
        self.days: int | None = None
        self.sort_column = 2
        self.descending = True
        #: request id -> how many answers of this workstation wait or were refused
        self.answers: dict[str, int] = {}
        self._all: list[dict[str, Any]] = []
        self._rows: list[dict[str, Any]] = []
        store.changed.connect(self._store_changed)
        self.refilter()

    def _store_changed(self, entity: str) -> None:
        if entity == "request":
            self.refilter()

    # -- filters, sort, pages ----------------------------------------------------------------
    def refilter(self) -> None:
        today = dt.date.today()
        rows = []
        for r in self.store.rows("request"):
            if self.status and r.get("status") != self.status:
                continue
            if self.kind and self.kind.casefold() not in str(r.get("kind") or "").casefold():
                continue
            if self.days is not None and str(r.get("received_at") or "") < (
                    today - dt.timedelta(days=self.days)).isoformat():
                continue
            rows.append(r)
        key = COLUMNS[self.sort_column][0]

        def sort_key(r: dict[str, Any]) -> Any:
            if key == "status":
                return STATUS_ORDER.get(str(r.get("status")), 9)
            if key == "_answers":
                return self.answers.get(str(r["id"]), 0)
            if key == "_files":
                return len(request_attachments(r))
            return str(r.get(key) or "").casefold()

        rows.sort(key=sort_key, reverse=self.descending)
        self._all = rows
        self.page = min(self.page, max(0, self.pages() - 1))
        self.beginResetModel()
        self._rows = rows[self.page * self.page_size:(self.page + 1) * self.page_size]
        self.endResetModel()

    def pages(self) -> int:
        return max(1, -(-len(self._all) // self.page_size))

    def total(self) -> int:
        return len(self._all)

    def set_page(self, page: int) -> None:
        self.page = max(0, min(page, self.pages() - 1))
        self.refilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = column
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.refilter()

    # -- Qt ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section][1])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if key == "received_at":
            return fmt_date(r.get("received_at"))
        if key == "status":
            return tr(REQUEST_STATUS.get(str(r.get("status")), str(r.get("status") or "")))
        if key == "_answers":
            n = self.answers.get(str(r["id"]), 0)
            return tr("ждёт отправки: {n}").format(n=n) if n else ""
        if key == "_files":
            n = len(request_attachments(r))
            return f"📎 {n}" if n else ""
        return str(r.get(key) or "")

    def row(self, n: int) -> dict[str, Any] | None:
        return self._rows[n] if 0 <= n < len(self._rows) else None
