"""Add or edit one row in a dialog: the generic form, «Сохранить» / «Отмена».

Saving goes to the DB worker; while it runs the dialog stays responsive but disabled. A
``ValidationFailed`` puts each message next to its field and nothing is saved; success
closes the dialog and hands the core's warnings (overlapping employment) to the caller.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.models.repository import SaveResult
from desktop.models.schema import ENTITIES
from desktop.models.validation import ValidationFailed
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.widgets import theme
from desktop.views.widgets.record_form import RecordForm


class RecordDialog(QDialog):
    #: emitted after a successful save with the core's warnings
    saved = Signal(object)

    def __init__(self, store: RecordStore, entity: str, row: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.entity = entity
        self.spec = ENTITIES[entity]
        self.row_id: str | None = str(row["id"]) if row else None
        title = tr("Редактирование: {what}") if row else tr("Добавление: {what}")
        self.setWindowTitle(title.format(what=tr(self.spec.label)))
        self.setModal(True)
        self.resize(680, 640)

        # The store's role: the form offers only what the shared workflow rules allow it.
        self.form = RecordForm(self.spec, store.nsi, role=store.role, current=row)
        if row:
            self.form.set_values(row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton(tr("Сохранить"))
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        self.save_button.setAutoDefault(True)
        self.cancel_button = QPushButton(tr("Отмена"))
        self.cancel_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(tr("* — обязательные поля")))
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.result_value: SaveResult | None = None
        self.busy = False
        self.form.first_editor().setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.form.clear_errors()
        self.status.setStyleSheet("")
        self.status.setText(tr("Сохранение…"))
        self.form.setEnabled(False)
        self.save_button.setEnabled(False)
        self.store.save(self.entity, self.row_id, self.form.values(), parent=self).success(
            self._saved).failure(self._failed)

    def _unbusy(self) -> None:
        self.busy = False
        self.form.setEnabled(True)
        self.save_button.setEnabled(True)

    def _saved(self, result: SaveResult) -> None:
        self._unbusy()
        self.result_value = result
        self.status.clear()
        self.saved.emit(list(result.warnings) if result else [])
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._unbusy()
        self.status.setStyleSheet(theme.text_style("error"))
        if isinstance(exc, ValidationFailed):
            self.form.show_errors(exc.errors)
            self.status.setText(tr("Запись не сохранена: исправьте отмеченные поля."))
        else:
            self.status.setText(describe_error(exc))

    def keyPressEvent(self, event: Any) -> None:
        # Enter saves from any single-line field; Escape cancels (QDialog default).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.busy:
            focus = self.focusWidget()
            if not isinstance(focus, QPlainTextEdit):
                self.submit()
                return
        super().keyPressEvent(event)
