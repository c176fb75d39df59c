"""«Сеансы»: where this account is signed in (this computer and others: when, from where, which
program); end one or all others. Ending this computer's own session asks first, then logs the
vault out cleanly — the queue of unsent edits stays for the next login."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QMessageBox, QPushButton, QTableView, QVBoxLayout, QWidget

from desktop.i18n import N_, tr
from desktop.sync.account import SessionInfo
from desktop.views.account.place import AccountPlace, say, say_error, status_label
from desktop.views.account.rows_model import RowsModel
from desktop.views.runtime.ops import OpChanges


def _when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch).strftime("%d.%m.%Y %H:%M") if epoch else "—"


def sessions_model() -> RowsModel:
    return RowsModel([
        (N_("Устройство"), lambda s: s.client + (" — " + tr("этот компьютер") if s.current else "")),
        (N_("Адрес"), lambda s: s.ip or "—"),
        (N_("Вход"), lambda s: _when(s.created_at)),
        (N_("Активность"), lambda s: _when(s.last_used_at)),
    ])


class SessionsPage(QWidget):
    def __init__(self, place: AccountPlace, model: RowsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.place = place
        self.model = model
        model.setParent(self)
        self.table = QTableView()
        self.table.setObjectName("sessions_table")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.refresh_button = QPushButton(tr("Обновить"))
        self.end_button = QPushButton(tr("Завершить выбранный"))
        self.end_button.setObjectName("end_session")
        self.others_button = QPushButton(tr("Завершить все остальные"))
        self.others_button.setObjectName("end_other_sessions")
        self.status = status_label("sessions_status")
        row = QHBoxLayout()
        for b in (self.refresh_button, self.end_button, self.others_button):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.refresh_button.clicked.connect(self.refresh)
        self.end_button.clicked.connect(self.end_selected)
        self.others_button.clicked.connect(self.end_others)

    def refresh(self) -> None:
        def done(items: list[SessionInfo]) -> None:
            self.model.set_rows(items)
            if self.status.text() == tr("Загрузка…"):
                self.status.setText("")

        say(self.status, tr("Загрузка…"))
        self.place.server(self, lambda c: c.sessions(), done, lambda e: say_error(self.status, e))

    def selected(self) -> SessionInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def confirm_end_current(self) -> bool:
        """Overridable in tests; the person is asked before this computer is logged out."""
        answer = QMessageBox.question(
            self, tr("Завершить этот сеанс"),
            tr("Это сеанс этого компьютера: после завершения выполнится выход с сервера. "
               "Несинхронизированные изменения останутся в очереди до следующего входа. Завершить?"))
        return answer == QMessageBox.StandardButton.Yes

    def end_selected(self) -> None:
        s = self.selected()
        if s is None:
            say(self.status, tr("Выберите сеанс в списке."), False)
            return
        if s.current and not self.confirm_end_current():
            return

        def done(was_current: bool) -> None:
            if was_current:
                self.model.set_rows([])
                say(self.status, tr("Сеанс этого компьютера завершён: выполнен выход. Очередь изменений сохранена "
                                    "до следующего входа."))
            else:
                say(self.status, tr("Сеанс завершён."))
                self.refresh()

        self.place.server(self, lambda c: c.end_session(s.id), done, lambda e: say_error(self.status, e),
                          changes=OpChanges(sync=True))

    def end_others(self) -> None:
        def done(n: int) -> None:
            say(self.status, tr("Завершено других сеансов: {n}.").format(n=n))
            self.refresh()

        self.place.server(self, lambda c: c.end_other_sessions(), done, lambda e: say_error(self.status, e))
