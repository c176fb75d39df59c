"""«Учётные записи» — the operator's accounts (issue 15): create one with its TOTP enrolment
(secret, otpauth link and recovery codes shown once, to hand over), lock and unlock, reset the
password or the second factor (the server ends the account's sessions on a reset)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models.checkdigits import inn_is_valid
from desktop.models.passwords import describe, policy_errors
from desktop.sync.admin import ROLES
from desktop.vault.store import Vault
from desktop.views.operator.common import call, list_table, say, selected_ids, show_rows, status_label

HEADER = [N_("Логин"), N_("Роль"), N_("Имя"), N_("Организации"), N_("Состояние"), N_("Второй фактор")]


class NewAccountDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Новая учётная запись"))
        self.login = QLineEdit()
        self.role = QComboBox()
        for key, label in ROLES.items():
            self.role.addItem(tr(label), key)
        self.name = QLineEdit()
        self.orgs = QLineEdit()
        self.orgs.setPlaceholderText(tr("ИНН через запятую (кадровая служба, руководитель)"))
        self.person = QLineEdit()
        self.person.setPlaceholderText(tr("идентификатор записи регистра (медицинский работник)"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setToolTip(describe())
        self.error = status_label()
        form = QFormLayout()
        form.addRow(tr("Логин"), self.login)
        form.addRow(tr("Роль"), self.role)
        form.addRow(tr("Имя"), self.name)
        form.addRow(tr("Организации"), self.orgs)
        form.addRow(tr("Работник"), self.person)
        form.addRow(tr("Пароль"), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def inns(self) -> list[str]:
        return [x.strip() for x in self.orgs.text().replace(";", ",").split(",") if x.strip()]

    def problems(self) -> list[str]:
        out = []
        if len(self.login.text().strip()) < 3:
            out.append(tr("логин — не короче 3 символов"))
        bad = [i for i in self.inns() if not (len(i) == 10 and i.isdigit() and inn_is_valid(i))]
        if bad:
            out.append(tr("неверный ИНН: {inns}").format(inns=", ".join(bad)))
        role = str(self.role.currentData())
        if role in ("hr", "manager") and not self.inns():
            out.append(tr("укажите организацию"))
        weak = policy_errors(self.password.text())
        if weak:
            out.append(tr("пароль: не хватает — {what}").format(what=", ".join(weak)))
        return out

    def _check(self) -> None:
        bad = self.problems()
        if bad:
            say(self.error, tr("Не создано: {why}.").format(why="; ".join(bad)), "error")
            return
        self.accept()

    def values(self) -> dict[str, Any]:
        return {"login": self.login.text().strip(), "password": self.password.text(),
                "role": str(self.role.currentData()), "org_inns": self.inns(),
                "person_id": self.person.text().strip() or None, "display_name": self.name.text().strip()}


def enrolment_text(made: dict[str, Any], issuer: str = "ФРМР") -> str:
    """What the operator hands over: the TOTP secret, its otpauth link, the recovery codes."""
    secret = str(made.get("totp_secret") or "")
    uri = f"otpauth://totp/{quote(issuer)}:{quote(str(made.get('login')))}?secret={secret}&issuer={quote(issuer)}"
    codes = " ".join(made.get("recovery_codes") or [])
    return (tr("Учётная запись {login} создана.").format(login=made.get("login")) + "\n\n"
            + tr("Секрет для приложения-аутентификатора: {s}").format(s=secret) + "\n" + uri + "\n\n"
            + tr("Коды восстановления (показаны один раз): {c}").format(c=codes))


class AccountsView(QWidget):
    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operator_accounts")
        self.vault = vault
        self.items: list[dict[str, Any]] = []
        self.role_filter = QComboBox()
        self.role_filter.addItem(tr("все роли"), "")
        for key, label in ROLES.items():
            self.role_filter.addItem(tr(label), key)
        self.role_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = list_table(tr("Учётные записи"))
        self.handover = QPlainTextEdit()
        self.handover.setReadOnly(True)
        self.handover.setVisible(False)
        self.handover.setMaximumHeight(110)
        buttons = QHBoxLayout()
        for text, slot in ((tr("Создать…"), self.new_account), (tr("Заблокировать"), lambda: self.change("lock")),
                           (tr("Разблокировать"), lambda: self.change("unlock")),
                           (tr("Сбросить пароль…"), lambda: self.change("password")),
                           (tr("Сбросить второй фактор"), lambda: self.change("totp"))):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.status = status_label()
        lay = QVBoxLayout(self)
        lay.addWidget(self.role_filter)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.handover)
        lay.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        role = str(self.role_filter.currentData() or "")
        call(self, self.vault, lambda c: c.accounts(role), self._loaded, self.status, load=True)

    def _loaded(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        show_rows(self.table, [tr(h) for h in HEADER],
                  [[a.get("login", ""), tr(ROLES.get(str(a.get("role")), str(a.get("role")))),
                    a.get("display_name", ""),
                    ", ".join(a.get("organizations") or []),
                    tr("заблокирована") if a.get("disabled") else tr("активна"),
                    tr("подключён") if a.get("totp_enrolled") else tr("не подключён")] for a in items],
                  [str(a["id"]) for a in items], stretch=2)

    def new_account(self) -> None:
        dialog = NewAccountDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()

        def done(made: dict[str, Any]) -> None:
            self.handover.setPlainText(enrolment_text(made))
            self.handover.setVisible(True)
            say(self.status, tr("Учётная запись создана: передайте владельцу секрет и коды ниже."), "ok")
            self.reload()

        call(self, self.vault, lambda c: c.create_account(**values), done, self.status)

    def change(self, what: str) -> None:
        ids = selected_ids(self.table)
        if len(ids) != 1:
            say(self.status, tr("Выберите одну учётную запись."), "warning")
            return
        account_id = int(ids[0])
        change: dict[str, Any]
        if what == "lock":
            change, said = {"disabled": True}, tr("заблокирована, её сеансы завершены")
        elif what == "unlock":
            change, said = {"disabled": False, "unlock": True}, tr("разблокирована")
        elif what == "totp":
            if QMessageBox.question(self, tr("Сброс второго фактора"),
                                    tr("Сбросить второй фактор? Владелец подключит его заново при следующем входе, "
                                       "его сеансы будут завершены.")) != QMessageBox.StandardButton.Yes:
                return
            change, said = {"reset_totp": True}, tr("второй фактор сброшен, сеансы завершены")
        else:
            pw, ok = QInputDialog.getText(self, tr("Новый пароль"), describe(), QLineEdit.EchoMode.Password)
            if not ok:
                return
            weak = policy_errors(pw)
            if weak:
                say(self.status, tr("Пароль не заменён: не хватает — {what}").format(what=", ".join(weak)), "error")
                return
            change, said = {"password": pw}, tr("пароль заменён, сеансы завершены")

        def done(out: dict[str, Any]) -> None:
            say(self.status, tr("Учётная запись {login}: {said}.").format(login=out.get("login"), said=said), "ok")
            self.reload()

        call(self, self.vault, lambda c: c.change_account(account_id, **change), done, self.status)
