"""«Мой журнал»: this computer's journal (unlocks, edits, exports, signatures) and the server's
(logins with their address, account changes, others' changes to my record), filtered by period
and kind, exported to CSV. Offline, the local part is shown and the page says what is missing."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models.journal import action_text, local_entries, record_export
from desktop.sync.account import JOURNAL_KINDS, signed_in
from desktop.views.account.place import AccountPlace, ignore, say, say_error, status_label
from desktop.views.account.rows_model import RowsModel


def _when(i: dict[str, Any]) -> str:
    return dt.datetime.fromtimestamp(float(i.get("at") or 0)).strftime("%d.%m.%Y %H:%M:%S")


def _what(i: dict[str, Any]) -> str:
    text = tr(action_text(str(i.get("action") or "")))
    if i.get("entity") and i["entity"] not in ("account", "vault"):
        text += f" · {i['entity']}"
    return text


def journal_model() -> RowsModel:
    return RowsModel([
        (N_("Когда"), _when),
        (N_("Что"), _what),
        (N_("Кто"), lambda i: str(i.get("who") or "—")),
        (N_("Адрес"), lambda i: str(i.get("ip") or "")),
        (N_("Поля"), lambda i: ", ".join(i.get("fields") or [])),
        (N_("Где"), lambda i: tr("сервер") if i.get("source") == "server" else tr("этот компьютер")),
    ])


class JournalPage(QWidget):
    def __init__(self, place: AccountPlace, model: RowsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.place = place
        self.model = model
        model.setParent(self)
        self.kind = QComboBox()
        self.kind.setObjectName("journal_kind")
        self.kind.addItem(tr("Все записи"), "")
        for key, name in JOURNAL_KINDS.items():
            self.kind.addItem(tr(name), key)
        self.period = QCheckBox(tr("За период:"))
        self.period.setObjectName("journal_period")
        self.since = QDateEdit(QDate.currentDate().addMonths(-1))
        self.since.setObjectName("journal_since")
        self.until = QDateEdit(QDate.currentDate())
        self.until.setObjectName("journal_until")
        for d in (self.since, self.until):
            d.setCalendarPopup(True)
            d.setDisplayFormat("dd.MM.yyyy")
        self.show_button = QPushButton(tr("Показать"))
        self.show_button.setObjectName("journal_show")
        self.export_button = QPushButton(tr("Выгрузить…"))
        self.export_button.setObjectName("journal_export")
        self.table = QTableView()
        self.table.setObjectName("journal_table")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = status_label("journal_status")
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Вид:")))
        row.addWidget(self.kind)
        row.addWidget(self.period)
        row.addWidget(self.since)
        row.addWidget(QLabel("—"))
        row.addWidget(self.until)
        row.addWidget(self.show_button)
        row.addStretch(1)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.show_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export)

    def _range(self) -> tuple[float, float]:
        if not self.period.isChecked():
            return 0.0, 0.0
        s, u = self.since.date(), self.until.date()
        since = dt.datetime(s.year(), s.month(), s.day()).timestamp()
        until = dt.datetime(u.year(), u.month(), u.day()).timestamp() + 86400 - 0.001
        return since, until

    def refresh(self) -> None:
        since, until = self._range()
        if since and until and since > until:
            say(self.status, tr("Начало периода позже его конца."), False)
            return
        kind = str(self.kind.currentData() or "")
        repo = self.place.repo
        say(self.status, tr("Загрузка…"))

        def local() -> tuple[list[dict[str, Any]], bool]:
            return local_entries(repo, since=since, until=until, kind=kind), signed_in(repo.vault)

        def got_local(result: tuple[list[dict[str, Any]], bool]) -> None:
            items, online = result
            self.model.set_rows(items)
            if not online:
                say(self.status, tr("Вход на сервер не выполнен: показан только журнал этого компьютера."), False)
                return
            if kind == "signature":
                self.status.setText("")
                return
            server_kind = kind

            def merged(server_items: list[dict[str, Any]]) -> None:
                both = items + [{**i, "source": "server"} for i in server_items]
                both.sort(key=lambda i: float(i.get("at") or 0), reverse=True)
                self.model.set_rows(both)
                self.status.setText("")

            def offline(exc: BaseException) -> None:
                say_error(self.status, exc)
                self.status.setText(tr("Журнал сервера недоступен: показан только журнал этого компьютера.")
                                    + " " + self.status.text())

            self.place.server(self, lambda c: c.journal(since=since, until=until, kind=server_kind), merged, offline)

        self.place.local(self, local, got_local, lambda e: say_error(self.status, e))

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Выгрузить журнал"), "frmr-journal.csv", tr("CSV (*.csv)"))
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        rows = [[_when(i), _what(i), i.get("who") or "", i.get("ip") or "", ", ".join(i.get("fields") or []),
                 i.get("source") or "", i.get("detail") or ""] for i in self.model.rows]
        try:
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh, delimiter=";")
                w.writerow([tr("Когда"), tr("Что"), tr("Кто"), tr("Адрес"), tr("Поля"), tr("Где"), tr("Подробности")])
                w.writerows(rows)
        except OSError as exc:
            say_error(self.status, exc)
            return
        repo = self.place.repo
        # an export of the journal is an export too: it is journaled like any other
        self.place.local(self, lambda: record_export(repo, "journal", "csv"), ignore,
                         lambda e: say_error(self.status, e))
        say(self.status, tr("Журнал выгружен: {path} (записей: {n}).").format(path=path, n=len(rows)))
