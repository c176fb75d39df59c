"""«Сотрудники»: the organization's staff, one row per person (``StaffModel``).

Search as you type (debounced) by ФИО, СНИЛС or position; filters by subdivision, position,
position type, card status, works/dismissed and «аккредитация истекает в 90 дней»; a click on a
header sorts; the footer counts; the columns shown are chosen from the header's context menu
(or «Столбцы…») and remembered in the profile's settings; an organization switcher when the
clerk has several. Enter or a double click opens the person card; «Добавить сотрудника» (Ins)
starts from the СНИЛС. A manager sees the same, read-only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr, trn
from desktop.models.checkdigits import format_snils, normalize_snils, snils_is_valid
from desktop.models.schema import EMPLOYMENT_STATUS, PERSON, POSITION_TYPE
from desktop.models.staff_list import COLUMNS, Counts
from desktop.views.hr import card_tasks
from desktop.views.hr.import_wizard import ImportWizard
from desktop.views.hr.person_card import PersonCard
from desktop.views.hr.request_dialog import RequestDialog
from desktop.views.hr.staff_model import PERSON_ID_ROLE, StaffModel
from desktop.views.hr.styles import ERROR_STYLE
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges, subscribe
from desktop.views.widgets.record_form import RecordForm

#: a pause in typing this long starts the search (issue 13: a keystroke → results ≤ 100 ms). Short:
#: a read under way is never run twice — keystrokes meanwhile make one more read, of the latest
#: text (StaffModel) — and a search takes the worker 5–30 ms on 20,000 persons.
SEARCH_DELAY_MS = 40
#: the profile setting holding the hidden columns of «Сотрудники»
HIDDEN_SETTING = "hr_staff_hidden_columns"
ALL_ORGS = "__all__"


class StaffView(QWidget):
    def __init__(self, store: RecordStore, organizations: list[tuple[str, str]], settings: dict[str, Any], *,
                 read_only: bool, save_settings: Any = None) -> None:
        super().__init__()
        self.setObjectName("hr_staff")
        self.store = store
        self.settings = settings
        self.read_only = read_only
        self._save_settings = save_settings
        self.organizations = organizations
        first = organizations[0][0] if organizations else None
        self.model = StaffModel(store, first, self)
        self.cards: list[PersonCard] = []

        # the switcher, search, add
        self.org_combo = QComboBox()
        self.org_combo.setObjectName("org_switcher")
        self.org_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.org_combo.setMinimumContentsLength(16)
        for inn, name in organizations:
            self.org_combo.addItem(tr("{name} (ИНН {inn})").format(name=name, inn=inn), inn)
        self.org_combo.setVisible(len(organizations) > 1)
        self.org_combo.currentIndexChanged.connect(self._org_changed)
        self.search = QLineEdit()
        self.search.setObjectName("staff_search")
        self.search.setPlaceholderText(tr("Поиск: ФИО, СНИЛС или должность"))
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._search_now)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.add_button = QPushButton(tr("Добавить сотрудника (Ins)"))
        self.add_button.setObjectName("add_person")
        self.add_button.clicked.connect(self.add_person)
        self.add_button.setVisible(not read_only)
        self.columns_button = QPushButton(tr("Столбцы…"))
        self.columns_button.clicked.connect(
            lambda: self._column_menu(self.columns_button.mapToGlobal(QPoint(0, self.columns_button.height()))))
        self.request_button = QPushButton(tr("Запрос выбранным…"))
        self.request_button.setObjectName("request_selected")
        self.request_button.clicked.connect(self.request_selected)
        self.request_button.setVisible(not read_only)
        self.import_button = QPushButton(tr("Импорт…"))
        self.import_button.setObjectName("import")
        self.import_button.clicked.connect(self.open_import)
        self.import_button.setVisible(not read_only)
        self.export_button = QPushButton(tr("Экспорт"))
        self.export_button.setObjectName("export")
        export_menu = QMenu(self.export_button)
        export_menu.addAction(tr("Список в Excel (.xlsx)…"), lambda: self.export("xlsx"))
        export_menu.addAction(tr("Список в CSV…"), lambda: self.export("csv"))
        export_menu.addAction(tr("Карточки в Excel (.xlsx)…"), lambda: self.export("xlsx", by_card=True))
        export_menu.addSeparator()
        export_menu.addAction(tr("Печать списка…"), lambda: self.print_list())
        self.export_button.setMenu(export_menu)
        top = QHBoxLayout()
        top.addWidget(self.org_combo)
        top.addWidget(self.search, 1)
        top.addWidget(self.columns_button)
        top.addWidget(self.export_button)
        top.addWidget(self.request_button)
        top.addWidget(self.import_button)
        top.addWidget(self.add_button)

        # filters
        self.f_subdivision = self._combo("filter_subdivision", tr("Все подразделения"), [])
        self.f_position = self._combo("filter_position", tr("Все должности"), [])
        self.f_type = self._combo("filter_position_type", tr("Все типы занятия"),
                                  [(tr(v), k) for k, v in POSITION_TYPE.items()])
        self.f_status = self._combo("filter_status", tr("Все статусы"),
                                    [(tr(v), k) for k, v in EMPLOYMENT_STATUS.items()])
        self.f_state = self._combo("filter_state", tr("Работают и уволенные"),
                                   [(tr("Работают"), "active"), (tr("Уволенные"), "dismissed")])
        self.f_expiring = QCheckBox(tr("Аккредитация ≤ 90 дней"))
        self.f_expiring.setToolTip(tr("Срок аккредитации истекает в ближайшие 90 дней"))
        self.f_expiring.setObjectName("filter_expiring")
        self.f_expiring.toggled.connect(lambda _c: self._filters_changed())
        filters = QHBoxLayout()
        for w in (self.f_subdivision, self.f_position, self.f_type, self.f_status, self.f_state):
            filters.addWidget(w, 1)
        filters.addWidget(self.f_expiring)

        # the table
        self.table = QTableView()
        self.table.setObjectName("staff_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.horizontalHeader().customContextMenuRequested.connect(
            lambda pos: self._column_menu(self.table.horizontalHeader().mapToGlobal(pos)))
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        widths = {"fio": 260, "snils": 120, "positions": 220, "subdivisions": 220, "position_types": 150,
                  "rate": 60, "begin_date": 95, "statuses": 120, "state": 90}
        for i, name in enumerate(self.model.columns):
            self.table.setColumnWidth(i, widths.get(name, 120))
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        # A new list (a keystroke's result) is laid out at once, not on the view's next turn: the
        # rows are then painted once, not twice (the second time for the scroll bar's new range).
        self.model.modelReset.connect(self.table.doItemsLayout)
        for key in ("Return", "Enter"):
            sc = QShortcut(QKeySequence(key), self.table, self.open_current)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        if not read_only:
            sc = QShortcut(QKeySequence("Ins"), self, self.add_person)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.footer = QLabel()
        self.footer.setObjectName("staff_footer")
        self.model.refreshed.connect(self._update_footer)
        self.model.counts_changed.connect(lambda _c: self._update_footer())

        layout = QVBoxLayout(self)
        title = QLabel(tr("Сотрудники") + (f" — {tr('только просмотр')}" if read_only else ""))
        title.setStyleSheet("font-size: 16px; font-weight: 600;")
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.footer)
        self._apply_hidden()
        self._read_filter_values()
        # Someone else's write (a sync, an import) may touch the staff: follow it row by row.
        subscribe(self, self._changed_elsewhere)
        self.search.setFocus()

    def _changed_elsewhere(self, changes: OpChanges, initiator: object) -> None:
        if self.store._repo is None:  # locked: the page goes with it
            return
        if not (changes.touches("employment") or changes.touches("person") or changes.sync):
            return
        if not isinstance(initiator, PersonCard):  # a card's own writes reload the list already
            self.model.reload()
        self._read_filter_values()  # a sync or an import may bring new subdivisions and positions

    # -- building blocks -----------------------------------------------------------------------
    def _combo(self, name: str, everything: str, items: list[tuple[str, str]]) -> QComboBox:
        c = QComboBox()
        c.setObjectName(name)
        # Shrinks with the window (the record fits 960×600): long names are cut, shown whole in the list.
        c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        c.setMinimumContentsLength(8)
        c.addItem(everything, None)
        for text, value in items:
            c.addItem(text, value)
        c.currentIndexChanged.connect(lambda _i: self._filters_changed())
        return c

    def _read_filter_values(self) -> None:
        if self.store._repo is None:
            return
        repo, org = self.store.repo, self.model.query.org_inn

        def got(values: card_tasks.OrgValues) -> None:
            nsi = self.store.nsi
            for combo, items in ((self.f_subdivision, [(s, s) for s in values.subdivisions]),
                                 (self.f_position, [(nsi.name("position", c), c) for c in values.positions])):
                keep = combo.currentData()
                combo.blockSignals(True)
                while combo.count() > 1:
                    combo.removeItem(1)
                for text, value in items:
                    combo.addItem(text, value)
                i = combo.findData(keep)
                combo.setCurrentIndex(max(i, 0))
                combo.blockSignals(False)

        Op(self, lambda: card_tasks.org_values(repo, org), worker=self.store.worker).success(got).failure(
            lambda _e: None).run()

    # -- queries -------------------------------------------------------------------------------
    def _search_now(self) -> None:
        self.model.update_query(search=self.search.text())

    def _filters_changed(self) -> None:
        self.model.update_query(subdivision=self.f_subdivision.currentData(),
                                position_code=self.f_position.currentData(),
                                position_type=self.f_type.currentData(), status=self.f_status.currentData(),
                                state=self.f_state.currentData(), expiring=self.f_expiring.isChecked())

    def _org_changed(self, _i: int) -> None:
        self.model.update_query(org_inn=self.org_combo.currentData())
        self._read_filter_values()

    def _update_footer(self) -> None:
        c: Counts = self.model.counts
        shown = self.model.rowCount()
        self.footer.setText(tr("Показано: {shown} из {total} · работают: {active} · уволены: {dismissed}").format(
            shown=shown, active=c.active, dismissed=c.dismissed,
            total=trn("{n} сотрудника", "{n} сотрудников", "{n} сотрудников", c.total).format(n=c.total)))

    # -- columns -------------------------------------------------------------------------------
    def hidden_columns(self) -> list[str]:
        raw = self.settings.get(HIDDEN_SETTING) or []
        return [c for c in raw if c in COLUMNS and c != "fio"] if isinstance(raw, list) else []

    def _apply_hidden(self) -> None:
        hidden = set(self.hidden_columns())
        for i, name in enumerate(self.model.columns):
            self.table.setColumnHidden(i, name in hidden)

    def set_column_shown(self, name: str, shown: bool) -> None:
        hidden = [c for c in self.hidden_columns() if c != name] + ([] if shown else [name])
        self.settings[HIDDEN_SETTING] = hidden
        self._apply_hidden()
        if self._save_settings is not None:
            self._save_settings(self.settings)

    def _column_menu(self, at: QPoint) -> None:
        menu = QMenu(self)
        hidden = set(self.hidden_columns())
        for name, title in COLUMNS.items():
            action = menu.addAction(tr(title))
            action.setCheckable(True)
            action.setChecked(name not in hidden)
            action.setEnabled(name != "fio")  # a row with no name would be nobody
            action.toggled.connect(lambda on, n=name: self.set_column_shown(n, on))
        menu.popup(at)

    # -- requests --------------------------------------------------------------------------------
    def selected_persons(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        out = [self.model.data(self.model.index(r, 0), PERSON_ID_ROLE) for r in rows]
        return [str(p) for p in out if p]

    def request_selected(self) -> RequestDialog | None:
        ids = self.selected_persons()
        if self.read_only or not ids:
            self.footer.setText(tr("Выберите сотрудников в списке (Ctrl или Shift — нескольких)"))
            return None
        dialog = RequestDialog(self.store, ids, tr("выбрано сотрудников: {n}").format(n=len(ids)), self)
        dialog.sent.connect(lambda made: self.footer.setText(
            tr("Запросов поставлено в очередь: {n}. Они отправятся при синхронизации.").format(n=len(made))))
        dialog.open()
        return dialog

    # -- import and export ---------------------------------------------------------------------
    def open_import(self) -> ImportWizard | None:
        if self.read_only:
            return None
        wizard = ImportWizard(self.store, self)
        wizard.open()
        return wizard

    def export(self, fmt: str, path: str | None = None, *, by_card: bool = False) -> Op | None:
        """The organization's staff to .xlsx or CSV (names, дд.мм.гггг, typed cells, safe from
        formula injection: ``desktop/documents/staff_export.py``), written off the GUI thread."""
        from pathlib import Path

        suffix = ".xlsx" if fmt == "xlsx" else ".csv"
        target = path or QFileDialog.getSaveFileName(self, tr("Экспорт сотрудников"), tr("Сотрудники") + suffix,
                                                     f"{fmt.upper()} (*{suffix})")[0]
        if not target:
            return None
        from desktop.documents.staff_export import export_file

        repo, org, out = self.store.repo, self.model.query.org_inn, Path(target)
        self.footer.setText(tr("Экспорт…"))
        return Op(self, lambda: export_file(repo, fmt, out, org_inn=org, by_card=by_card),
                  worker=self.store.worker).success(
            lambda _n: self.footer.setText(tr("Сохранено: {path}").format(path=out))).failure(
            lambda e: self.footer.setText(describe_error(e))).run()

    def print_list(self, printer: Any = None) -> Op:
        """The list as shown (its order, its columns; the first ``PRINT_ROWS`` rows) to a printer:
        the rows are read on the DB worker, the page laid out here once they are."""
        repo, org = self.store.repo, self.model.query.org_inn
        hidden = set(self.hidden_columns())
        columns = [c for c in self.model.columns if c not in hidden]
        ids = list(self.model.row_ids)
        title = tr("Сотрудники") + (f" — {self.org_name()}" if self.org_name() else "")
        self.footer.setText(tr("Подготовка к печати…"))

        def ready(html: str) -> None:
            from PySide6.QtGui import QTextDocument
            from PySide6.QtPrintSupport import QPrintDialog, QPrinter

            target = printer
            if target is None:
                target = QPrinter()
                if QPrintDialog(target, self).exec() != QDialog.DialogCode.Accepted:
                    self._update_footer()
                    return
            doc = QTextDocument()
            doc.setHtml(html)
            doc.print_(target)
            self.footer.setText(tr("Список отправлен на печать"))

        return Op(self, lambda: card_tasks.list_html(repo, ids, org, columns, title),
                  worker=self.store.worker).success(ready).failure(
            lambda e: self.footer.setText(describe_error(e))).run()

    # -- persons -------------------------------------------------------------------------------
    def current_person(self) -> str | None:
        i = self.table.currentIndex()
        if not i.isValid():
            return None
        value = self.model.data(self.model.index(i.row(), 0), PERSON_ID_ROLE)
        return str(value) if value else None

    def open_current(self) -> PersonCard | None:
        pid = self.current_person()
        return self.open_person(pid) if pid else None

    def org_name(self) -> str:
        org = self.model.query.org_inn
        return next((name for inn, name in self.organizations if inn == org), "")

    def open_person(self, person_id: str) -> PersonCard:
        card = PersonCard(self.store, person_id, self.model.query.org_inn, self.org_name(),
                          read_only=self.read_only, parent=self)
        card.changed.connect(lambda: self.model.reload([person_id]))
        card.finished.connect(lambda _r: self.cards.remove(card) if card in self.cards else None)
        self.cards.append(card)
        card.show()
        return card

    def add_person(self) -> AddPersonDialog | None:
        if self.read_only:
            return None
        dialog = AddPersonDialog(self.store, self)
        dialog.person_ready.connect(self._person_ready)
        dialog.open()
        return dialog

    def _person_ready(self, person_id: str, created: bool) -> None:
        if created:
            self.model.reload()
        card = self.open_person(person_id)
        if created:
            card.tabs.setCurrentIndex(1)


class AddPersonDialog(QDialog):
    """«Добавить сотрудника» starts from the СНИЛС, checked as typed: a person already in the
    vault is opened, not created twice; else the person's required fields, then the card."""

    #: (person id, created now)
    person_ready = Signal(str, bool)

    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("add_person_dialog")
        self.store = store
        self.setWindowTitle(tr("Добавить сотрудника"))
        self.setModal(True)
        self.resize(560, 520)
        self.snils = QLineEdit()
        self.snils.setObjectName("snils")
        self.snils.setPlaceholderText("XXX-XXX-XXX YY")
        self.snils_hint = QLabel(tr("Введите СНИЛС: с него начинается сотрудник"))
        self.snils_hint.setObjectName("snils_hint")
        self.snils_hint.setWordWrap(True)
        self.snils.textChanged.connect(self._snils_typed)
        self.form = RecordForm(PERSON, store.nsi, role=store.role)
        self.form.editors["snils"].setEnabled(False)
        self.form.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.next_button = QPushButton(tr("Далее"))
        self.next_button.setObjectName("next")
        self.next_button.setDefault(True)
        self.next_button.setEnabled(False)
        self.next_button.clicked.connect(self.next_step)
        cancel = QPushButton(tr("Отмена"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("СНИЛС") + " *"))
        layout.addWidget(self.snils)
        layout.addWidget(self.snils_hint)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.stage = "snils"
        #: the registry's answer when it knows the СНИЛС (creation is then refused)
        self.registry_known: dict[str, Any] | None = None
        self.snils.setFocus()

    def _snils_typed(self, text: str) -> None:
        digits = normalize_snils(text)
        if len(digits) < 11:
            self.snils_hint.setStyleSheet("")
            self.snils_hint.setText(tr("Осталось цифр: {n}").format(n=11 - len(digits)))
            self.next_button.setEnabled(False)
        elif len(digits) > 11 or not snils_is_valid(digits):
            self.snils_hint.setStyleSheet(ERROR_STYLE)
            self.snils_hint.setText(tr("СНИЛС указан с ошибкой: не сходится контрольное число"))
            self.next_button.setEnabled(False)
        else:
            self.snils_hint.setStyleSheet("")
            self.snils_hint.setText(tr("СНИЛС верный: {snils}").format(snils=format_snils(digits)))
            self.next_button.setEnabled(True)

    def next_step(self) -> None:
        if self.stage == "snils":
            digits = normalize_snils(self.snils.text())
            if len(digits) != 11 or not snils_is_valid(digits):
                return
            repo = self.store.repo
            Op(self, lambda: card_tasks.find_person(repo, digits), worker=self.store.worker).success(
                self._looked_up).failure(lambda e: self.status.setText(describe_error(e))).run()
        else:
            self._create()

    def _looked_up(self, found: dict[str, Any] | None) -> None:
        if found is not None:
            self.person_ready.emit(str(found["id"]), False)
            self.accept()
            return
        # Not in the vault: ask the registry, so the same СНИЛС never becomes a second person.
        from desktop.views.hr.confirm_tasks import registry_person

        vault, digits = self.store.repo.vault, normalize_snils(self.snils.text())
        self.snils_hint.setText(tr("Поиск в регистре…"))
        self.next_button.setEnabled(False)
        Op(self, lambda: registry_person(vault, digits), pool=True).success(self._registry_answered).failure(
            self._registry_unreachable).run()

    def _registry_answered(self, known: dict[str, Any] | None) -> None:
        if known is None:
            self._ask_person(tr("Ни в хранилище, ни в регистре такого человека нет: заполните персональные данные."))
            return
        self.registry_known = known
        if known.get("in_my_organizations"):
            # one of the clerk's own staff, not synced here yet: kept as the registry has it
            self._link(dict(known.get("fields") or {}), int(known.get("version") or 0))
            return
        # Known elsewhere: the registry says only that the СНИЛС exists. The clerk types the
        # person from their documents, and the first card opened here links them.
        self._ask_person(tr("Человек с этим СНИЛС уже есть в регистре. Второй раз его не создают: заполните "
                            "данные по документам — он будет связан с вашей организацией, когда вы откроете "
                            "ему карточку трудоустройства."))
        self.next_button.setText(tr("Связать"))

    def _registry_unreachable(self, exc: BaseException) -> None:
        self._ask_person(tr("Регистр недоступен ({why}): человек будет создан в хранилище и отправлен при "
                            "синхронизации.").format(why=describe_error(exc)))

    def _ask_person(self, hint: str) -> None:
        self.next_button.setEnabled(True)
        self.stage = "person"
        digits = normalize_snils(self.snils.text())
        self.snils.setReadOnly(True)
        self.form.set_values({"snils": digits})
        self.form.show()
        self.snils_hint.setStyleSheet("")
        self.snils_hint.setText(hint)
        self.next_button.setText(tr("Создать"))
        self.form.editors["last_name"].setFocus()

    def _create(self) -> None:
        from desktop.models import staff

        values = dict(self.form.values())
        values["snils"] = normalize_snils(self.snils.text())
        repo = self.store.repo
        self.form.clear_errors()
        if self.registry_known is not None:
            self._link(values, 0)
            return
        Op(self, lambda: staff.add_person(repo, values), worker=self.store.worker).success(self._saved).failure(
            self._not_saved).changes(OpChanges.of("person", outbox=True)).run()

    def _saved(self, pid: str) -> None:
        self.person_ready.emit(pid, True)
        self.accept()

    def _not_saved(self, exc: BaseException) -> None:
        from desktop.models import staff
        from desktop.models.validation import ValidationFailed

        self.status.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, staff.DuplicatePerson):
            self.person_ready.emit(exc.person_id, False)
            self.accept()
        elif isinstance(exc, ValidationFailed) and self.stage == "person":
            self.form.show_errors(exc.errors)
            self.status.setText(tr("Не сохранено: исправьте отмеченные поля."))
        else:
            self.status.setText(describe_error(exc))

    def _link(self, values: dict[str, Any], version: int) -> None:
        """Keep the registry's person here under its id (nothing queued: nobody is re-created)."""
        from desktop.models.staff_link import link_person

        known = self.registry_known or {}
        person_id, repo = str(known.get("person_id") or ""), self.store.repo
        Op(self, lambda: link_person(repo, person_id, values, version=version), worker=self.store.worker).success(
            self._saved).failure(self._not_saved).changes(OpChanges.of("person")).run()
