"""«Журнал синхронизации»: what the syncs of this run did, as text a person can copy for support.

The lines come from the ``frmr.sync`` log (each attempt's outcome and counts, retries, convergence
re-pulls), kept in memory by ``desktop.diagnostics.logging_setup.MemoryLog`` and masked by the
same filter as the log file: a copied journal carries no personal data either.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop.diagnostics.logging_setup import MemoryLog
from desktop.i18n import tr


class SyncJournal(QDialog):
    def __init__(self, journal: MemoryLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_journal")
        self.setWindowTitle(tr("Журнал синхронизации"))
        self.journal = journal
        about = QLabel(tr("Попытки синхронизации с момента запуска программы. Персональные данные "
                          "в журнал не попадают: его можно переслать в поддержку."))
        about.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("sync_journal_text")
        self.text.setReadOnly(True)
        self.text.setAccessibleName(tr("Журнал синхронизации"))
        copy = QPushButton(tr("Копировать"))
        copy.setObjectName("copy_journal")
        copy.clicked.connect(self.copy)
        refresh = QPushButton(tr("Обновить"))
        refresh.clicked.connect(self.refresh)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(refresh, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(720, 420)
        self.refresh()

    def refresh(self) -> None:
        lines = self.journal.lines()
        self.text.setPlainText("\n".join(lines) if lines else tr("Синхронизаций ещё не было."))
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
