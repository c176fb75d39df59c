"""Certificate dialogs of «Документы»: importing a .p12/.pfx and the password before signing.

Both only collect input and show results; the view runs the work in worker threads and calls
back ``show_imported`` / ``show_error``. Passwords sit in QLineEdits with Password echo and
are cleared as soon as they have been handed over.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.views.runtime.ops import Op
from desktop.views.widgets import file_drop, theme

KEEP_TEXT = N_("Не запрашивать пароль до конца сеанса")
KEEP_HINT = ("Ключ останется открытым только в памяти программы и будет забыт при блокировке "
             "или закрытии; на диск пароль не записывается.")
#: the error style in a light palette (what tests compare with); shown through theme, dark included
ERROR_STYLE = "color: #b00020; font-weight: bold;"
#: what the import reads: PKCS#12 (also with ГОСТ algorithms) or PEM; .cer/.crt are offered so that
#: picking a certificate without its key gets the message on what to export instead
KEY_FILTER = N_("Сертификат с ключом (*.p12 *.pfx *.pem *.key *.crt *.cer);;Все файлы (*)")


class CertImportDialog(QDialog):
    #: (path, password, keep for the session)
    import_requested = Signal(str, str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Импорт сертификата (.p12)"))
        self.setMinimumWidth(520)
        self.path = QLineEdit()
        self.path.setObjectName("p12_path")
        self.path.setPlaceholderText(tr("Файл .p12/.pfx или PEM с закрытым ключом"))
        # A certificate file dropped onto the dialog fills the path, as «Обзор…» would.
        file_drop.accept_files(self, lambda paths: self.path.setText(paths[0]), single=True)
        file_drop.accept_files(self.path, lambda paths: self.path.setText(paths[0]), single=True)
        browse = QPushButton(tr("Выбрать…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.password = QLineEdit()
        self.password.setObjectName("p12_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.keep = QCheckBox(tr(KEEP_TEXT))
        self.keep.setToolTip(tr(KEEP_HINT))
        self.message = QLabel()
        self.message.setObjectName("p12_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("Импортировать"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("Файл:"), row)
        form.addRow(tr("Пароль:"), self.password)
        form.addRow("", self.keep)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Контейнер хранится в зашифрованном хранилище как есть, под своим паролем; "
                                   "сам пароль не сохраняется.")))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Файл сертификата"), "", tr(KEY_FILTER))
        if path:
            self.path.setText(path)
            self.check_path(path)

    def check_path(self, path: str) -> None:
        """Tell at once when the picked file cannot be a key here (a КриптоПро container, a
        folder, a token, a certificate without its key); the check reads the file in the pool."""
        from desktop.documents.gost_keys import key_source_message

        def checked(msg: str | None) -> None:
            if msg and shiboken6.isValid(self) and self.path.text().strip() == path:
                self.show_error(tr(msg))

        Op(self, lambda: key_source_message(path), pool=True).success(checked).failure(lambda _exc: None).run()

    def submit(self) -> None:
        path = self.path.text().strip()
        if not path:
            self.show_error(tr("Выберите файл сертификата (.p12/.pfx)."))
            return
        self.ok_button.setEnabled(False)
        self.message.setText(tr("Проверка сертификата…"))
        self.message.setStyleSheet("")
        self.message.show()
        password = self.password.text()
        self.import_requested.emit(path, password, self.keep.isChecked())

    def show_error(self, text: str) -> None:
        self.ok_button.setEnabled(True)
        self.message.setText(text)
        self.message.setStyleSheet(theme.text_style("error", "font-weight: bold;"))
        self.message.show()

    def show_imported(self, owner: str, serial: str, validity: str, warnings: list[str]) -> None:
        self.password.clear()
        lines = [tr("Сертификат импортирован."), tr("Владелец: {v}").format(v=owner),
                 tr("Серийный номер: {v}").format(v=serial), tr("Действителен: {v}").format(v=validity)]
        lines += warnings
        self.message.setText("\n".join(lines))
        self.message.setStyleSheet(theme.text_style("ok" if not warnings else "warning"))
        self.message.show()
        self.ok_button.hide()


class PasswordDialog(QDialog):
    """One password for the whole batch; «Подписать» emits ``submitted``."""

    #: (password, keep for the session, visible stamp)
    submitted = Signal(str, bool, bool)

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Подписать электронно"))
        self.password = QLineEdit()
        self.password.setObjectName("sign_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.keep = QCheckBox(tr(KEEP_TEXT))
        self.keep.setToolTip(tr(KEEP_HINT))
        self.visible = QCheckBox(tr("Видимый штамп подписи на последней странице PDF"))
        self.visible.setChecked(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("Подписать"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Документов к подписанию: {n}. Введите пароль к сертификату.").format(n=count)))
        form = QFormLayout()
        form.addRow(tr("Пароль:"), self.password)
        layout.addLayout(form)
        layout.addWidget(self.keep)
        layout.addWidget(self.visible)
        layout.addWidget(self.buttons)

    def _submit(self) -> None:
        password = self.password.text()
        self.password.clear()
        self.accept()
        self.submitted.emit(password, self.keep.isChecked(), self.visible.isChecked())
