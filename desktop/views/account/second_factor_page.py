"""«Второй фактор»: enrol (or replace the device) with a QR code and the secret as text, confirm
with the first code, ten recovery codes shown once (print, save), new recovery codes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.sync.account import Enrolment
from desktop.views.account.place import AccountPlace, say, say_error, status_label
from desktop.views.account.qr_widget import QrWidget


class SecondFactorPage(QWidget):
    def __init__(self, place: AccountPlace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.place = place
        self.enrolled = False
        self.must_enrol = False
        self.state = status_label("totp_state")
        self.password = QLineEdit()
        self.password.setObjectName("totp_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.enrol_button = QPushButton(tr("Подключить одноразовые коды"))
        self.enrol_button.setObjectName("totp_enrol")
        self.codes_button = QPushButton(tr("Выдать новые коды восстановления"))
        self.codes_button.setObjectName("totp_new_codes")
        self.status = status_label("totp_status")
        top = QFormLayout()
        top.addRow(self.state)
        top.addRow(tr("Текущий пароль:"), self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enrol_button)
        buttons.addWidget(self.codes_button)
        buttons.addStretch(1)
        top.addRow(buttons)
        top.addRow(self.status)

        self.setup = QGroupBox(tr("Подключение устройства"))
        sform = QFormLayout(self.setup)
        self.qr = QrWidget()
        self.qr.setObjectName("totp_qr")
        self.secret = QLineEdit()
        self.secret.setObjectName("totp_secret")
        self.secret.setReadOnly(True)
        self.code = QLineEdit()
        self.code.setObjectName("totp_code")
        self.code.setMaxLength(8)
        self.code.setPlaceholderText("123456")
        self.confirm_button = QPushButton(tr("Подтвердить"))
        self.confirm_button.setObjectName("totp_confirm")
        sform.addRow(QLabel(tr("Отсканируйте QR-код приложением-аутентификатором или введите секрет вручную, "
                               "затем введите код, который покажет приложение.")))
        sform.addRow(self.qr)
        sform.addRow(tr("Секрет:"), self.secret)
        sform.addRow(tr("Код из приложения:"), self.code)
        sform.addRow("", self.confirm_button)
        self.setup.hide()

        self.codes_box = QGroupBox(tr("Коды восстановления"))
        cl = QVBoxLayout(self.codes_box)
        warn = QLabel(tr("Каждый код действует один раз, если устройство недоступно. Они показываются только "
                         "сейчас: распечатайте или сохраните их в надёжном месте."))
        warn.setWordWrap(True)
        self.codes = QPlainTextEdit()
        self.codes.setObjectName("recovery_codes")
        self.codes.setReadOnly(True)
        self.print_button = QPushButton(tr("Печать…"))
        self.save_button = QPushButton(tr("Сохранить в файл…"))
        self.hide_button = QPushButton(tr("Я сохранил(а) коды"))
        self.hide_button.setObjectName("codes_saved")
        row = QHBoxLayout()
        for b in (self.print_button, self.save_button, self.hide_button):
            row.addWidget(b)
        row.addStretch(1)
        cl.addWidget(warn)
        cl.addWidget(self.codes)
        cl.addLayout(row)
        self.codes_box.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.setup)
        layout.addWidget(self.codes_box)
        layout.addStretch(1)
        self.enrol_button.clicked.connect(self.enrol)
        self.confirm_button.clicked.connect(self.confirm)
        self.codes_button.clicked.connect(self.new_codes)
        self.print_button.clicked.connect(self.print_codes)
        self.save_button.clicked.connect(self.save_codes)
        self.hide_button.clicked.connect(self._forget_codes)
        self.show_me({})

    def show_me(self, me: dict[str, object]) -> None:
        self.enrolled = bool(me.get("totp_enrolled"))
        self.must_enrol = bool(me.get("must_enrol"))
        if self.must_enrol:
            say(self.state, tr("Второй фактор сброшен оператором: подключите одноразовые коды заново — "
                               "до этого работа с сервером невозможна."), False)
        elif self.enrolled:
            say(self.state, tr("Одноразовые коды подключены. Осталось кодов восстановления: {n}.")
                .format(n=me.get("recovery_codes_left", 0)))
        elif me:
            say(self.state, tr("Одноразовые коды не подключены."), False)
        replacing = self.enrolled and not self.must_enrol
        self.enrol_button.setText(tr("Заменить устройство") if replacing else tr("Подключить одноразовые коды"))
        self.codes_button.setEnabled(replacing)
        self.password.setEnabled(replacing)

    def enrol(self) -> None:
        password = self.password.text() if self.enrolled and not self.must_enrol else ""
        if self.enrolled and not self.must_enrol and not password:
            say(self.status, tr("Чтобы заменить устройство, введите текущий пароль."), False)
            return
        self.enrol_button.setEnabled(False)

        def done(e: Enrolment) -> None:
            self.enrol_button.setEnabled(True)
            self.password.clear()
            self.qr.set_uri(e.otpauth_uri)
            self.secret.setText(e.secret)
            self.setup.show()
            self.code.setFocus(Qt.FocusReason.OtherFocusReason)
            say(self.status, tr("Прежнее устройство действует, пока новое не подтверждено кодом."))

        def failed(exc: BaseException) -> None:
            self.enrol_button.setEnabled(True)
            say_error(self.status, exc)

        self.place.server(self, lambda c: c.enrol(password), done, failed)

    def confirm(self) -> None:
        code = self.code.text()
        self.confirm_button.setEnabled(False)

        def done(codes: list[str]) -> None:
            self.confirm_button.setEnabled(True)
            self.setup.hide()
            self.qr.set_uri("")
            self.secret.clear()
            self.code.clear()
            self.show_codes(codes)
            say(self.status, tr("Одноразовые коды подключены."))
            self.enrolled, self.must_enrol = True, False
            self.show_me({"totp_enrolled": True, "recovery_codes_left": len(codes)})

        def failed(exc: BaseException) -> None:
            self.confirm_button.setEnabled(True)
            say_error(self.status, exc)

        self.place.server(self, lambda c: c.confirm(code), done, failed)

    def new_codes(self) -> None:
        password = self.password.text()
        if not password:
            say(self.status, tr("Чтобы выдать новые коды восстановления, введите текущий пароль."), False)
            return

        def done(codes: list[str]) -> None:
            self.password.clear()
            self.show_codes(codes)
            say(self.status, tr("Прежние коды восстановления больше не действуют."))

        self.place.server(self, lambda c: c.new_recovery_codes(password), done, lambda e: say_error(self.status, e))

    def show_codes(self, codes: list[str]) -> None:
        self.codes.setPlainText("\n".join(f"{i:2}. {c}" for i, c in enumerate(codes, 1)))
        self.codes_box.show()

    def _forget_codes(self) -> None:
        self.codes.clear()
        self.codes_box.hide()

    def _printable(self) -> str:
        return tr("ФРМР — коды восстановления (каждый действует один раз)") + "\n\n" + self.codes.toPlainText()

    def print_codes(self) -> None:
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec():
            doc = QTextDocument()
            doc.setPlainText(self._printable())
            doc.print_(printer)

    def save_codes(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Сохранить коды восстановления"), "frmr-recovery-codes.txt",
                                              tr("Текст (*.txt)"))
        if not path:
            return
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self._printable() + "\n")
        except OSError as exc:
            say_error(self.status, exc)
            return
        say(self.status, tr("Коды сохранены: {path}").format(path=path))
