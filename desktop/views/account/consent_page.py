"""«Согласие»: the 152-ФЗ consent — when it was given on this computer, whether the server has it
recorded (time, version of the text), recording it there, and how it is withdrawn."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.sync.account import CONSENT_VERSION, WITHDRAWAL_TEXT
from desktop.views.access.consent_view import CONSENT_TEXT
from desktop.views.account.place import AccountPlace, say, say_error, status_label


class ConsentPage(QWidget):
    def __init__(self, place: AccountPlace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.place = place
        self.given_at = ""
        self.local = status_label("consent_local")
        self.server = status_label("consent_server")
        self.record_button = QPushButton(tr("Записать согласие на сервере"))
        self.record_button.setObjectName("consent_record")
        self.record_button.setEnabled(False)
        text = QTextBrowser()
        text.setPlainText(tr(CONSENT_TEXT))
        withdrawal = QLabel(tr(WITHDRAWAL_TEXT))
        withdrawal.setObjectName("consent_withdrawal")
        withdrawal.setWordWrap(True)
        title = QLabel(tr("Отзыв согласия"))
        title.setStyleSheet("font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(self.server)
        layout.addWidget(self.record_button)
        layout.addWidget(text, 1)
        layout.addWidget(title)
        layout.addWidget(withdrawal)
        self.record_button.clicked.connect(self.record)

    def refresh(self) -> None:
        repo = self.place.repo

        def got_local(given: str | None) -> None:
            self.given_at = given or ""
            if given:
                say(self.local, tr("На этом компьютере согласие дано: {when} (версия текста {version}).")
                    .format(when=given[:19].replace("T", " "), version=CONSENT_VERSION))
            else:
                say(self.local, tr("На этом компьютере согласие не записано."), False)
            self._ask_server()

        self.place.local(self, repo.consent_given, got_local, lambda e: say_error(self.local, e))

    def _ask_server(self) -> None:
        def got(items: list[dict[str, Any]]) -> None:
            current = next((i for i in items if i.get("version") == CONSENT_VERSION), None)
            if current:
                when = dt.datetime.fromtimestamp(float(current.get("recorded_at") or 0)).strftime("%d.%m.%Y %H:%M")
                say(self.server, tr("На сервере записано: {when}, версия текста {version}.")
                    .format(when=when, version=CONSENT_VERSION))
                self.record_button.setEnabled(False)
            else:
                say(self.server, tr("На сервере согласие этой версии ещё не записано."), False)
                self.record_button.setEnabled(bool(self.given_at))

        def failed(exc: BaseException) -> None:
            say_error(self.server, exc)
            self.record_button.setEnabled(False)

        self.place.server(self, lambda c: c.consents(), got, failed)

    def record(self) -> None:
        given = self.given_at
        self.record_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            say_error(self.server, exc)
            self.record_button.setEnabled(True)

        self.place.server(self, lambda c: c.record_consent(given), lambda _r: self._ask_server(), failed)
