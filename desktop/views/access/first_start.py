"""First start: profile name → passphrase (strength shown) → recovery key, shown once →
consent (152-ФЗ) → the record. The vault is created (Argon2id calibration and derivation,
about a second) in the thread pool between steps 2 and 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.vault.errors import ProfileError
from desktop.vault.passphrase import personal_inputs
from desktop.vault.profiles import Profile, create_profile, read_profile, write_profile
from desktop.views.access.consent_view import ConsentView
from desktop.views.runtime.errors import explain
from desktop.views.runtime.ops import Op
from desktop.views.widgets import theme
from desktop.views.widgets.passphrase_input import PassphraseInput

if TYPE_CHECKING:
    from desktop.vault.store import Vault

STEPS = (N_("Профиль"), N_("Парольная фраза"), N_("Ключ восстановления"), N_("Согласие"))


def _create(root: Path, folder: Path | None, name: str, passphrase: str) -> tuple[Profile, Vault, str]:
    if folder is not None:  # --profile DIR pointing at an empty folder
        folder.mkdir(parents=True, exist_ok=True)
        prof = read_profile(folder)
        prof.name = name
        write_profile(prof)
    else:
        prof = create_profile(root, name)
    from desktop.vault.store import Vault  # in the pool thread: SQLCipher is not needed before

    vault, recovery = Vault.create(prof.folder, passphrase)
    return prof, vault, recovery



def _step_page(title: str, explanation: str, *content: QWidget | QHBoxLayout) -> QWidget:
    """One wizard step: a bold title, an explanation, then the step's widgets."""
    page = QWidget()
    layout = QVBoxLayout(page)
    heading = QLabel(title)
    heading.setStyleSheet("font-size: 18px; font-weight: bold;")
    text = QLabel(explanation)
    text.setWordWrap(True)
    layout.addWidget(heading)
    layout.addWidget(text)
    for item in content:
        if isinstance(item, QWidget):
            layout.addWidget(item)
        else:
            layout.addLayout(item)
    layout.addStretch(1)
    return page

