"""A read-only table model over rows of values: the dashboards' tables (issue 15).

A QTableWidget makes one item object per cell on the GUI thread — 2,000 of them for the 500-row
expiry list, most of the ~50 ms the dashboard's GUI thread was blocked for. Here the rows are
held as they came from the op and only the cells on screen are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

Index = QModelIndex | QPersistentModelIndex
#: rows looked at when sizing a table's columns
SIZE_ROWS = 50
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def fmt(v: float) -> str:
    return f"{v:g}".replace(".", ",")


class RowsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.header: list[str] = []
        self.rows: Sequence[Sequence[Any]] = []

    def set_rows(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.beginResetModel()
        self.header = [str(h) for h in header]
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.header)

    def cell(self, row: int, column: int) -> Any:
        """The value of a shown row's cell ("" past the row's end)."""
        cells = self.rows[row]
        return cells[column] if column < len(cells) else ""

    def text(self, row: int, column: int) -> str:
        v = self.cell(row, column)
        return fmt(v) if isinstance(v, float) else str(v)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            v = self.cell(index.row(), index.column())
            return int(_RIGHT) if isinstance(v, int | float) and not isinstance(v, bool) else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.header):
            return self.header[section]
        return None


class RowsTable(QTableView):
    """A read-only table of a ``RowsModel``; ``show_rows`` replaces its rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows_model = RowsModel()
        self.setModel(self.rows_model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setResizeContentsPrecision(SIZE_ROWS)
        self.stretch = 0

    def show_rows(self, header: Sequence[str], rows: Sequence[Sequence[Any]], *, stretch: int = 0,
                  fit: bool = False, size: bool = True) -> None:
        """The rows; ``size``: column widths now (from the header and the first rows only),
        else at ``size_columns``; ``fit``: as tall as its rows (no inner scrolling)."""
        self.stretch = stretch
        self.setUpdatesEnabled(False)
        try:
            self.rows_model.set_rows(header, rows)
            if size:
                self.size_columns()
            if fit:
                hh = self.horizontalHeader()
                height = hh.sizeHint().height() + self.verticalHeader().defaultSectionSize() * len(rows)
                self.setFixedHeight(height + 2 * self.frameWidth() + 2)
        finally:
            self.setUpdatesEnabled(True)

    def size_columns(self) -> None:
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.resizeColumnsToContents()
        n = self.rows_model.columnCount()
        if n:
            hh.setSectionResizeMode(min(self.stretch, n - 1), QHeaderView.ResizeMode.Stretch)

    def cell(self, row: int, column: int) -> str:
        return self.rows_model.text(row, column)
