"""What both long-list models share (``IdTableModel`` for record rows, ``StaffModel`` for the
«Сотрудники» list): the list is a sequence of rowids with the rows fetched so far, and a fresh
read of it is applied with row-level signals from a ``listing.Plan``, never a reset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex

from desktop.models.listing import Plan


class IdListModel(QAbstractTableModel):
    _ids: list[int]
    _rows: dict[int, Any]

    def _apply_plan_rows(self, plan: Plan, fresh: Mapping[int, Any]) -> None:
        """Remove the plan's runs (last first), then insert its new runs with their rows from
        ``fresh`` (first first); each as one ``rowsRemoved``/``rowsInserted``."""
        root = QModelIndex()
        for a, b in plan.removals:
            self.beginRemoveRows(root, a, b)
            for x in self._ids[a:b + 1]:
                self._rows.pop(x, None)
            del self._ids[a:b + 1]
            self.endRemoveRows()
        for at, chunk in plan.insertions:
            for x in chunk:
                if x in fresh:
                    self._rows[x] = fresh[x]
            self.beginInsertRows(root, at, at + len(chunk) - 1)
            self._ids[at:at] = chunk
            self.endInsertRows()
