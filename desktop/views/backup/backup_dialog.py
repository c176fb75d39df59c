"""«Файл → Резервная копия…»: a copy of the open profile now, and the schedule.

The copy is one file (the encrypted vault and its key file, ``desktop/vault/backup.py``),
written as an op in the pool: SQLite's online backup reads the file on a connection of its
own, so the person may go on working meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.vault.backup import Manifest, write_backup
from desktop.vault.backup_schedule import MAX_EVERY_DAYS, MAX_KEEP, Schedule, load_schedule, prune, save_schedule
from desktop.views.runtime.errors import explain
from desktop.views.runtime.ops import Op

if TYPE_CHECKING:
    from desktop.vault.profiles import Profile
    from desktop.vault.store import Vault
    from desktop.views.runtime.workers import DbWorker


def _make(vault: Vault, folder: Path, name: str, keep: int | None) -> tuple[Path, Manifest]:
    path, man = write_backup(vault, folder, name)
    if keep:
        prune(path.parent, man.vault_id, keep)
    return path, man


class BackupDialog(QDialog):
    def __init__(self, vault: Vault, profile: Profile, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.profile = profile
        self.worker = worker
        self.setWindowTitle(tr("Резервная копия"))
        self.setObjectName("backup_dialog")
        schedule = load_schedule(profile.folder)
        intro = QLabel(tr(
            "Копия — один файл: зашифрованное хранилище профиля и его ключи. Открыть её можно только "
            "парольной фразой, действующей сейчас, или ключом восстановления. Храните копии вне этого "
            "компьютера (флешка, сетевая папка): так же переносится профиль на новый компьютер."))
        intro.setWordWrap(True)
        self.folder = QLineEdit(schedule.folder or str(Path.home()))
        self.folder.setObjectName("backup_folder")
        browse = QPushButton(tr("Обзор…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.scheduled = QCheckBox(tr("Делать копию в эту папку по расписанию (при открытии профиля)"))
        self.scheduled.setObjectName("backup_scheduled")
        self.scheduled.setChecked(schedule.enabled)
        self.every = QSpinBox()
        self.every.setObjectName("backup_every_days")
        self.every.setRange(1, MAX_EVERY_DAYS)
        self.every.setValue(schedule.every_days)
        self.every.setSuffix(tr(" дн."))
        self.keep = QSpinBox()
        self.keep.setObjectName("backup_keep")
        self.keep.setRange(1, MAX_KEEP)
        self.keep.setValue(schedule.keep)
        form = QFormLayout()
        form.addRow(tr("Папка для копий:"), row)
        form.addRow("", self.scheduled)
        form.addRow(tr("Не реже чем раз в:"), self.every)
        form.addRow(tr("Хранить последних копий:"), self.keep)
        self.status = QLabel()
        self.status.setObjectName("backup_status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.make_button = buttons.addButton(tr("Создать копию"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.make_button.setObjectName("backup_make")
        self.make_button.setDefault(True)
        close = buttons.addButton(tr("Закрыть"), QDialogButtonBox.ButtonRole.RejectRole)
        self.make_button.clicked.connect(self.make_copy)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        self.op: Op | None = None

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, tr("Папка для резервных копий"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def schedule(self) -> Schedule:
        folder = self.folder.text().strip() if self.scheduled.isChecked() else ""
        return Schedule(folder, self.every.value(), self.keep.value())

    def make_copy(self) -> None:
        folder = Path(self.folder.text().strip() or ".")
        if not self.folder.text().strip():
            self.status.setText(tr("Укажите папку для копии."))
            return
        schedule = self.schedule()
        keep = schedule.keep if schedule.enabled else None
        vault, name, profile_folder = self.vault, self.profile.name, self.profile.folder

        def work() -> tuple[Path, Manifest]:
            save_schedule(profile_folder, schedule)
            return _make(vault, folder, name, keep)

        self.make_button.setEnabled(False)
        self.status.setText(tr("Создание копии…"))
        self.op = Op(self, work, pool=True).success(self._made).failure(self._failed).run()

    def _made(self, result: tuple[Path, Manifest]) -> None:
        path, man = result
        self.make_button.setEnabled(True)
        text = tr("Копия сохранена: {path}").format(path=path)
        if man.pending:
            text += " " + tr("В ней неотправленных изменений: {n} — после восстановления они отправятся "
                             "на сервер один раз.").format(n=man.pending)
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self.make_button.setEnabled(True)
        self.status.setText(explain(exc).sentences())
