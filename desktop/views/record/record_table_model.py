"""A table of one entity's rows, columns taken from the schema (``FieldSpec.column``).

Rows live in memory (copied from the ``RecordStore`` when it says the entity changed);
``data()`` only formats what it already holds. Extra computed columns (the overlap reason
in «Трудовая деятельность») come from a callback run once per reload, not per cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.i18n import tr
from desktop.models.formatting import display, sort_key
from desktop.models.schema import ENTITIES, FieldSpec
from desktop.views.record.record_store import RecordStore

Index = QModelIndex | QPersistentModelIndex
#: rows -> {row id: text} for one extra column
Extra = Callable[[list[dict[str, Any]]], dict[str, str]]

ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class RecordTableModel(QAbstractTableModel):
    def __init__(self, store: RecordStore, entity: str, *, extra_title: str | None = None,
                 extra: Extra | None = None, order_by: str | None = None) -> None:
        super().__init__(store)
        self.store = store
        self.entity = entity
        self.spec = ENTITIES[entity]
        self.columns: list[FieldSpec] = [f for f in self.spec.fields if f.column]
        self._extra_title = extra_title
        self._extra = extra
        self._order_by = order_by
        self._rows: list[dict[str, Any]] = []
        self._extra_values: dict[str, str] = {}
        store.changed.connect(self._on_changed)
        self.reload()

    def _on_changed(self, entity: str) -> None:
        if entity == self.entity:
            self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        rows = list(self.store.rows(self.entity))
        if self._order_by:
            key = self._order_by
            rows.sort(key=lambda r: str(r.get(key) or ""), reverse=True)
        self._rows = rows
        self._extra_values = self._extra(rows) if self._extra and rows else {}
        self.endResetModel()

    # -- access for views ------------------------------------------------------------------
    def row_at(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, row_id: str) -> int:
        for i, r in enumerate(self._rows):
            if r.get("id") == row_id:
                return i
        return -1

    def all_rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def extra_value(self, row_id: str) -> str:
        return self._extra_values.get(row_id, "")

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.columns) + (1 if self._extra_title else 0)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if col >= len(self.columns):
            text = self._extra_values.get(str(row.get("id")), "")
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE):
                return tr(text) if role != SORT_ROLE else text
            if role == ROW_ID_ROLE:
                return row.get("id")
            return None
        spec = self.columns[col]
        value = row.get(spec.name)
        if role == Qt.ItemDataRole.DisplayRole:
            return display(spec, value, self.store.nsi)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = display(spec, value, self.store.nsi)
            return text if len(text) > 30 else None
        if role == SORT_ROLE:
            return sort_key(spec, value)
        if role == ROW_ID_ROLE:
            return row.get("id")
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.kind in ("decimal", "int"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(self.columns):
            return tr(self.columns[section].label)
        if section == len(self.columns) and self._extra_title:
            return tr(self._extra_title)
        return None
