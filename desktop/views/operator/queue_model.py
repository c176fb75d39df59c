"""The operator's queue as a model (issue 15: 10,000 applications filter in ≤ 100 ms).

The rows arrive once from the server (an op in the pool): each row's cells as shown, its id and
its folded search text are kept here. A typed filter is a list of row positions, found by one
substring test per row; the view then asks only for the cells on screen. A QTableWidget made an
item object per cell on the GUI thread for every keystroke — 60,000 of them for 10,000 rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from desktop.views.dashboards.rows_model import Index, RowsModel
from desktop.views.operator.common import fold

#: a queue as the pool prepares it: each row's cells as shown, its id, its folded search text
Queue = tuple[list[list[str]], list[str], list[str]]
ID_ROLE = Qt.ItemDataRole.UserRole
#: rows asked of the server at once: a registry's whole queue
QUEUE_LIMIT = 10_000
#: rows looked at when sizing the columns
_SIZE_ROWS = 50


def queue_of(items: list[dict[str, Any]], row_of: Callable[[dict[str, Any]], tuple[list[str], str]]) -> Queue:
    """In the pool: the server's rows as the table shows them — ``row_of`` gives a row's cells and
    the words it is also found by (codes behind the shown names); the person's СНИЛС is found
    with or without its dashes. The search text is folded here once, not per keystroke."""
    cells: list[list[str]] = []
    hays: list[str] = []
    for item in items:
        row, words = row_of(item)
        cells.append(row)
        hays.append(fold(" ".join((*row, words, str((item.get("person") or {}).get("snils") or "")))))
    return cells, [str(i["id"]) for i in items], hays


class QueueModel(RowsModel):
    """``RowsModel``'s cells, of the rows the typed filter finds (``shown``), each with its id."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hays: list[str] = []
        self.shown: list[int] = []
        self.needle = ""

    def set_queue(self, header: Sequence[str], cells: Sequence[Sequence[str]], ids: list[str],
                  hays: list[str]) -> None:
        """A new list from the server; the typed filter stays."""
        self.beginResetModel()
        self.header = [str(h) for h in header]
        self.rows, self.ids, self.hays = cells, ids, hays
        self.shown = [i for i, h in enumerate(hays) if self.needle in h] if self.needle else list(range(len(hays)))
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        needle = fold(text.strip())
        if needle == self.needle:
            return
        # a longer text narrows what is shown now: only those rows are looked at again
        pool = self.shown if self.needle and needle.startswith(self.needle) else range(len(self.hays))
        self.beginResetModel()
        self.needle = needle
        self.shown = [i for i in pool if needle in self.hays[i]] if needle else list(pool)
        self.endResetModel()

    def id_at(self, row: int) -> str:
        return self.ids[self.shown[row]]

    def cell(self, row: int, column: int) -> Any:
        return super().cell(self.shown[row], column)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.shown)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == ID_ROLE and index.isValid() and index.row() < len(self.shown):
            return self.id_at(index.row())
        return super().data(index, role)


class QueueTable(QTableView):
    """A read-only, row-selecting table of a ``QueueModel``."""

    def __init__(self, name: str, stretch: int = 0) -> None:
        super().__init__()
        self.queue = QueueModel()
        self.setModel(self.queue)
        self.setAccessibleName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setResizeContentsPrecision(_SIZE_ROWS)
        self.setWordWrap(False)  # one line a row: a long title is elided, whole in its tooltip
        self.stretch = stretch
        self.sized = False

    def show_rows(self, header: Sequence[str], cells: Sequence[Sequence[str]], ids: list[str], hays: list[str]) -> None:
        """The list from the server; the columns are sized by the first rows shown only (a
        reload keeps the widths the operator may have dragged)."""
        self.queue.set_queue(header, cells, ids, hays)
        if cells and not self.sized and self.isVisible():
            self._size()

    def show_queue(self, header: Sequence[str], queue: Queue) -> bool:
        """``show_rows`` of a queue the pool prepared; whether it is as long as the server gives
        at once (some may be left out)."""
        self.show_rows(header, *queue)
        return len(queue[1]) >= QUEUE_LIMIT

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.queue.rowCount() and not self.sized:  # the rows came before the table was shown
            self._size()

    def _size(self) -> None:
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.resizeColumnsToContents()
        n = self.queue.columnCount()
        # too wide for the window: the widest columns give way first (one cap for all, the
        # largest that fits); short ones — the number, the date, the СНИЛС — keep their width,
        # and an elided cell is whole in its tooltip. Never under a readable floor: where even
        # that does not fit (a narrow window at 150 %), the table scrolls sideways instead
        widths = [self.columnWidth(c) for c in range(n)]
        room = self.viewport().width()
        if sum(widths) > room:
            lo, hi = min(110, max(widths)), max(widths)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if sum(min(w, mid) for w in widths) <= room else (lo, mid - 1)
            for c, w in enumerate(widths):
                if w > lo:
                    self.setColumnWidth(c, lo)
        self.sized = True
        if n:
            hh.setSectionResizeMode(min(self.stretch, n - 1), QHeaderView.ResizeMode.Stretch)

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.queue.id_at(r) for r in rows if r < self.queue.rowCount()]

    def select_ids(self, ids: set[str]) -> None:
        """Select the shown rows with these ids (and nothing else)."""
        sel = self.selectionModel()
        sel.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for r in range(self.queue.rowCount()):
            if self.queue.id_at(r) in ids:
                sel.select(self.queue.index(r, 0), flags)
