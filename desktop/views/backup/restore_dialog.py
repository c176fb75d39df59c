"""«Файл → Восстановить…»: a copy checked whole, then put back (``desktop/vault/restore.py``).

The copy goes back into the profile of the same vault, or becomes a new profile when this
computer has none (a profile moved to a new PC). Refused, with the reason: another profile's
copy over a profile, the profile open in this window (lock it first), a damaged or truncated
copy, a wrong passphrase. Unlocking the copy (Argon2id) and its check run in the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

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

from desktop.i18n import tr
from desktop.models.formatting import fmt_timestamp
from desktop.vault.backup import SUFFIX, BackupError, Manifest, read_manifest, vault_id
from desktop.vault.restore import Restored, restore
from desktop.views.runtime.errors import UserError, explain
from desktop.views.runtime.ops import Op

if TYPE_CHECKING:
    from desktop.vault.profiles import Profile


def _restore(path: Path, root: Path, secret: str, is_recovery: bool, current: Path | None,
             open_folder: Path | None, progress: Callable[[int, int, str], None]) -> Restored:
    man = read_manifest(path)
    target = None
    if current is not None:
        try:
            if vault_id(current) == man.vault_id:
                target = current  # the profile on screen, even one outside the profiles folder
        except BackupError:
            pass
    if open_folder is not None and target == open_folder:
        raise UserError(tr("Эта копия — профиля, открытого сейчас в этом окне: поверх открытого хранилища "
                           "восстанавливать нельзя. Заблокируйте профиль («Файл → Заблокировать») и выберите "
                           "«Файл → Восстановить…» снова."))
    if is_recovery:
        return restore(path, root, recovery_key=secret, target=target, progress=progress)
    return restore(path, root, passphrase=secret, target=target, progress=progress)


class RestoreDialog(QDialog):
    #: the copy is back: a ``Restored``
    restored = Signal(object)

    def __init__(self, root: Path, profile: Profile | None, open_folder: Path | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.current = profile.folder if profile is not None else None
        self.open_folder = open_folder
        self.setWindowTitle(tr("Восстановление из резервной копии"))
        self.setObjectName("restore_dialog")
        intro = QLabel(tr(
            "Копия проверяется целиком (каждая страница хранилища и журнал изменений) и только потом "
            "заменяет хранилище профиля; прежние файлы остаются в папке профиля. Копия другого профиля "
            "станет отдельным профилем. Неотправленные изменения из копии отправятся на сервер один раз."))
        intro.setWordWrap(True)
        self.file = QLineEdit()
        self.file.setObjectName("restore_file")
        self.file.editingFinished.connect(self._describe)
        browse = QPushButton(tr("Обзор…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        self.about = QLabel()
        self.about.setObjectName("restore_about")
        self.about.setWordWrap(True)
        self.secret = QLineEdit()
        self.secret.setObjectName("restore_passphrase")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.use_recovery = QCheckBox(tr("У меня ключ восстановления, а не парольная фраза"))
        self.use_recovery.setObjectName("restore_use_recovery")
        self.use_recovery.toggled.connect(self._secret_kind)
        form = QFormLayout()
        form.addRow(tr("Файл копии:"), row)
        form.addRow("", self.about)
        self.secret_label = QLabel()
        form.addRow(self.secret_label, self.secret)
        form.addRow("", self.use_recovery)
        self.status = QLabel()
        self.status.setObjectName("restore_status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton(tr("Проверить и восстановить"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setObjectName("restore_run")
        self.restore_button.setDefault(True)
        self.close_button = buttons.addButton(tr("Закрыть"), QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(self.run_restore)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._secret_kind(False)
        self.resize(580, self.sizeHint().height())
        self.op: Op | None = None

    def _secret_kind(self, recovery: bool) -> None:
        self.secret_label.setText(tr("Ключ восстановления:") if recovery else tr("Парольная фраза копии:"))
        self.secret.setEchoMode(QLineEdit.EchoMode.Normal if recovery else QLineEdit.EchoMode.Password)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, tr("Файл резервной копии"), self.file.text(),
                                                tr("Резервные копии ФРМР (*{suffix});;Все файлы (*)").format(
                                                    suffix=SUFFIX))
        if chosen:
            self.file.setText(chosen)
            self._describe()

    def _describe(self) -> None:
        text = self.file.text().strip()
        self.about.clear()
        if not text:
            return
        path = Path(text)
        Op(self, lambda: read_manifest(path), pool=True).success(self._described).failure(
            lambda exc: self.about.setText(explain(exc).sentences())).run()

    def _described(self, man: Manifest) -> None:
        text = tr("Копия профиля «{name}» от {when}.").format(name=man.profile_name,
                                                             when=fmt_timestamp(man.created))
        if man.pending:
            text += " " + tr("Неотправленных изменений: {n}.").format(n=man.pending)
        self.about.setText(text)

    def run_restore(self) -> None:
        text, secret = self.file.text().strip(), self.secret.text()
        if not text:
            self.status.setText(tr("Выберите файл копии."))
            return
        if not secret:
            self.status.setText(tr("Введите парольную фразу копии или ключ восстановления."))
            return
        path, root, recovery = Path(text), self.root, self.use_recovery.isChecked()
        current, open_folder = self.current, self.open_folder
        self.restore_button.setEnabled(False)
        self.status.setText(tr("Проверка копии и восстановление…"))
        op = Op(self, lambda: _restore(path, root, secret, recovery, current, open_folder, op.context.report),
                pool=True)
        self.op = op.progress(self._step).success(self._done).failure(self._failed).run()

    def _step(self, done: int, total: int, text: str) -> None:
        self.status.setText(tr("Шаг {n} из {total}: {what}…").format(n=done + 1, total=total, what=tr(text)))

    def _done(self, done: Restored) -> None:
        self.secret.clear()
        self.restore_button.setEnabled(True)
        when = fmt_timestamp(done.manifest.created)
        if done.created:
            text = tr("Копия от {when} восстановлена как новый профиль «{name}».").format(when=when, name=done.name)
        else:
            text = tr("Профиль «{name}» восстановлен из копии от {when}.").format(name=done.name, when=when)
        self.status.setText(text + " " + tr("Откройте его, введя парольную фразу копии."))
        self.restored.emit(done)

    def _failed(self, exc: BaseException) -> None:
        self.restore_button.setEnabled(True)
        self.status.setText(explain(exc).sentences())
