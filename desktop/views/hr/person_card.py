"""The person card of «Сотрудники»: what the HR clerk may see and edit of one person.

Tabs: personal data (the clerk edits them; a manager reads), the employment cards in this
organization (Ins add, F2/Enter edit, Del delete, «Увольнение», «Перевод», «Скопировать из
предыдущей карточки»), education and qualification read-only with expiries highlighted, the
стаж, and the history of changes to this person (the vault's journal: who, when, which fields).

Everything is read and written by ops on the DB worker; every write goes through the staff
core (``desktop/models/staff.py``) and announces what it changed, so the list follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models import staff
from desktop.models.formatting import display_field, fmt_date
from desktop.models.schema import ENTITIES, PERSON
from desktop.models.seniority import profile_name, span_text
from desktop.models.validation import ValidationFailed
from desktop.views.hr import card_tasks
from desktop.views.hr.card_dialog import CardDialog, CloseDialog
from desktop.views.hr.request_dialog import RequestDialog
from desktop.views.hr.styles import ERROR_STYLE, EXPIRED_BG, MUTED, SOON_BG
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges
from desktop.views.widgets.record_form import RecordForm

CARD_COLUMNS = ("position_code", "subdivision", "position_type", "rate", "begin_date", "end_date", "end_reason",
                "status")
EXPIRED = QColor(EXPIRED_BG)
SOON = QColor(SOON_BG)
SOON_DAYS = 90
#: per entity: (what it is, its date of expiry)
QUAL = {"education": ("institution", None), "certificate": ("specialty_code", "valid_until"),
        "accreditation": ("specialty_code", "valid_until"), "category": ("level", "end_date")}
#: what an empty tab says instead of a bare table
EMPTY_NOTES = {"qualification": N_("Сведений об образовании, сертификатах, аккредитации и категориях нет."),
               "history": N_("В этом хранилище данные человека не менялись: они получены с сервера как есть."),
               "requests": N_("Запросов этому человеку от организации нет.")}
ACTIONS = {"add": "добавлено", "edit": "изменено", "delete": "удалено", "import": "получено при синхронизации"}


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class PersonCard(QDialog):
    #: something of this person was written (the list re-reads its rows)
    changed = Signal()

    def __init__(self, store: RecordStore, person_id: str, org_inn: str | None, org_name: str, *,
                 read_only: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("person_card")
        self.store = store
        self.person_id = person_id
        self.org_inn = org_inn
        self.org_name = org_name
        self.read_only = read_only
        self.data: card_tasks.PersonData | None = None
        self.org: card_tasks.OrgValues | None = None
        self.setWindowTitle(tr("Карточка сотрудника"))
        self.resize(980, 680)
        self.header = QLabel(tr("Загрузка…"))
        self.header.setObjectName("person_header")
        self.header.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.tabs = QTabWidget()
        self.empty_notes: dict[str, QLabel] = {}
        # personal data
        self.form = RecordForm(PERSON, store.nsi, role=store.role, current={})
        self.form.setEnabled(not read_only)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.person_status = QLabel()
        self.person_status.setWordWrap(True)
        self.save_person_button = QPushButton(tr("Сохранить персональные данные"))
        self.save_person_button.setObjectName("save_person")
        self.save_person_button.clicked.connect(self.save_person)
        self.save_person_button.setVisible(not read_only)
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(scroll, 1)
        box.addWidget(self.person_status)
        box.addWidget(self.save_person_button, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(page, tr("Персональные данные"))
        # employment cards
        spec = ENTITIES["employment"]
        self.cards = _table([tr(spec.field(n).label) for n in CARD_COLUMNS], "cards")
        self.cards.doubleClicked.connect(lambda _i: self.edit_card())
        self.cards_status = QLabel()
        self.cards_status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.card_buttons: dict[str, QPushButton] = {}
        for key, title, slot in (("add", N_("Добавить (Ins)"), self.add_card),
                                 ("edit", N_("Изменить (F2)"), self.edit_card),
                                 ("close", N_("Увольнение"), self.close_card),
                                 ("transfer", N_("Перевод"), self.transfer),
                                 ("copy", N_("Скопировать из предыдущей карточки"), self.copy_previous),
                                 ("delete", N_("Удалить (Del)"), self.delete_card)):
            b = QPushButton(tr(title))
            b.setObjectName(f"card_{key}")
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            b.setVisible(not read_only)
            buttons.addWidget(b)
            self.card_buttons[key] = b
        buttons.addStretch(1)
        page = QWidget()
        box = QVBoxLayout(page)
        box.addLayout(buttons)
        box.addWidget(self.cards, 1)
        box.addWidget(self.cards_status)
        self.tabs.addTab(page, tr("Трудоустройство"))
        # qualification, стаж, history
        self.qualification = _table([tr("Раздел"), tr("Что"), tr("Документ"), tr("Дата"), tr("Действует до")],
                                    "qualification")
        self.tabs.addTab(self._with_empty_note("qualification", self.qualification), tr("Образование и квалификация"))
        self.seniority = QLabel()
        self.seniority.setObjectName("seniority")
        self.seniority.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.seniority.setWordWrap(True)
        self.seniority.setMargin(12)
        self.tabs.addTab(self.seniority, tr("Стаж"))
        self.history = _table([tr("Когда"), tr("Кто"), tr("Действие"), tr("Раздел"), tr("Поля")], "history")
        self.tabs.addTab(self._with_empty_note("history", self.history), tr("История изменений"))
        self.requests = _table([tr("Тип запроса"), tr("Дата получения"), tr("Статус"), tr("Текст")], "requests")
        self.tabs.addTab(self._with_empty_note("requests", self.requests), tr("Запросы"))
        close = QPushButton(tr("Закрыть"))
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        self.request_button = QPushButton(tr("Запрос работнику…"))
        self.request_button.setObjectName("send_request")
        self.request_button.setAutoDefault(False)
        self.request_button.clicked.connect(self.send_request)
        self.request_button.setVisible(not read_only)
        bottom = QHBoxLayout()
        bottom.addWidget(self.request_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        if not read_only:
            # Ins and F2 anywhere in the card (as in 1С); Enter and Del only on the cards' table,
            # where they cannot mean a line break or a deleted character.
            for keys, slot, where, context in (
                    ("Ins", self.add_card, self, Qt.ShortcutContext.WindowShortcut),
                    ("F2", self.edit_card, self, Qt.ShortcutContext.WindowShortcut),
                    ("Return", self.edit_card, self.cards, Qt.ShortcutContext.WidgetShortcut),
                    ("Enter", self.edit_card, self.cards, Qt.ShortcutContext.WidgetShortcut),
                    ("Del", self.delete_card, self.cards, Qt.ShortcutContext.WidgetShortcut)):
                sc = QShortcut(QKeySequence(keys), where, slot)
                sc.setContext(context)
        self.tabs.currentChanged.connect(lambda i: self.cards.setFocus() if i == 1 else None)
        self.loaded_ops = 0
        self.reload()
        self._read_org_values()

    def _with_empty_note(self, name: str, table: QTableWidget) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        note = QLabel(tr(EMPTY_NOTES[name]))
        note.setObjectName(f"empty_{name}")
        note.setWordWrap(True)
        note.setMargin(8)
        note.hide()
        self.empty_notes[name] = note
        box.addWidget(note)
        box.addWidget(table, 1)
        return page

    def _note_empty(self, name: str, rows: int) -> None:
        self.empty_notes[name].setVisible(rows == 0)

    # -- reading ---------------------------------------------------------------------------------
    def reload(self) -> Op | None:
        if self.store._repo is None:  # locked meanwhile: the card is being closed
            return None
        repo, pid, org = self.store.repo, self.person_id, self.org_inn
        return Op(self, lambda: card_tasks.read_person(repo, pid, org), worker=self.store.worker).success(
            self._show).failure(lambda e: self.header.setText(describe_error(e))).run()

    def _read_org_values(self) -> None:
        repo, org = self.store.repo, self.org_inn

        def got(values: card_tasks.OrgValues) -> None:
            self.org = values

        Op(self, lambda: card_tasks.org_values(repo, org), worker=self.store.worker).success(got).failure(
            lambda _e: None).run()

    def _show(self, data: card_tasks.PersonData | None) -> None:
        self.loaded_ops += 1
        if data is None:
            self.header.setText(tr("Человек не найден в хранилище"))
            return
        self.data = data
        p = data.person
        snils = display_field("person", "snils", p.get("snils"), self.store.nsi)
        self.header.setText(f"{staff.full_name(p)} · {tr('СНИЛС')} {snils}")
        self.form.set_values(p)
        if data.linked and not self.read_only:
            from desktop.models.staff_link import linked_read_only

            self.form.setEnabled(False)
            self.save_person_button.setVisible(False)
            self.person_status.setText(linked_read_only())
        self._fill_cards(data.cards)
        self._fill_qualification(data.qualification)
        s = data.seniority
        lines = [f"<b>{tr('Общий стаж')}:</b> {span_text(s.total)}"]
        lines += [f"{profile_name(prof)}: {span_text(span)}" for prof, span in s.by_profile.items()]
        self.seniority.setText("<br>".join(lines))
        self._fill_history(data.history)
        self._fill_requests(data.requests)

    def _fill_cards(self, cards: list[dict[str, Any]]) -> None:
        t = self.cards
        keep = self.selected_card()
        t.setRowCount(len(cards))
        for r, card in enumerate(cards):
            for c, name in enumerate(CARD_COLUMNS):
                item = QTableWidgetItem(display_field("employment", name, card.get(name), self.store.nsi))
                item.setData(Qt.ItemDataRole.UserRole, card["id"])
                if card.get("end_date"):
                    item.setForeground(QBrush(QColor(MUTED)))
                t.setItem(r, c, item)
            if keep is not None and card["id"] == keep["id"]:
                t.selectRow(r)
        if t.currentRow() < 0 and cards:
            t.selectRow(len(cards) - 1)
        self.cards_status.setText(tr("Карточек в организации: {n}").format(n=len(cards)) if cards else
                                  tr("В этой организации карточек нет. Ins — добавить."))

    def _fill_qualification(self, qual: dict[str, list[dict[str, Any]]]) -> None:
        today = dt.date.today()
        soon = (today + dt.timedelta(days=SOON_DAYS)).isoformat()
        rows: list[tuple[str, str, str, str, str | None]] = []
        nsi = self.store.nsi
        for name, (what, until_field) in QUAL.items():
            spec = ENTITIES[name]
            for r in qual.get(name, []):
                doc = " ".join(str(r.get(k)) for k in ("doc_series", "doc_number", "cert_series", "cert_number",
                                                        "registry_number", "order_number") if r.get(k))
                date = r.get("end_date") if name == "education" else (
                    r.get("issue_date") or r.get("protocol_date") or r.get("begin_date"))
                text = display_field(name, what, r.get(what), nsi)
                if name == "category":
                    text = f"{text} ({display_field(name, 'specialty_code', r.get('specialty_code'), nsi)})"
                rows.append((tr(spec.label), text, doc, str(date or ""), r.get(until_field) if until_field else None))
        t = self.qualification
        t.setRowCount(len(rows))
        self._note_empty("qualification", len(rows))
        for i, (kind, text, doc, date, until) in enumerate(rows):
            values = [kind, text, doc, fmt_date(date) if date else "", fmt_date(until) if until else ""]
            color = None
            if until:
                color = EXPIRED if until < today.isoformat() else SOON if until <= soon else None
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                if color is not None:
                    item.setBackground(QBrush(color))
                    item.setToolTip(tr("Срок истёк") if color is EXPIRED else tr("Срок истекает в ближайшие 90 дней"))
                t.setItem(i, c, item)

    def _fill_history(self, history: list[dict[str, Any]]) -> None:
        t = self.history
        t.setRowCount(len(history))
        self._note_empty("history", len(history))
        for i, h in enumerate(history):
            spec = ENTITIES.get(str(h["entity"]))
            fields = ", ".join(tr(spec.field(f).label) if spec and f in spec.names else f for f in h["fields"])
            when = str(h["ts"])[:19].replace("T", " ")
            for c, v in enumerate([when, str(h["user"]), tr(ACTIONS.get(str(h["action"]), str(h["action"]))),
                                   tr(spec.label) if spec else str(h["entity"]), fields]):
                t.setItem(i, c, QTableWidgetItem(v))

    def _fill_requests(self, requests: list[dict[str, Any]]) -> None:
        t = self.requests
        rows = sorted(requests, key=lambda r: str(r.get("received_at") or ""), reverse=True)
        t.setRowCount(len(rows))
        self._note_empty("requests", len(rows))
        for i, r in enumerate(rows):
            for c, name in enumerate(("kind", "received_at", "status", "text")):
                t.setItem(i, c, QTableWidgetItem(display_field("request", name, r.get(name), self.store.nsi)))

    def send_request(self) -> RequestDialog | None:
        if self.read_only or self.data is None:
            return None
        dialog = RequestDialog(self.store, [self.person_id], staff.full_name(self.data.person), self)
        dialog.sent.connect(lambda _ids: self.reload())
        dialog.open()
        return dialog

    # -- cards -----------------------------------------------------------------------------------
    def selected_card(self) -> dict[str, Any] | None:
        if self.data is None:
            return None
        row = self.cards.currentRow()
        item = self.cards.item(row, 0) if row >= 0 else None
        if item is None:
            return None
        cid = item.data(Qt.ItemDataRole.UserRole)
        return next((c for c in self.data.cards if c["id"] == cid), None)

    def _write(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException], None] | None = None) -> Op:
        def ok(value: Any) -> None:
            self.changed.emit()
            self.reload()
            if done is not None:
                done(value)

        def bad(exc: BaseException) -> None:
            if failed is not None:
                failed(exc)
            else:
                self._say(exc)

        return Op(self, fn, worker=self.store.worker).success(ok).failure(bad).changes(
            OpChanges.of(("employment", "person"), outbox=True)).run()

    def _say(self, exc: BaseException) -> None:
        self.cards_status.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, ValidationFailed):
            self.cards_status.setText("\n".join(exc.errors.values()))
        else:
            self.cards_status.setText(describe_error(exc))

    def _card_dialog(self, row: dict[str, Any] | None, initial: dict[str, Any] | None = None) -> CardDialog:
        repo, pid = self.store.repo, self.person_id

        org_inn = self.org_inn

        def save(values: dict[str, Any], done: Callable[[Any], None], failed: Callable[[BaseException], None]) -> None:
            card_id = None if row is None else str(row["id"])
            if card_id is None and org_inn:
                # the organization chosen in «Сотрудники» (a clerk of several must name it)
                values = {**values, "org_inn": org_inn}
            self._write(lambda: card_tasks.save_card(repo, pid, card_id, values), done, failed)

        org = self.org
        siblings = self.data.all_cards if self.data else []
        return CardDialog(self.store.nsi, self.store.role, save, row=row, initial=initial, siblings=siblings,
                          subdivisions=org.subdivisions if org else [], positions=org.positions if org else [],
                          org_name=self.org_name, parent=self)

    def add_card(self, initial: dict[str, Any] | None = None) -> CardDialog | None:
        if self.read_only or self.data is None:
            return None
        dialog = self._card_dialog(None, initial if isinstance(initial, dict) else None)
        dialog.open()
        return dialog

    def edit_card(self) -> CardDialog | None:
        card = self.selected_card()
        if self.read_only or card is None:
            return None
        dialog = self._card_dialog(card)
        dialog.open()
        return dialog

    def copy_previous(self) -> None:
        if self.read_only or self.data is None:
            return
        repo, pid = self.store.repo, self.person_id
        def got(values: dict[str, Any]) -> None:
            self.add_card(values)

        Op(self, lambda: staff.copy_from_previous(repo, pid), worker=self.store.worker).success(got).failure(
            self._say).run()

    def _close_like(self, transfer: bool) -> CloseDialog | None:
        card = self.selected_card()
        if self.read_only or card is None:
            return None
        org = self.org
        dialog = CloseDialog(tr("Перевод") if transfer else tr("Увольнение"), transfer=transfer,
                             nsi=self.store.nsi, positions=org.positions if org else [],
                             subdivisions=org.subdivisions if org else [], parent=self)
        repo, cid = self.store.repo, str(card["id"])

        def accepted() -> None:
            end, reason, new = dialog.end_date.text().strip(), dialog.reason.currentText().strip(), dialog.new_values()
            if transfer:
                self._write(partial(staff.transfer, repo, cid, end, new, end_reason=reason))
            else:
                self._write(partial(staff.close_card, repo, cid, end, reason))

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def close_card(self) -> CloseDialog | None:
        return self._close_like(False)

    def transfer(self) -> CloseDialog | None:
        return self._close_like(True)

    def delete_card(self) -> None:
        card = self.selected_card()
        if self.read_only or card is None:
            return
        answer = QMessageBox.question(self, tr("Удаление"), tr("Удалить карточку трудоустройства?"))
        if answer == QMessageBox.StandardButton.Yes:
            repo, cid = self.store.repo, str(card["id"])
            self._write(lambda: card_tasks.delete_card(repo, cid))

    # -- personal data ---------------------------------------------------------------------------
    def save_person(self) -> None:
        if self.read_only:
            return
        repo, pid, values = self.store.repo, self.person_id, self.form.values()
        self.form.clear_errors()
        self.person_status.setStyleSheet("")
        self.person_status.setText(tr("Сохранение…"))

        def failed(exc: BaseException) -> None:
            self.person_status.setStyleSheet(ERROR_STYLE)
            if isinstance(exc, ValidationFailed):
                self.form.show_errors(exc.errors)
                self.person_status.setText(tr("Не сохранено: исправьте отмеченные поля."))
            else:
                self.person_status.setText(describe_error(exc))

        self._write(lambda: card_tasks.save_person(repo, pid, values),
                    lambda _r: self.person_status.setText(tr("Сохранено.")), failed)
