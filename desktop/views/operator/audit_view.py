"""«Журнал аудита» — who did what, when, from which IP (issue 15): filters by action, login and
dates (checked before asking), export of what is shown to CSV (through the formula guard)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import N_, tr
from desktop.models.textrules import spreadsheet_cell
from desktop.vault.store import Vault
from desktop.views.operator.common import call, list_table, say, show_rows, status_label
from desktop.views.runtime.ops import Op
from desktop.views.widgets.date_input import DateInput

HEADER = [N_("Когда"), N_("Кто"), N_("Действие"), N_("Объект"), N_("Идентификатор"), "IP", N_("Подробности")]


def rows_of(items: list[dict[str, Any]]) -> list[list[Any]]:
    return [[dt.datetime.fromtimestamp(float(e.get("at") or 0)).strftime("%d.%m.%Y %H:%M:%S"), e.get("login") or "—",
             e.get("action") or "", e.get("entity") or "", e.get("entity_id") or "", e.get("ip") or "",
             e.get("detail") or ""] for e in items]


def csv_bytes(items: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(HEADER)
    for r in rows_of(items):
        w.writerow([spreadsheet_cell(v) for v in r])
    return buf.getvalue().encode("utf-8-sig")


def save_csv(items: list[dict[str, Any]], path: str) -> str:
    from desktop.documents.atomic import atomic_write

    atomic_write(path, csv_bytes(items))
    return path


class AuditView(QWidget):
    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operator_audit")
        self.vault = vault
        self.items: list[dict[str, Any]] = []
        self.action = QLineEdit()
        self.action.setPlaceholderText(tr("действие (login, account_change, …)"))
        self.login = QLineEdit()
        self.login.setPlaceholderText(tr("логин"))
        self.since = DateInput()
        self.until = DateInput()
        show = QPushButton(tr("Показать"))
        show.clicked.connect(self.reload)
        export = QPushButton(tr("Экспорт CSV…"))
        export.clicked.connect(self.export)
        self.table = list_table(tr("Журнал аудита"))
        self.status = status_label()
        top = QHBoxLayout()
        for w in (self.action, self.login):
            top.addWidget(w)
        top.addWidget(QLabel(tr("с")))
        top.addWidget(self.since)
        top.addWidget(QLabel(tr("по")))
        top.addWidget(self.until)
        top.addWidget(show)
        top.addWidget(export)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        self.reload()

    def _day(self, w: DateInput, what: str) -> tuple[bool, dt.date | None]:
        if not w.value():
            return True, None
        d = w.date()
        if d is None:
            say(self.status, tr("{what}: неверная дата «{text}».").format(what=what, text=w.text()), "error")
            return False, None
        if not QDate(2000, 1, 1) <= d <= QDate(2100, 12, 31):
            say(self.status, tr("{what}: дата вне допустимого диапазона (2000–2100).").format(what=what), "error")
            return False, None
        return True, dt.date(d.year(), d.month(), d.day())

    def reload(self) -> None:
        ok1, since = self._day(self.since, tr("Начало"))
        ok2, until = self._day(self.until, tr("Конец"))
        if not (ok1 and ok2):
            return
        if since and until and since > until:
            say(self.status, tr("Конец периода раньше начала."), "error")
            return
        action, login = self.action.text().strip(), self.login.text().strip()
        say(self.status, "")
        call(self, self.vault, lambda c: c.audit(action=action, login=login, since=since, until=until),
             self._loaded, self.status, load=True)

    def _loaded(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        show_rows(self.table, [tr(h) for h in HEADER], rows_of(items), [str(e.get("id")) for e in items], stretch=6)

    def export(self) -> None:
        if not self.items:
            say(self.status, tr("Нечего выгружать: журнал пуст для этого отбора."), "warning")
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("Выгрузить журнал"), "audit.csv", "CSV (*.csv)")
        if not path:
            return
        items = list(self.items)
        Op(self, lambda: save_csv(items, path), pool=True) \
            .success(lambda p: say(self.status, tr("Журнал выгружен: {p}").format(p=p), "ok")).run()
