"""«Запрос работнику»: a request (its kind from a list or typed, and its text) to one person from
the person card or to every person selected in «Сотрудники». Sent in one transaction through
``desktop/models/staff_requests.py`` — all queued or none — and delivered at the next sync."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.models.validation import ValidationFailed
from desktop.views.hr.styles import ERROR_STYLE
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges

KINDS = ("Подтверждение трудоустройства", "Запрос копии диплома", "Запрос сертификата или свидетельства об "
         "аккредитации", "Обновление персональных данных", "Прохождение периодической аккредитации")


class RequestDialog(QDialog):
    #: the requests were queued (their ids)
    sent = Signal(list)

    def __init__(self, store: RecordStore, person_ids: Sequence[str], who: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("request_dialog")
        self.store = store
        self.person_ids = list(person_ids)
        self.setWindowTitle(tr("Запрос работнику"))
        self.setModal(True)
        self.resize(560, 360)
        self.kind = QComboBox()
        self.kind.setObjectName("request_kind")
        self.kind.setEditable(True)
        self.kind.addItems([tr(k) for k in KINDS])
        self.text = QPlainTextEdit()
        self.text.setObjectName("request_text")
        self.text.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow(tr("Кому"), QLabel(who))
        form.addRow(tr("Тип запроса") + " *", self.kind)
        form.addRow(tr("Текст"), self.text)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.send_button = QPushButton(tr("Отправить"))
        self.send_button.setObjectName("send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        cancel = QPushButton(tr("Отмена"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def values(self) -> dict[str, Any]:
        return {"kind": self.kind.currentText().strip(), "text": self.text.toPlainText().strip() or None}

    def send(self) -> Op | None:
        if not self.person_ids:
            return None
        from desktop.models.staff_requests import send_requests

        repo, ids, values = self.store.repo, list(self.person_ids), self.values()
        self.send_button.setEnabled(False)

        def done(made: list[str]) -> None:
            self.sent.emit(made)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.send_button.setEnabled(True)
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText("\n".join(exc.errors.values()) if isinstance(exc, ValidationFailed)
                                else describe_error(exc))

        return Op(self, lambda: send_requests(repo, ids, values), worker=self.store.worker).success(done).failure(
            failed).changes(OpChanges.of("request", outbox=True)).run()
