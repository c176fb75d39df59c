"""«Запрос работнику»: a request (its kind from a list or typed, its text, files attached) to one
person from the person card or to every person selected in «Сотрудники». Sent in one transaction
through ``desktop/models/staff_requests.py`` — all queued or none — and delivered at the next sync.
The files (PDF/JPG/PNG ≤ 5 MB, told by their bytes) are read and checked in the op, not here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
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
        #: the files chosen, read only when the request is sent (in the op)
        self.files: list[str] = []
        self.files_label = QLabel(tr("нет"))
        self.files_label.setObjectName("request_files")
        self.files_label.setWordWrap(True)
        attach = QPushButton(tr("Прикрепить файл…"))
        attach.setObjectName("attach")
        attach.setAutoDefault(False)
        attach.clicked.connect(self._choose_files)
        self.clear_files = QPushButton(tr("Убрать файлы"))
        self.clear_files.setAutoDefault(False)
        self.clear_files.setEnabled(False)
        self.clear_files.clicked.connect(lambda: self.set_files([]))
        files_row = QHBoxLayout()
        files_row.addWidget(self.files_label, 1)
        files_row.addWidget(attach)
        files_row.addWidget(self.clear_files)
        form.addRow(tr("Вложения"), files_row)
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

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, tr("Вложения к запросу"), "",
                                                tr("PDF, JPG, PNG (*.pdf *.jpg *.jpeg *.png)"))
        if names:
            self.set_files([*self.files, *names])

    def set_files(self, paths: Sequence[str]) -> None:
        from pathlib import Path

        self.files = list(dict.fromkeys(paths))
        self.files_label.setText(", ".join(Path(p).name for p in self.files) or tr("нет"))
        self.clear_files.setEnabled(bool(self.files))

    def values(self) -> dict[str, Any]:
        return {"kind": self.kind.currentText().strip(), "text": self.text.toPlainText().strip() or None}

    def send(self) -> Op | None:
        if not self.person_ids:
            return None
        from desktop.models.staff_request_files import read_files
        from desktop.models.staff_requests import send_requests

        repo, ids, values, paths = self.store.repo, list(self.person_ids), self.values(), list(self.files)
        self.send_button.setEnabled(False)

        def done(made: list[str]) -> None:
            self.sent.emit(made)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.send_button.setEnabled(True)
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText("\n".join(exc.errors.values()) if isinstance(exc, ValidationFailed)
                                else describe_error(exc))

        return Op(self, lambda: send_requests(repo, ids, values, read_files(paths)),
                  worker=self.store.worker).success(done).failure(failed).changes(
            OpChanges.of("request", outbox=True)).run()
