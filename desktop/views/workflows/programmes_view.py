"""«Образовательные программы»: the catalogue kept in the vault, filtered offline (specialty,
format, dates, hours, free seats, mine); «Записаться» is queued (a full programme is refused
politely, the server never overbooks); an unsent enrolment can be cancelled. «Обновить каталог»
fetches it when online."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.models.formatting import fmt_date
from desktop.models.workflows.catalogue import FORMATS, ProgrammeFilter
from desktop.sync import doctor
from desktop.views.runtime import heap
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.entity_table import Banner
from desktop.views.workflows.programmes_model import ProgrammesModel
from desktop.views.workflows.steps import run_step

__all__ = ["ProgrammesModel", "ProgrammesView"]

class ProgrammesView(QWidget):
    def __init__(self, model: ProgrammesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.store = model.store
        self.banner = Banner()
        self.specialty = QLineEdit()
        self.specialty.setPlaceholderText(tr("Код специальности"))
        self.format = QComboBox()
        self.format.addItem(tr("Любой формат"), None)
        for k, v in FORMATS.items():
            self.format.addItem(tr(v), k)
        self.hours_max = QSpinBox()
        self.hours_max.setRange(0, 10000)
        self.hours_max.setSpecialValueText(tr("часы: любые"))
        self.free_only = QCheckBox(tr("Есть места"))
        self.mine_only = QCheckBox(tr("Мои записи"))
        self.text = QLineEdit()
        self.text.setPlaceholderText(tr("Поиск по названию"))
        for w in (self.specialty, self.text):
            w.textChanged.connect(self._filters)
        self.format.currentIndexChanged.connect(self._filters)
        self.hours_max.valueChanged.connect(self._filters)
        for c in (self.free_only, self.mine_only):
            c.toggled.connect(self._filters)
        filters = QHBoxLayout()
        for part in (self.text, self.specialty, self.format, self.hours_max, self.free_only, self.mine_only):
            filters.addWidget(part)
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        # 5,000 rows: row numbers would be asked of the model for every section the header lays
        # out (headerData was most of a paint's calls), and rows of one fixed height cost nothing
        # to lay out after a filter.
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.fetched_label = QLabel()
        self.refresh_button = QPushButton(tr("Обновить каталог"))
        self.enrol_button = QPushButton(tr("Записаться"))
        self.cancel_button = QPushButton(tr("Отменить запись"))
        self.refresh_button.clicked.connect(self.fetch)
        self.enrol_button.clicked.connect(self.enrol)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fetched_label, 1)
        for b in (self.refresh_button, self.enrol_button, self.cancel_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._keep_id: str | None = None
        model.refreshed.connect(self._reselect)
        self.load()

    def _reselect(self) -> None:
        keep, self._keep_id = self._keep_id, None
        if keep is None:
            return
        for n in range(self.model.rowCount()):
            row = self.model.row(n)
            if row is not None and str(row.get("id")) == keep:
                self.table.selectRow(n)
                return

    def _filters(self) -> None:
        hours = self.hours_max.value()
        self.model.apply(ProgrammeFilter(
            specialty=self.specialty.text().strip() or None, format=self.format.currentData(),
            hours_max=hours or None, free_only=self.free_only.isChecked(), mine_only=self.mine_only.isChecked(),
            text=self.text.text().strip()))

    def load(self) -> None:
        """The kept catalogue with this workstation's unsent enrolments (DB worker)."""
        if not self.store.is_loaded:
            return  # locked: the store has no vault any more
        repo = self.store.repo
        Op(self, lambda: doctor.programmes(repo), worker=self.store.worker).success(self._took).run()

    def _took(self, got: tuple[list[dict[str, Any]], str | None]) -> None:
        items, at = got
        keep = self.current()
        # The same programme stays selected across a re-read, once the filter is shown again.
        self._keep_id = str(keep.get("id")) if keep is not None else None
        self.model.set_items(items)
        # The kept catalogue lives as long as the open record (5,000 programmes: ~60,000 objects):
        # frozen out of the collector's reach, so the GUI thread's full collection does not walk
        # it every minute (desktop/views/runtime/heap.py; a lock releases it).
        heap.settle()
        self.fetched_label.setText(tr("Каталог от {d}").format(d=fmt_date(at[:10])) if at
                                   else tr("Каталог ещё не получен: нажмите «Обновить каталог» при подключении"))

    def fetch(self) -> None:
        repo = self.store.repo
        Op(self, lambda: doctor.fetch_catalogue(repo), worker=self.store.worker).success(
            lambda _items: self.load()).failure(lambda exc: self.banner.show_message(
                tr("Каталог не обновлён: {why}").format(why=describe_error(exc)), "warning")).run()

    def current(self) -> dict[str, Any] | None:
        idx = self.table.currentIndex()
        return self.model.row(idx.row()) if idx.isValid() else None

    def enrol(self) -> None:
        p = self.current()
        if p is not None:
            pid = str(p["id"])
            run_step(self.store, "person", lambda repo: doctor.enrol(repo, pid), self, self.banner,
                     "Запись на программу сохранена: отправится при синхронизации", then=lambda _o: self.load())

    def cancel(self) -> None:
        p = self.current()
        if p is not None:
            pid = str(p["id"])
            run_step(self.store, "person", lambda repo: doctor.cancel_enrolment(repo, pid), self, self.banner,
                     "Запись на программу отменена", then=lambda _o: self.load())
