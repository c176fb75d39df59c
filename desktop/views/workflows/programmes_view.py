"""«Образовательные программы»: the catalogue kept in the vault, filtered offline (specialty,
format, dates, hours, free seats, mine); «Записаться» is queued (a full programme is refused
politely, the server never overbooks); an unsent enrolment can be cancelled. «Обновить каталог»
fetches it when online."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
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
from desktop.models.workflows.catalogue import FORMATS, ProgrammeFilter, seats_text, select_programmes
from desktop.sync import doctor
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.entity_table import Banner
from desktop.views.workflows.steps import run_step

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Программа", "Специальность", "Формат", "Часы", "Даты", "Места", "Запись")


class ProgrammesModel(QAbstractTableModel):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store)
        self.store = store
        self.items: list[dict[str, Any]] = []
        self.shown: list[dict[str, Any]] = []
        self.filter = ProgrammeFilter()

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.apply(self.filter)

    def apply(self, f: ProgrammeFilter) -> None:
        self.filter = f
        self.beginResetModel()
        self.shown = select_programmes(self.items, f)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        p = self.shown[index.row()]
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
        return self.shown[n] if 0 <= n < len(self.shown) else None


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
        self.load()

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
        self.model.set_items(items)
        if keep is not None:  # the same programme stays selected across a re-read
            for n, p in enumerate(self.model.shown):
                if p.get("id") == keep.get("id"):
                    self.table.selectRow(n)
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
