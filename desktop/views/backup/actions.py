"""The «Файл» menu's backup entries and the scheduled copy at unlock, wired by the session.

Imported with the first screen, so it imports nothing of the vault stack (SQLCipher,
SQLAlchemy): the dialogs and the backup code load when they are used (and are preloaded
with the other view modules, ``runtime/prewarm.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from desktop.i18n import tr
from desktop.views.runtime.errors import explain
from desktop.views.runtime.ops import Op
from desktop.views.widgets import live_text

if TYPE_CHECKING:
    from desktop.vault.profiles import Profile
    from desktop.vault.store import Vault
    from desktop.views.runtime.workers import DbWorker


class Host(Protocol):
    """What the backup entries need of the session."""

    @property
    def window(self) -> QMainWindow: ...
    @property
    def root(self) -> Path: ...
    @property
    def profile(self) -> Profile | None: ...
    @property
    def vault(self) -> Vault | None: ...
    @property
    def worker(self) -> DbWorker: ...

    def show_chooser(self) -> None: ...


class BackupActions(QObject):
    def __init__(self, host: Host, menu: QMenu) -> None:
        super().__init__(host.window)
        self.host = host
        self.backup_action = live_text.bind(QAction(host.window), "Резервная копия…")
        self.backup_action.setObjectName("backup_action")
        self.backup_action.triggered.connect(self.open_backup)
        self.restore_action = live_text.bind(QAction(host.window), "Восстановить…")
        self.restore_action.setObjectName("restore_action")
        self.restore_action.triggered.connect(self.open_restore)
        menu.addAction(self.backup_action)
        menu.addAction(self.restore_action)
        self.dialog: Any = None

    def open_backup(self) -> None:
        host = self.host
        if host.vault is None or host.profile is None:
            QMessageBox.information(host.window, tr("Резервная копия"), tr(
                "Резервная копия делается из открытого профиля: откройте его (введите парольную фразу) "
                "и выберите «Файл → Резервная копия…» снова."))
            return
        from desktop.views.backup.backup_dialog import BackupDialog

        self.dialog = BackupDialog(host.vault, host.profile, host.worker, host.window)
        self.dialog.open()

    def open_restore(self) -> None:
        from desktop.views.backup.restore_dialog import RestoreDialog

        host = self.host
        open_folder = host.profile.folder if host.vault is not None and host.profile is not None else None
        self.dialog = RestoreDialog(host.root, host.profile, open_folder, host.window)
        self.dialog.restored.connect(self._restored)
        self.dialog.open()

    def _restored(self, _done: object) -> None:
        if self.host.vault is None:
            self.host.show_chooser()  # a new profile, or the restored one, to pick and unlock

    def vault_opened(self) -> None:
        """The scheduled copy, if one is due."""
        host = self.host
        vault, profile = host.vault, host.profile
        if vault is None or profile is None:
            return
        name = profile.name

        def work() -> Path | None:
            from desktop.vault.backup_schedule import run_if_due

            return run_if_due(vault, name)

        # In the pool: the copy reads the whole file on a connection of its own, and the DB worker
        # stays free for the record the person has just opened.
        Op(self, work, pool=True).success(self._scheduled).failure(self._scheduled_failed).run()

    def _scheduled(self, path: Path | None) -> None:
        if path is not None:
            self.host.window.statusBar().showMessage(
                tr("Резервная копия по расписанию сохранена: {path}").format(path=path), 15_000)

    def _scheduled_failed(self, exc: BaseException) -> None:
        # Not a dialog over the record the person just opened: the status bar says it, and the
        # next unlock tries again (a flash drive that is not plugged in is the usual cause).
        self.host.window.statusBar().showMessage(
            tr("Резервная копия по расписанию не сделана: {reason}").format(reason=explain(exc).sentences()), 30_000)
