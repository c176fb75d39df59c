"""«Пароль»: change the server password (the policy checked as it is typed, the same rule the
server applies: desktop/models/passwords.py), and the forgotten-password path — the operator's
one-time code and a new password the operator never sees."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.models import passwords
from desktop.models.repository import get_meta
from desktop.sync.account import reset_password
from desktop.sync.auth import SERVER_KEY
from desktop.views.account.place import AccountPlace, say, say_error, status_label
from desktop.views.runtime.ops import Op


def _secret_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(300)
    return field


class PolicyChecklist(QWidget):
    """One line per rule, ticked as the password is typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.lines: dict[str, QLabel] = {}
        for rule in passwords.check(""):
            label = QLabel()
            label.setObjectName(f"rule_{rule.key}")
            self.lines[rule.key] = label
            layout.addWidget(label)
        self.update_for("")

    def update_for(self, password: str) -> bool:
        ok = True
        for rule in passwords.check(password):
            self.lines[rule.key].setText(("✔ " if rule.met else "✘ ") + tr(rule.text))
            self.lines[rule.key].setStyleSheet("color: #1b5e20;" if rule.met else "color: #757575;")
            ok = ok and rule.met
        return ok


class PasswordPage(QWidget):
    def __init__(self, place: AccountPlace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.place = place
        self.expiry = status_label("password_expiry")

        change = QGroupBox(tr("Сменить пароль на сервере"))
        form = QFormLayout(change)
        self.old = _secret_field("old_password")
        self.new = _secret_field("new_password")
        self.repeat = _secret_field("repeat_password")
        self.rules = PolicyChecklist()
        self.change_button = QPushButton(tr("Сменить пароль"))
        self.change_button.setObjectName("change_password")
        self.status = status_label("password_status")
        form.addRow(tr("Текущий пароль:"), self.old)
        form.addRow(tr("Новый пароль:"), self.new)
        form.addRow("", self.rules)
        form.addRow(tr("Повторите новый:"), self.repeat)
        form.addRow("", self.change_button)
        form.addRow("", self.status)
        note = QLabel(tr("После смены пароля остальные сеансы завершаются: на других устройствах "
                         "войдите с новым паролем."))
        note.setWordWrap(True)
        form.addRow("", note)

        forgot = QGroupBox(tr("Забыли пароль?"))
        fform = QFormLayout(forgot)
        hint = QLabel(tr("Попросите оператора ФРМР выдать одноразовый код сброса. Новый пароль вы задаёте "
                         "сами — оператор его не узнает."))
        hint.setWordWrap(True)
        self.reset_login = QLineEdit()
        self.reset_login.setObjectName("reset_login")
        self.reset_code = QLineEdit()
        self.reset_code.setObjectName("reset_code")
        self.reset_code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX")
        self.reset_new = _secret_field("reset_new_password")
        self.reset_rules = PolicyChecklist()
        self.reset_button = QPushButton(tr("Задать пароль по коду"))
        self.reset_button.setObjectName("reset_password")
        self.reset_status = status_label("reset_status")
        fform.addRow(hint)
        fform.addRow(tr("Логин:"), self.reset_login)
        fform.addRow(tr("Код сброса:"), self.reset_code)
        fform.addRow(tr("Новый пароль:"), self.reset_new)
        fform.addRow("", self.reset_rules)
        fform.addRow("", self.reset_button)
        fform.addRow("", self.reset_status)

        layout = QVBoxLayout(self)
        layout.addWidget(self.expiry)
        layout.addWidget(change)
        layout.addWidget(forgot)
        layout.addStretch(1)
        for w in (self.old, self.new, self.repeat):
            w.textChanged.connect(self._update)
        for w in (self.reset_login, self.reset_code, self.reset_new):
            w.textChanged.connect(self._update)
        self.change_button.clicked.connect(self.change)
        self.reset_button.clicked.connect(self.reset)
        self._busy = False
        self._update()

    def show_me(self, me: dict[str, object]) -> None:
        """The account's password dates, from /me (called by the section)."""
        self.reset_login.setText(self.reset_login.text() or str(me.get("login") or ""))
        expires = me.get("password_expires_at")
        if me.get("restricted") == "password":
            say(self.expiry, tr("Срок действия пароля истёк: смените его, чтобы продолжить работу с сервером."), False)
        elif expires and me.get("password_expiry_warning"):
            when = dt.datetime.fromtimestamp(float(expires)).strftime("%d.%m.%Y")  # type: ignore[arg-type]
            say(self.expiry, tr("Срок действия пароля истекает {date}: смените его заранее.").format(date=when), False)
        else:
            self.expiry.setText("")

    def _update(self) -> None:
        new = self.new.text()
        ok = self.rules.update_for(new)
        self.change_button.setEnabled(not self._busy and ok and bool(self.old.text()) and new == self.repeat.text())
        if self.repeat.text() and new != self.repeat.text():
            say(self.status, tr("Пароли не совпадают."), False)
        elif self.status.text() == tr("Пароли не совпадают."):
            self.status.setText("")
        reset_ok = self.reset_rules.update_for(self.reset_new.text())
        self.reset_button.setEnabled(not self._busy and reset_ok and bool(self.reset_login.text().strip())
                                     and bool(self.reset_code.text().strip()))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update()

    def change(self) -> None:
        old, new = self.old.text(), self.new.text()
        if old == new:
            say(self.status, tr("Новый пароль совпадает с текущим: придумайте другой."), False)
            return
        self._set_busy(True)
        say(self.status, tr("Меняем пароль…"))

        def done(ended: int) -> None:
            self._set_busy(False)
            for w in (self.old, self.new, self.repeat):
                w.clear()
            say(self.status, tr("Пароль изменён. Завершено других сеансов: {n}.").format(n=ended))
            self.expiry.setText("")

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            # what was typed stays, so a mistake can be fixed; nothing changed on the server
            say_error(self.status, exc)

        self.place.server(self, lambda c: c.change_password(old, new), done, failed)

    def reset(self) -> None:
        login, code, new = self.reset_login.text().strip(), self.reset_code.text().strip(), self.reset_new.text()
        vault = self.place.vault
        self._set_busy(True)
        say(self.reset_status, tr("Проверяем код…"))

        def run() -> None:
            with vault.read() as conn:
                server = get_meta(conn, SERVER_KEY) or ""
            if not server:
                from desktop.views.runtime.errors import UserError

                raise UserError(tr("Сервер не задан: войдите на сервер хотя бы раз (раздел «Синхронизация»)."))
            reset_password(server, login, code, new)

        def done(_: object) -> None:
            self._set_busy(False)
            self.reset_code.clear()
            self.reset_new.clear()
            say(self.reset_status, tr("Пароль задан. Все прежние сеансы завершены: войдите с новым паролем."))

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            say_error(self.reset_status, exc)

        Op(self, run, pool=True).success(done).failure(failed).run()
