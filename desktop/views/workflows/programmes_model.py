"""The catalogue table of «Образовательные программы» (issue 14): a list of positions into the
kept catalogue, on the id-list machinery of the long lists (``IdListModel``).

A filter over a large catalogue (5,000 programmes) is computed in the pool: the GUI thread
holds only ints, gets back the new positions with the row-level plan from the shown ones
(``listing.plan``), and applies it as ``rowsRemoved``/``rowsInserted`` — the selection and the
scroll position stay where they are — or, when the list changed all over (a plan of many
scattered runs costs the view more than a reset), as one reset. A small catalogue is filtered
at once on the GUI thread: the pool's round trip would cost more than the filter. Answers to a
filter already replaced by a newer one are dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop.i18n import N_, tr
from desktop.models import listing
from desktop.models.formatting import fmt_date
from desktop.models.workflows.catalogue import FORMATS, ProgrammeFilter, matching_positions, seats_text
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.ops import Op
from desktop.views.widgets.id_list_model import IdListModel

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (N_("Программа"), N_("Специальность"), N_("Формат"), N_("Часы"), N_("Даты"), N_("Места"), N_("Запись"))
#: up to this many programmes a filter runs at once on the GUI thread (a few milliseconds)
AT_ONCE = 500
#: a plan of more runs than this is applied as a reset
MAX_RUNS = 40
_DISPLAY = Qt.ItemDataRole.DisplayRole


class ProgrammesModel(IdListModel):
    #: a filter's result is shown
    refreshed = Signal()

    def __init__(self, store: RecordStore) -> None:
        super().__init__(store)
        self.store = store
        self.items: list[dict[str, Any]] = []
        self._ids: list[int] = []
        self._rows: dict[int, dict[str, Any]] = {}
        self.filter = ProgrammeFilter()
        self._gen = 0
        #: a filter is being computed in the pool
        self.busy = False

    @property
    def shown(self) -> list[dict[str, Any]]:
        return [self.items[i] for i in self._ids]

    def set_items(self, items: list[dict[str, Any]]) -> None:
        """A new catalogue (a re-read): a different list, shown with a reset."""
        self._gen += 1
        self.busy = False
        self.beginResetModel()
        self.items = items
        self._ids, self._rows = [], {}
        self.endResetModel()
        self.apply(self.filter)

    def apply(self, f: ProgrammeFilter) -> None:
        self.filter = f
        self._gen += 1
        gen, items, old = self._gen, self.items, list(self._ids)
        if len(items) <= AT_ONCE:
            new = matching_positions(items, f)
            self._show(gen, (new, listing.plan(old, new)))
            return
        self.busy = True

        def work() -> tuple[list[int], listing.Plan]:
            new = matching_positions(items, f)
            return new, listing.plan(old, new)

        Op(self, work, pool=True).success(lambda got: self._show(gen, got)).run()

    def _show(self, gen: int, got: tuple[list[int], listing.Plan]) -> None:
        if gen != self._gen:
            return  # a newer filter (or catalogue) is on its way
        new, plan = got
        if len(plan.removals) + len(plan.insertions) > MAX_RUNS:
            self.beginResetModel()
            self._ids = new
            self._rows = {i: self.items[i] for i in new}
            self.endResetModel()
        elif not plan.empty:
            self._apply_plan_rows(plan, {i: self.items[i] for _, chunk in plan.insertions for i in chunk})
        self.busy = False
        self.refreshed.emit()

    # -- Qt ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The role first: a paint asks every cell for a dozen roles, and only one has text.
        if role != _DISPLAY or not index.isValid() or index.row() >= len(self._ids):
            return None
        p = self.items[self._ids[index.row()]]
        col = index.column()
        if col == 0:
            return str(p.get("title") or "")
        if col == 1:
            return self.store.nsi.name("specialty", p.get("specialty_code"))
        if col == 2:
            return tr(FORMATS.get(str(p.get("format")), str(p.get("format") or "")))
        if col == 3:
            return str(p.get("hours") or "")
        if col == 4:
            return f"{fmt_date(p.get('begin_date'))}–{fmt_date(p.get('end_date'))}"
        if col == 5:
            return seats_text(p)
        return str(p.get("local") or (tr("вы записаны") if p.get("enrolled") else ""))

    def row(self, n: int) -> dict[str, Any] | None:
        return self.items[self._ids[n]] if 0 <= n < len(self._ids) else None
