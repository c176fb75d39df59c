"""The item model of «Сотрудники»: person rowids of ``desktop.models.staff_list``, rows fetched
in blocks on the DB worker as the view asks for them (like ``widgets/id_table_model.py``, whose
rows are one entity's; here a row is a person with their cards folded in).

A new search, filter or organization is a new list (a reset); a write (``reload``) reads the
list again and applies the difference row by row (``listing.plan``), repainting only rows whose
values changed; a sort is a ``layoutChanged`` that keeps the selection.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from desktop.i18n import tr
from desktop.models import listing, staff_list
from desktop.models.listing import BLOCK, Plan
from desktop.models.nsi import NsiRegistry
from desktop.models.staff_list import COLUMNS, Counts, StaffQuery, StaffRow
from desktop.views.hr.styles import MUTED
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.ops import Op
from desktop.views.widgets.id_list_model import IdListModel

Index = QModelIndex | QPersistentModelIndex
PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 1
CACHE_ROWS = 40 * BLOCK
#: rows of a new list read with it: a screenful and then some (the rest of the block on demand);
#: each row folds its cards in Python, so a whole block made a keystroke a third slower
FIRST_ROWS = 64
MAX_PLAN = 2000
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_PERSON_ID = int(PERSON_ID_ROLE)
_ROLES = frozenset({_DISPLAY, _TOOLTIP, _FOREGROUND, _ALIGNMENT, _PERSON_ID})
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


@dataclass
class _Read:
    gen: int
    query: StaffQuery
    #: ``StaffModel._writes`` when the read began: a list read before a write is not kept as a base
    writes: int
    ids: list[int]
    rows: dict[int, StaffRow]
    plan: Plan | None = None
    positions: dict[int, int] = field(default_factory=dict)


def _raw(conn: Any) -> Any:
    conn.exec_driver_sql("SELECT 1")  # BEGIN: the ids and their rows come from one snapshot
    return conn.connection.dbapi_connection


class StaffModel(IdListModel):
    refreshed = Signal()
    counts_changed = Signal(object)

    def __init__(self, store: RecordStore, org_inn: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.columns = list(COLUMNS)
        self.query = StaffQuery(org_inn=org_inn)
        self.counts = Counts()
        self._ids: list[int] = []
        self._rows: OrderedDict[int, StaffRow] = OrderedDict()
        self._gen = 0
        #: the list without its search (query, rowids in order): a keystroke narrows it by the
        #: search's matches instead of sorting thousands of rows again; dropped by any write
        self._base: tuple[StaffQuery, tuple[int, ...]] | None = None
        self._writes = 0
        self._busy = False
        self._stale = False
        self._want_reset = False
        #: persons whose held rows a row-level re-read fetches again (None: every row held)
        self._touched: set[str] | None = set()
        self._pending: set[int] = set()
        self._last_block = 0
        self.loaded = False
        self._counted = False
        self._counted_org: str | None = None
        #: blocks fetched after a list read (tests: only what was shown)
        self.fetched_blocks: list[int] = []
        #: id(row) -> (the row, its cells' texts): made at the first paint of the row
        self._texts: dict[int, tuple[StaffRow, list[str]]] = {}
        self._muted = QColor(MUTED)
        self._read(reset=True)

    @property
    def nsi(self) -> NsiRegistry:
        return self.store.nsi

    # -- queries ---------------------------------------------------------------------------------
    def set_query(self, q: StaffQuery) -> None:
        if q != self.query:
            layout = replace(q, sort=self.query.sort, descending=self.query.descending) == self.query
            self.query = q
            self._gen += 1
            self._start(reset=not layout, layout=layout)

    def update_query(self, **changes: Any) -> None:
        self.set_query(replace(self.query, **changes))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns):
            self.update_query(sort=self.columns[column], descending=order == Qt.SortOrder.DescendingOrder)

    def reload(self, persons: Iterable[str] | None = None) -> None:
        """Read the list again after a write: row-level changes only. ``persons``: the only
        persons whose rows may have changed (a person card's save) — their rows are read again,
        not every row held (hundreds, each folding its cards); None: any of them (a sync)."""
        if persons is None:
            self._touched = None
        elif self._touched is not None:
            self._touched |= set(persons)
        self._base = None
        self._writes += 1
        self._start()

    # -- reading on the worker -------------------------------------------------------------------
    def _start(self, *, reset: bool = False, layout: bool = False) -> None:
        if self._busy:
            self._stale = True
            self._want_reset = self._want_reset or reset or layout
            return
        self._read(reset=reset, layout=layout)

    def _read(self, *, reset: bool = False, layout: bool = False) -> None:
        if self.store._repo is None:
            return
        repo, nsi, q, gen = self.store.repo, self.store.nsi, self.query, self._gen
        old = None if (reset or layout or not self.loaded) else list(self._ids)
        touched, self._touched = self._touched, set()
        if old is None:
            cached: list[int] = []
        elif touched is None:
            cached = list(self._rows)
        else:
            cached = [x for x, row in self._rows.items() if row.id in touched]
        persistent = [self._ids[i.row()] for i in self.persistentIndexList()
                      if 0 <= i.row() < len(self._ids)] if layout else []
        shown = self._last_block
        writes = self._writes
        unsearched = replace(q, search="")
        base = self._base[1] if self._base is not None and self._base[0] == unsearched else None

        def work() -> _Read:
            with repo.vault.read() as conn:
                raw = _raw(conn)
                if base is None:
                    ids = staff_list.fetch_ids(raw, q, nsi)
                else:  # a search narrows the kept list; the search cleared is that list again
                    ids = staff_list.narrow(raw, q, nsi, base) if q.search else list(base)
                # a row-level re-read keeps the rows held; a new list brings its first screenful
                first = [] if old is not None else [
                    x for b in sorted({0, shown}) for x in ids[b * BLOCK:b * BLOCK + FIRST_ROWS]]
                want = first + [x for x in cached if x not in set(first)]
                rows = staff_list.fetch_rows(raw, want, q.org_inn)
            out = _Read(gen, q, writes, ids, rows)
            if old is not None:
                out.plan = listing.plan(old, ids)
            if persistent:
                where = {x: i for i, x in enumerate(ids)}
                out.positions = {x: where.get(x, -1) for x in persistent}
            return out

        self._busy = True
        Op(self, work, worker=self.store.worker).success(
            lambda r: self._arrived(r, reset, layout)).failure(self._failed).run()
        if old is not None or q.org_inn != self._counted_org or not self._counted:
            # The footer's counts (of the organization, not of the search) after the list: the
            # first rows are not kept waiting for them, and a keystroke does not count again.
            self._counted, self._counted_org = True, q.org_inn
            self._read_counts()

    def _read_counts(self) -> None:
        repo, org = self.store.repo, self.query.org_inn

        def work() -> Counts:
            with repo.vault.read() as conn:
                return staff_list.counts(_raw(conn), org)

        def got(counts: Counts) -> None:
            self.counts = counts
            self.counts_changed.emit(counts)

        Op(self, work, worker=self.store.worker).success(got).failure(lambda _e: None).run()

    def _failed(self, _exc: BaseException) -> None:
        self._busy = False
        self._stale = False

    def _arrived(self, r: _Read, reset: bool, layout: bool) -> None:
        self._busy = False
        if r.gen == self._gen and self.store._repo is not None:
            if not r.query.search and r.writes == self._writes:
                self._base = (r.query, tuple(r.ids))
            if r.plan is not None and r.plan.size <= MAX_PLAN and self.loaded:
                self._apply(r)
            elif layout and self.loaded:
                self._relayout(r)
            else:
                self.beginResetModel()
                self._ids = r.ids
                self._rows = OrderedDict(r.rows)
                self._texts.clear()
                self._pending.clear()
                self.endResetModel()
            self.loaded = True
            self.refreshed.emit()
        if self._stale:
            self._stale = False
            want = self._want_reset
            self._want_reset = False
            self._read(reset=want)

    def _apply(self, r: _Read) -> None:
        assert r.plan is not None
        self._apply_plan_rows(r.plan, r.rows)
        changed = [x for x, row in r.rows.items() if x in self._rows and self._rows[x] != row]
        where = {x: i for i, x in enumerate(self._ids)} if changed else {}
        for x in changed:
            self._rows[x] = r.rows[x]
            i = where.get(x, -1)
            if i >= 0:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.columns) - 1))

    def _relayout(self, r: _Read) -> None:
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        new = []
        for i in old:
            x = self._ids[i.row()] if 0 <= i.row() < len(self._ids) else None
            p = r.positions.get(x, -1) if x is not None else -1
            new.append(self.index(p, i.column()) if p >= 0 else QModelIndex())
        self._ids = r.ids
        self._rows.update(r.rows)
        self._pending.clear()
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _fetch_block(self, block: int) -> None:
        if block in self._pending or self.store._repo is None:
            return
        self._pending.add(block)
        self.fetched_blocks.append(block)
        repo, gen, org = self.store.repo, self._gen, self.query.org_inn
        wanted = self._ids[block * BLOCK:(block + 1) * BLOCK]

        def work() -> dict[int, StaffRow]:
            with repo.vault.read() as conn:
                return staff_list.fetch_rows(_raw(conn), wanted, org)

        def done(rows: dict[int, StaffRow]) -> None:
            self._pending.discard(block)
            if gen != self._gen:
                return
            self._rows.update(rows)
            while len(self._rows) > CACHE_ROWS:
                self._rows.popitem(last=False)
            first, last = block * BLOCK, min((block + 1) * BLOCK, len(self._ids)) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

        Op(self, work, worker=self.store.worker).success(done).failure(
            lambda _e: self._pending.discard(block)).run()

    # -- access ------------------------------------------------------------------------------------
    def row_at(self, row: int) -> StaffRow | None:
        if not (0 <= row < len(self._ids)):
            return None
        got = self._rows.get(self._ids[row])
        if got is None:
            self._last_block = row // BLOCK
            self._fetch_block(row // BLOCK)
        return got

    def row_of_person(self, person_id: str) -> int:
        for x, r in self._rows.items():
            if r.id == person_id:
                try:
                    return self._ids.index(x)
                except ValueError:
                    return -1
        return -1

    @property
    def row_ids(self) -> list[int]:
        return self._ids

    def cached_rows(self) -> int:
        return len(self._rows)

    # -- QAbstractTableModel -----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A repaint asks every visible cell for seven roles (about 1,700 calls a screen, all on
        # the GUI thread after each keystroke's result): roles the list does not use return at
        # once, and a row's texts are made once and kept beside it, not again at each paint.
        if role not in _ROLES or not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == _PERSON_ID:
            return row.id
        if role == _FOREGROUND:
            return self._muted if row.state == "dismissed" else None
        column = index.column()
        if role == _ALIGNMENT:
            return _RIGHT if self.columns[column] == "rate" else None
        texts = self._texts.get(id(row))
        if texts is None or texts[0] is not row:
            if len(self._texts) > CACHE_ROWS:
                self._texts.clear()
            nsi = self.store.nsi
            texts = (row, [staff_list.cell(row, c, nsi) for c in self.columns])
            self._texts[id(row)] = texts
        text = texts[1][column]
        if role == _TOOLTIP:
            return text if len(text) > 30 else None
        return text

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.columns):
            return tr(COLUMNS[self.columns[section]])
        return None
