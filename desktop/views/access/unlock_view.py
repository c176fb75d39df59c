"""The unlock screen: passphrase, or «Забыли фразу?» → recovery key + a new passphrase.

It only collects input and shows outcomes; the session runs the slow Argon2id unlock off the
GUI thread and hands back either a vault or a ``VaultError`` with a Russian message and hint.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.vault.errors import DamagedVault, TooManyAttempts
from desktop.vault.passphrase import personal_inputs
from desktop.vault.profiles import Profile
from desktop.views.runtime.errors import explain
from desktop.views.widgets import theme
from desktop.views.widgets.passphrase_input import PassphraseInput


class UnlockView(QWidget):
    unlock_requested = Signal(str)
    recover_requested = Signal(str, str)
    other_profile = Signal()

    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        card = QFrame()
        card.setObjectName("unlock_card")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        # Centred, the card gets its size hint, which word-wrapped labels keep narrow: the demo
        # passphrase line was cut after «Парольная» on a 1300 px window.
        card.setMinimumWidth(480)
        card.setMaximumWidth(560)
        title = QLabel(tr("Хранилище заблокировано"))
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        name = QLabel(tr("Профиль: {name}").format(name=tr(profile.name)))
        name.setObjectName("profile_name")

        # -- passphrase page --
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(tr("Парольная фраза"))
        self.passphrase.setAccessibleName(tr("Парольная фраза"))  # a screen reader does not read placeholders
        self.passphrase.returnPressed.connect(self._unlock)
        self.unlock_button = QPushButton(tr("Разблокировать"))
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._unlock)
        self.forgot_button = QPushButton(tr("Забыли фразу?"))
        self.forgot_button.setFlat(True)
        self.forgot_button.setStyleSheet("color: palette(link); text-decoration: underline;")
        self.forgot_button.clicked.connect(lambda: self.show_recovery(True))
        self.demo_label = QLabel()
        self.demo_label.setObjectName("demo_passphrase")
        self.demo_label.setWordWrap(True)
        self.demo_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if profile.demo and profile.demo_passphrase:
            text = tr("Демонстрационный профиль. Парольная фраза: {p}").format(p=profile.demo_passphrase)
            if not profile.extra.get("demo_login"):
                # the doctor's: say where the HR clerk's and the manager's demo are (desktop/demo.py)
                text += " " + tr("Кадровая служба, главный врач и оператор регистра — кнопка «Другой профиль».")
            self.demo_label.setText(text)
            self.demo_label.setStyleSheet(theme.banner_style("info", border=0))
        else:
            self.demo_label.hide()
        pass_page = QWidget()
        pl = QVBoxLayout(pass_page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.demo_label)
        pl.addWidget(self.passphrase)
        row = QHBoxLayout()
        row.addWidget(self.forgot_button)
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        pl.addLayout(row)

        # -- recovery page --
        self.recovery_key = QLineEdit()
        self.recovery_key.setObjectName("recovery_key")
        self.recovery_key.setAccessibleName(tr("Ключ восстановления"))
        self.recovery_key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.new_passphrase = PassphraseInput(user_inputs=personal_inputs(None, profile.name))
        self.recover_button = QPushButton(tr("Восстановить доступ"))
        self.recover_button.setObjectName("recover")
        self.recover_button.clicked.connect(self._recover)
        back = QPushButton(tr("Назад"))
        back.clicked.connect(lambda: self.show_recovery(False))
        rec_page = QWidget()
        rl = QVBoxLayout(rec_page)
        rl.setContentsMargins(0, 0, 0, 0)
        explain = QLabel(tr("Введите ключ восстановления, который был показан при создании профиля, "
                            "и задайте новую парольную фразу."))
        explain.setWordWrap(True)
        rl.addWidget(explain)
        form = QFormLayout()
        form.addRow(tr("Ключ восстановления:"), self.recovery_key)
        rl.addLayout(form)
        rl.addWidget(self.new_passphrase)
        row2 = QHBoxLayout()
        row2.addWidget(back)
        row2.addStretch(1)
        row2.addWidget(self.recover_button)
        rl.addLayout(row2)

        # Two panels, one visible: hidden widgets take no room, so the card keeps its size.
        self.pass_page, self.rec_page = pass_page, rec_page
        rec_page.hide()
        self.status = QLabel()
        self.status.setObjectName("unlock_status")
        self.status.setAccessibleName(tr("Состояние разблокировки"))
        self.status.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("unlock_hint")
        self.hint.setWordWrap(True)
        other = QPushButton(tr("Другой профиль"))
        other.clicked.connect(self.other_profile.emit)

        box = QVBoxLayout(card)
        box.addWidget(title)
        box.addWidget(name)
        box.addWidget(pass_page)
        box.addWidget(rec_page)
        box.addWidget(self.status)
        box.addWidget(self.hint)
        box.addWidget(other, 0, Qt.AlignmentFlag.AlignLeft)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

        self._wait_left = 0
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self.setFocusProxy(self.passphrase)

    def show_recovery(self, on: bool) -> None:
        self.pass_page.setVisible(not on)
        self.rec_page.setVisible(on)
        (self.recovery_key if on else self.passphrase).setFocus()

    @property
    def recovering(self) -> bool:
        return not self.rec_page.isHidden()

    def _unlock(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        self.set_busy(tr("Проверка парольной фразы…"))
        self.unlock_requested.emit(self.passphrase.text())

    def _recover(self) -> None:
        new = self.new_passphrase.value()
        if not self.recovery_key.text().strip():
            self._error(tr("Введите ключ восстановления"), "")
            return
        if new is None:
            self._error(tr("Новая фраза недостаточно надёжна или повторена неверно"), "")
            return
        self.set_busy(tr("Проверка ключа восстановления…"))
        self.recover_requested.emit(self.recovery_key.text(), new)

    def set_busy(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.hint.clear()
        for w in (self.passphrase, self.unlock_button, self.recover_button, self.recovery_key):
            w.setEnabled(False)

    def _enable(self) -> None:
        for w in (self.passphrase, self.unlock_button, self.recover_button, self.recovery_key):
            w.setEnabled(True)

    def _error(self, text: str, hint: str) -> None:
        self.status.setStyleSheet(theme.text_style("error"))
        self.status.setText(text)
        self.hint.setText(hint)

    def show_error(self, exc: BaseException) -> None:
        self._enable()
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        said = explain(exc)
        self._error(said.text, said.hint)
        if isinstance(exc, TooManyAttempts):
            self._start_wait(exc.wait_s)
        elif isinstance(exc, DamagedVault):
            for w in (self.passphrase, self.unlock_button):
                w.setEnabled(False)

    def _start_wait(self, seconds: float) -> None:
        self._wait_left = int(seconds) + 1
        self.unlock_button.setEnabled(False)
        self.recover_button.setEnabled(False)
        self._countdown.start()
        self._tick()

    def _tick(self) -> None:
        if self._wait_left <= 0:
            self._countdown.stop()
            self.unlock_button.setText(tr("Разблокировать"))
            self.unlock_button.setEnabled(True)
            self.recover_button.setEnabled(True)
            return
        self.unlock_button.setText(tr("Подождите {n} с").format(n=self._wait_left))
        self._wait_left -= 1

    def reset(self) -> None:
        self._enable()
        self.passphrase.clear()
        self.status.clear()
        self.hint.clear()
        self.show_recovery(False)
