"""The section «Учётная запись и безопасность»: a banner with the account and what needs the
server, and one tab per subject. Asks the server who the account is when shown; offline, every
tab that needs the server says so and does nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from desktop.i18n import N_, tr
from desktop.views.account.consent_page import ConsentPage
from desktop.views.account.journal_page import JournalPage, journal_model
from desktop.views.account.password_page import PasswordPage
from desktop.views.account.place import AccountPlace, say, say_error, status_label
from desktop.views.account.second_factor_page import SecondFactorPage
from desktop.views.account.sessions_page import SessionsPage, sessions_model
from desktop.views.shell.sections import ROLE_NAMES


def expiry_reminder(me: dict[str, Any]) -> Any:
    """A «Уведомления» entry when the server password expires within the warning period."""
    from desktop.models.reminders import Reminder

    expires = me.get("password_expires_at")
    if not expires or not me.get("password_expiry_warning"):
        return None
    due = dt.datetime.fromtimestamp(float(expires)).date()
    left = (due - dt.date.today()).days
    return Reminder("account", str(me.get("login") or ""), N_("Пароль на сервере"), "", due, left,
                    left if left >= 0 else None)


class AccountView(QWidget):
    #: the server's answer to /me (dict), each time it arrives
    me_loaded = Signal(dict)

    def __init__(self, place: AccountPlace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.place = place
        title = QLabel(tr("Учётная запись и безопасность"))
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.banner = status_label("account_banner")
        needs = QLabel(tr("Пароль, одноразовые коды, сеансы и журнал сервера требуют связи с сервером; "
                          "журнал этого компьютера и согласие доступны и без неё."))
        needs.setWordWrap(True)
        self.password = PasswordPage(place)
        self.second_factor = SecondFactorPage(place)
        self.sessions = SessionsPage(place, sessions_model())
        self.journal = JournalPage(place, journal_model())
        self.consent = ConsentPage(place)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("account_tabs")
        self.tabs.addTab(self.password, tr("Пароль"))
        self.tabs.addTab(self.second_factor, tr("Второй фактор"))
        self.tabs.addTab(self.sessions, tr("Сеансы"))
        self.tabs.addTab(self.journal, tr("Мой журнал"))
        self.tabs.addTab(self.consent, tr("Согласие"))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.banner)
        layout.addWidget(needs)
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._tab_shown)
        self._loaded = False
        self.me: dict[str, Any] = {}

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.refresh()

    def refresh(self) -> None:
        say(self.banner, tr("Связываемся с сервером…"))
        self.refresh_me()
        self._tab_shown(self.tabs.currentIndex())

    def refresh_me(self) -> None:
        self.place.server(self, lambda c: c.me(), self._got_me, self._no_server)

    def _got_me(self, me: dict[str, Any]) -> None:
        self.me = me
        role = tr(ROLE_NAMES.get(str(me.get("role")), str(me.get("role"))))
        say(self.banner, tr("Учётная запись на сервере: {login} ({role}).").format(login=me.get("login"), role=role))
        if me.get("restricted") == "enrol":
            say(self.banner, tr("Второй фактор сброшен оператором: подключите одноразовые коды заново "
                                "(вкладка «Второй фактор»)."), False)
            self.tabs.setCurrentWidget(self.second_factor)
        elif me.get("restricted") == "password":
            say(self.banner, tr("Срок действия пароля истёк: смените пароль (вкладка «Пароль»)."), False)
            self.tabs.setCurrentWidget(self.password)
        self.password.show_me(me)
        self.second_factor.show_me(me)
        self.me_loaded.emit(me)

    def _no_server(self, exc: BaseException) -> None:
        say_error(self.banner, exc)

    def _tab_shown(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is self.sessions:
            self.sessions.refresh()
        elif page is self.journal:
            self.journal.refresh()
        elif page is self.consent:
            self.consent.refresh()
