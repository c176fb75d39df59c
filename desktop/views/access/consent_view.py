"""Consent to the processing of personal data (152-ФЗ), asked once per vault before the
record opens; the time of consent is journaled in the vault by the repository. The text is
``desktop/models/consent.py``'s, which ``frmr init`` shows too."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.models.consent import CONSENT_TEXT

__all__ = ["CONSENT_TEXT", "ConsentView"]


class ConsentView(QWidget):
    accepted = Signal()
    declined = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(tr("Согласие на обработку персональных данных"))
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        text = QTextBrowser()
        text.setPlainText(tr(CONSENT_TEXT))
        self.check = QCheckBox(tr("Я прочитал(а) и даю согласие на обработку персональных данных"))
        self.check.setObjectName("consent_check")
        self.accept_button = QPushButton(tr("Начать работу"))
        self.accept_button.setObjectName("consent_accept")
        self.accept_button.setEnabled(False)
        self.accept_button.setDefault(True)
        self.decline_button = QPushButton(tr("Не соглашаюсь"))
        self.check.toggled.connect(self.accept_button.setEnabled)
        self.accept_button.clicked.connect(self.accepted.emit)
        self.decline_button.clicked.connect(self.declined.emit)
        self.note = QLabel()
        self.note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.decline_button)
        buttons.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(text, 1)
        layout.addWidget(self.check)
        layout.addWidget(self.note)
        layout.addLayout(buttons)

    def show_declined(self) -> None:
        self.note.setText(tr("Без согласия на обработку персональных данных вести запись нельзя. "
                             "Хранилище заблокировано."))