class FirstStartWizard(QWidget):
    #: the vault is created and the person agreed: (profile, vault)
    completed = Signal(object, object)
    #: back to the profile chooser (only before anything was created)
    cancelled = Signal()
    #: consent refused after the vault was created: (profile, vault) to lock
    declined = Signal(object, object)

    def __init__(self, root: Path, folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.folder = folder
        self.profile: Profile | None = None
        self.vault: Vault | None = None

        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(640)
        self.step_label = QLabel()
        self.step_label.setObjectName("wizard_step")
        self.step_label.setStyleSheet(theme.text_style("muted"))
        self.pages = QStackedWidget()

        # 1. name
        self.name = QLineEdit()
        self.name.setObjectName("profile_name_input")
        self.name.setMaxLength(100)
        self.name.setPlaceholderText(tr("Название профиля"))
        self.name.setAccessibleName(tr("Название профиля"))  # a screen reader does not read placeholders
        self.name.returnPressed.connect(self._next_from_name)
        p1 = _step_page(tr("Новый профиль"), tr(
            "Название профиля видно на экране выбора профиля этого компьютера. "
            "Например: «Иванова М. С.» или «Рабочий профиль»."), self.name)

        # 2. passphrase
        self.passphrase = PassphraseInput()
        self.passphrase.second.returnPressed.connect(self._create_vault)
        p2 = _step_page(tr("Парольная фраза"), tr(
            "Фраза шифрует все данные профиля на этом компьютере. Не менее 12 символов: "
            "строчные и заглавные буквы, цифры и символы — или несколько слов."), self.passphrase)

        # 3. recovery key
        self.recovery = QLineEdit()
        self.recovery.setObjectName("recovery_key_shown")
        self.recovery.setReadOnly(True)
        self.recovery.setAccessibleName(tr("Ключ восстановления"))
        self.recovery.setStyleSheet("font-family: monospace; font-size: 16px; padding: 6px;")
        copy = QPushButton(tr("Копировать"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.recovery.text()))
        row3 = QHBoxLayout()
        row3.addWidget(self.recovery, 1)
        row3.addWidget(copy)
        self.saved_check = QCheckBox(tr("Я сохранил(а) ключ восстановления"))
        self.saved_check.setObjectName("recovery_saved")
        p3 = _step_page(tr("Ключ восстановления"), tr(
            "Этот ключ открывает хранилище, если парольная фраза забыта. Он показывается "
            "только один раз: запишите его или распечатайте и храните отдельно от компьютера. "
            "Без фразы и без ключа данные восстановить нельзя — только загрузить заново с сервера."),
            row3, self.saved_check)

        # 4. consent
        self.consent = ConsentView()
        self.consent.accepted.connect(self._done)
        self.consent.declined.connect(self._declined)

        for p in (p1, p2, p3, self.consent):
            self.pages.addWidget(p)

        self.status = QLabel()
        self.status.setObjectName("wizard_status")
        self.status.setWordWrap(True)
        self.back_button = QPushButton(tr("Назад"))
        self.back_button.clicked.connect(self._back)
        self.next_button = QPushButton(tr("Далее"))
        self.next_button.setObjectName("wizard_next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._next)
        self.saved_check.toggled.connect(lambda _on: self._update_buttons())
        self.nav = QWidget()
        nav = QHBoxLayout(self.nav)
        nav.setContentsMargins(0, 0, 0, 0)
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)

        box = QVBoxLayout(card)
        box.addWidget(self.step_label)
        box.addWidget(self.pages, 1)
        box.addWidget(self.status)
        box.addWidget(self.nav)
        outer = QVBoxLayout(self)
        outer.addWidget(card, 1, Qt.AlignmentFlag.AlignHCenter)
        self._go(0)

    # -- navigation ------------------------------------------------------------------------
    def _go(self, step: int) -> None:
        self.pages.setCurrentIndex(step)
        self.step_label.setText(tr("Шаг {n} из {total}: {name}").format(
            n=step + 1, total=len(STEPS), name=tr(STEPS[step])))
        self.status.clear()
        self.nav.setVisible(step < 3)
        self._update_buttons()
        focus = {0: self.name, 1: self.passphrase.first, 2: self.saved_check, 3: self.consent.check}[step]
        focus.setFocus()

    def _update_buttons(self) -> None:
        step = self.pages.currentIndex()
        # Once the vault exists there is no way back: the profile is made.
        self.back_button.setEnabled(self.vault is None)
        self.back_button.setText(tr("Отмена") if step == 0 else tr("Назад"))
        self.next_button.setEnabled(step != 2 or self.saved_check.isChecked())

    def _back(self) -> None:
        step = self.pages.currentIndex()
        if step == 0:
            self.cancelled.emit()
        elif self.vault is None:
            self._go(step - 1)

    def _next(self) -> None:
        step = self.pages.currentIndex()
        if step == 0:
            self._next_from_name()
        elif step == 1:
            self._create_vault()
        elif step == 2 and self.saved_check.isChecked():
            self._go(3)

    def _next_from_name(self) -> None:
        if not self.name.text().strip():
            self._error(tr("Укажите название профиля"))
            return
        # The profile's name is the first thing a cracker of this vault would try.
        self.passphrase.set_user_inputs(personal_inputs(None, self.name.text()))
        self._go(1)

    def _error(self, text: str) -> None:
        self.status.setStyleSheet(theme.text_style("error"))
        self.status.setText(text)

    # -- creating the vault ----------------------------------------------------------------
    def _create_vault(self) -> None:
        p = self.passphrase.value()
        if p is None:
            self._error(tr("Фраза недостаточно надёжна или повторена неверно"))
            return
        self.status.setStyleSheet("")
        self.status.setText(tr("Создание зашифрованного хранилища…"))
        self.next_button.setEnabled(False)
        self.back_button.setEnabled(False)
        root, folder, name = self.root, self.folder, self.name.text().strip()
        Op(self, lambda: _create(root, folder, name, p), pool=True).success(self._created).failure(
            self._create_failed).run()

    def _created(self, result: tuple[Profile, Vault, str]) -> None:
        self.profile, self.vault, recovery = result
        self.passphrase.clear()
        self.recovery.setText(recovery)
        self._go(2)

    def _create_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        if isinstance(exc, ProfileError):  # e.g. the name is taken: back to step 1
            self._go(0)
        self._error(explain(exc).text)

    def _done(self) -> None:
        self.recovery.clear()  # shown once: do not keep it in a widget any longer than needed
        self.completed.emit(self.profile, self.vault)

    def _declined(self) -> None:
        self.recovery.clear()
        self.declined.emit(self.profile, self.vault)
