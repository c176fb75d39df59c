"""A table model over a list that may hold 100,000 rows: it keeps the list's rowids, fetches
rows in blocks through the DB worker as the view asks for them, and follows changes row by row.

* The list (search, filters, sort) is a query of ``desktop.models.listing`` run on the DB
  worker; the GUI thread holds only ints and the rows of the blocks it has shown.
* ``data()`` never waits: a row not fetched yet reads as empty and its block is requested
  (once); when it arrives, ``dataChanged`` repaints the block.
* After a write (``RecordStore.changed``) the list is read again on the worker, the
  difference to the shown list is computed there (``listing.plan``) and applied with
  ``rowsRemoved``/``rowsInserted``; rows in the cache that changed get ``dataChanged``. Only a
  new search or filter (a different list) and a lock reset the model. Sorting is a
  ``layoutChanged`` that keeps the selection.
* One list read at a time: a change that arrives while one is under way marks the list
  stale and is read after it, so a plan is always computed against the list it is applied to.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop.i18n import tr
from desktop.models import listing
from desktop.models.formatting import display, sort_key
from desktop.models.listing import BLOCK, ListQuery, Plan
from desktop.models.schema import ENTITIES, FieldSpec
from desktop.views.record.record_store import RecordStore, WrittenRows
from desktop.views.runtime.ops import Op
from desktop.views.widgets.id_list_model import IdListModel

Index = QModelIndex | QPersistentModelIndex
#: rows -> {row id: text} for one extra column (computed on the DB worker, scoped lists only)
Extra = Callable[[list[dict[str, Any]]], dict[str, str]]

ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

#: a list this short is read with all its rows in one job (a person's own record)
WHOLE = 1000
#: rows kept in memory for a long list: the blocks around what was shown last
CACHE_ROWS = 40 * BLOCK
#: a change of more rows than this is shown as a reset (a sync of thousands of rows)
MAX_PLAN = 2000
#: the scope "the vault's own person" (the doctor's record), resolved on the worker
OWN = "own"


@dataclass
class _Read:
    """What one list read brings back from the DB worker."""

    gen: int
    ids: list[int]
    rows: dict[int, dict[str, Any]]
    #: the query the list answers
    query: ListQuery
    extra: dict[str, str] = field(default_factory=dict)
    plan: Plan | None = None
    #: rowid -> new position, for rows under persistent indexes (sorting keeps the selection)
    positions: dict[int, int] = field(default_factory=dict)


class IdTableModel(IdListModel):
    #: a list read finished and is shown (after a search, sort, filter or change)
    refreshed = Signal()
    #: a block of rows arrived (first row, last row)
    block_loaded = Signal(int, int)

    def __init__(self, store: RecordStore, entity: str, *, person: str | None = OWN,
                 extra_title: str | None = None, extra: Extra | None = None,
                 order_by: str | None = None, descending: bool = True) -> None:
        super().__init__(store)
        self.store = store
        self.entity = entity
        self.spec = ENTITIES[entity]
        self.columns: list[FieldSpec] = [f for f in self.spec.fields if f.column]
        self._extra_title = extra_title
        self._extra = extra
        self._person = person
        self.query = ListQuery(entity, sort=order_by, descending=descending if order_by else False)
        self._default = self.query
        self._ids: list[int] = []
        #: the list without its search (query, rowids in order): a keystroke narrows it by the
        #: search's matches instead of sorting 100,000 rows again; dropped on any change
        self._base: tuple[ListQuery, tuple[int, ...]] | None = None
        self._rows: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._extra_values: dict[str, str] = {}
        self._gen = 0  # bumped by a new query: older answers are dropped
        self._busy = False
        self._stale = False
        self._want_query = False
        self._pending_blocks: set[int] = set()
        #: blocks fetched after the first read (tests: only what the view showed)
        self.fetched_blocks: list[int] = []
        self.loaded = False
        store.changed.connect(self._on_changed)
        store.rows_written.connect(self._on_written)
        #: the next ``changed`` of this entity follows an edit that cannot move rows: no re-read
        self._skip_change = False
        if store.is_loaded or store._repo is not None:
            self._read(reset=True)

    # -- queries -------------------------------------------------------------------------------
    def set_search(self, text: str) -> None:
        if text != self.query.search:
            self._set_query(replace(self.query, search=text))

    def set_filters(self, filters: dict[str, str | None]) -> None:
        self._set_query(replace(self.query, filters=tuple(sorted(filters.items()))))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns):
            q = replace(self.query, sort=self.columns[column].name,
                        descending=order == Qt.SortOrder.DescendingOrder)
        elif column < 0:
            q = replace(self.query, sort=self._default.sort, descending=self._default.descending)
        else:
            return  # the computed column is not in the vault: it does not sort
        if q != self.query:
            self.query = q
            self._gen += 1
            self._start(layout=True)

    def sort_column(self) -> int:
        names = [f.name for f in self.columns]
        return names.index(self.query.sort) if self.query.sort in names else -1

    def _set_query(self, q: ListQuery) -> None:
        self.query = q
        self._gen += 1
        self._start(reset=True)

    def reload(self) -> None:
        """Read the list again (row-level changes only)."""
        self._start()

    # -- the worker side -------------------------------------------------------------------------
    def _on_written(self, w: WrittenRows) -> None:
        """An edit committed: repaint its row now, from the row the write read back.

        Re-reading the list (100,000 rowids) takes the worker about a tenth of a second; an edit
        that touches no column the list is searched, filtered or sorted by cannot move a row or
        change which rows are in it, so that re-read is skipped."""
        if w.entity != self.entity or not self.loaded:
            return
        for x, row in w.rows.items():
            if x in self._rows and self._rows[x] != row:
                self._rows[x] = row
                i = self._index_of(x)
                if i >= 0:
                    self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))
        q = self.query
        moves = bool(q.search) or self._extra is not None or q.sort in w.fields \
            or any(name in w.fields for name, _v in q.filters)
        self._skip_change = not moves

    def _on_changed(self, entity: str) -> None:
        if entity != self.entity:
            return
        if self._skip_change and self.store._repo is not None:
            self._skip_change = False
            return
        self._skip_change = False
        self._base = None
        if self.store._repo is None:  # locked: forget everything at once
            self._gen += 1
            self.beginResetModel()
            self._ids, self._rows, self._extra_values = [], OrderedDict(), {}
            self.endResetModel()
            self.refreshed.emit()
            return
        self._start()

    def _start(self, *, reset: bool = False, layout: bool = False) -> None:
        if self._busy:
            # Read after the one under way, against the list it leaves behind.
            self._stale = True
            self._want_query = self._want_query or reset or layout
            return
        self._read(reset=reset, layout=layout)

    def _read(self, *, reset: bool = False, layout: bool = False) -> None:
        if self.store._repo is None:
            return
        repo = self.store.repo
        nsi = self.store.nsi
        q = self.query
        person = self._person
        gen = self._gen
        old = None if (reset or layout or not self.loaded) else list(self._ids)
        cached = list(self._rows) if old is not None else []
        persistent = [self._ids[i.row()] for i in self.persistentIndexList()
                      if 0 <= i.row() < len(self._ids)] if layout else []
        shown = self._last_block if layout else 0
        extra = self._extra
        unsearched = replace(q, search="")
        base = self._base[1] if self._base is not None and self._base[0] == unsearched else None

        def work() -> _Read:
            with repo.vault.read() as conn:
                conn.exec_driver_sql("SELECT 1")  # BEGIN: ids and rows from one snapshot
                raw: Any = conn.connection.dbapi_connection
                pid = repo.person_id() if person == OWN else person
                if person == OWN and pid is None:
                    return _Read(gen, [], {}, q)
                scoped = replace(q, person_id=pid)
                matches = listing.fetch_matches(raw, scoped, nsi) if base is not None else None
                if base is not None and (matches is not None or not q.search):
                    ids = listing.narrow(base, matches)
                else:
                    ids = listing.fetch_ids(raw, scoped, nsi)
                if len(ids) <= WHOLE:
                    want = ids
                else:
                    first = [b * BLOCK for b in {0, shown}]
                    want = [x for s in first for x in ids[s:s + BLOCK]]
                    first_rows = set(want)
                    want += [x for x in cached if x not in first_rows]
                rows = listing.fetch_rows(raw, q.entity, want)
            out = _Read(gen, ids, rows, q)
            if extra is not None and len(ids) <= WHOLE and rows:
                out.extra = extra(list(rows.values()))
            if old is not None:
                out.plan = listing.plan(old, ids)
            if persistent:
                where = {x: i for i, x in enumerate(ids)}
                out.positions = {x: where.get(x, -1) for x in persistent}
            return out

        self._busy = True
        # An op: its answer is dropped once this model is gone (a lock, a rebuilt section).
        Op(self, work, worker=self.store.worker).success(lambda r: self._arrived(r, reset, layout)).failure(
            self._failed).run()

    def _failed(self, _exc: BaseException) -> None:
        # A lock closed the vault under the read, or the read failed: the list stays as it was.
        self._busy = False
        self._stale = False

    def _arrived(self, r: _Read, reset: bool, layout: bool) -> None:
        self._busy = False
        # An answer overtaken by a new query is dropped: the query's own read follows it.
        if r.gen == self._gen and self.store._repo is not None:
            if not r.query.search and self._person is None:
                self._base = (r.query, tuple(r.ids))
            if r.plan is not None and r.plan.size <= MAX_PLAN and self.loaded:
                self._apply(r)
            elif layout and self.loaded:
                self._relayout(r)
            else:
                self.beginResetModel()
                self._ids = r.ids
                self._rows = OrderedDict(r.rows)
                self._extra_values = r.extra
                self._pending_blocks.clear()
                self.endResetModel()
            self.loaded = True
            self.refreshed.emit()
        if self._stale:
            self._stale = False
            want = self._want_query
            self._want_query = False
            self._read(reset=want)

    def _apply(self, r: _Read) -> None:
        assert r.plan is not None
        self._apply_plan_rows(r.plan, r.rows)
        # Rows that stayed but whose values (or computed column) changed: repaint just them.
        changed = [x for x, row in r.rows.items() if x in self._rows and self._rows[x] != row]
        extra_changed = r.extra != self._extra_values
        self._extra_values = r.extra
        for x in changed:
            self._rows[x] = r.rows[x]
        if extra_changed and self._extra_title:
            col = self.columnCount() - 1
            if self._ids:
                self.dataChanged.emit(self.index(0, col), self.index(len(self._ids) - 1, col))
        if changed:
            where = {x: i for i, x in enumerate(self._ids)} if len(changed) > 8 else None
            for x in changed:
                i = where.get(x, -1) if where is not None else self._index_of(x)
                if i >= 0:
                    self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

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
        self._extra_values = r.extra or self._extra_values
        self._pending_blocks.clear()
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    _last_block = 0

    def _index_of(self, rowid: int) -> int:
        try:
            return self._ids.index(rowid)
        except ValueError:
            return -1

    def _fetch_block(self, block: int) -> None:
        if block in self._pending_blocks or self.store._repo is None:
            return
        self._pending_blocks.add(block)
        self.fetched_blocks.append(block)
        repo = self.store.repo
        entity = self.entity
        gen = self._gen
        wanted = self._ids[block * BLOCK:(block + 1) * BLOCK]

        def work() -> dict[int, dict[str, Any]]:
            with repo.vault.read() as conn:
                conn.exec_driver_sql("SELECT 1")
                raw: Any = conn.connection.dbapi_connection
                return listing.fetch_rows(raw, entity, wanted)

        def done(rows: dict[int, dict[str, Any]]) -> None:
            self._pending_blocks.discard(block)
            if gen != self._gen or self.store._repo is None:
                return
            for x, row in rows.items():
                self._rows[x] = row
            while len(self._rows) > CACHE_ROWS:
                self._rows.popitem(last=False)
            first = block * BLOCK
            last = min(first + BLOCK, len(self._ids)) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
                self.block_loaded.emit(first, last)

        Op(self, work, worker=self.store.worker).success(done).failure(
            lambda _e: self._pending_blocks.discard(block)).run()

    # -- access for views --------------------------------------------------------------------------
    def row_at(self, row: int) -> dict[str, Any] | None:
        """The row's values if fetched (else None, and its block is requested)."""
        if not (0 <= row < len(self._ids)):
            return None
        got = self._rows.get(self._ids[row])
        if got is None:
            self._last_block = row // BLOCK
            self._fetch_block(row // BLOCK)
        return got

    def row_of(self, row_id: str) -> int:
        for x, r in self._rows.items():
            if r.get("id") == row_id:
                return self._index_of(x)
        return -1

    def all_rows(self) -> list[dict[str, Any]]:
        """Every row of the list in its order — only for short lists, whose rows are all held."""
        return [self._rows[x] for x in self._ids if x in self._rows]

    def extra_value(self, row_id: str) -> str:
        return self._extra_values.get(row_id, "")

    @property
    def row_ids(self) -> Sequence[int]:
        return self._ids

    def cached_rows(self) -> int:
        return len(self._rows)

    # -- QAbstractTableModel ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.columns) + (1 if self._extra_title else 0)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE,
                        ROW_ID_ROLE, Qt.ItemDataRole.TextAlignmentRole):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        col = index.column()
        if col >= len(self.columns):
            text = self._extra_values.get(str(row.get("id")), "")
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return tr(text)
            if role == SORT_ROLE:
                return text
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
