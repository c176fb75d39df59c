"""«Отклонено сервером»: edits the server refused, each with the server's own message.

A person either fixes the values and sends the edit again (a new operation) or discards it
(the row returns to what it was). Nothing leaves this list silently.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models.repository import RecordRepository
from desktop.models.schema import ENTITIES
from desktop.models.validation import ValidationFailed
from desktop.sync import decisions
from desktop.views.sync.conflicts_view import Runner, field_label, inline_runner, show_value
from desktop.views.widgets import theme

OPS = {"create": N_("добавление"), "update": N_("изменение"), "delete": N_("удаление")}


class FixDialog(QDialog):
    """The refused values, editable; the server's messages beside the fields they name."""

    def __init__(self, item: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Исправить и отправить снова"))
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        errors = item.get("errors") or {}
        for name, value in item["fields"].items():
            edit = QLineEdit("" if value is None else str(value))
            edit.setObjectName(f"fix_{name}")
            self.edits[name] = edit
            form.addRow(field_label(item["entity"], name), edit)
            if name in errors:
                msg = QLabel(tr(str(errors[name])))  # the server's text, translated when it is a fixed one
                msg.setStyleSheet(theme.text_style("error"))
                msg.setWordWrap(True)
                form.addRow("", msg)
        other = [tr(str(v)) for k, v in errors.items() if k not in item["fields"]]
        if other:
            msg = QLabel("\n".join(other))
            msg.setStyleSheet(theme.text_style("error"))
            msg.setWordWrap(True)
            form.addRow(msg)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> dict[str, str | None]:
        return {k: (e.text().strip() or None) for k, e in self.edits.items()}


class RejectedView(QWidget):
    decided = Signal()
    count_changed = Signal(int)

    def __init__(self, repo: RecordRepository, runner: Runner = inline_runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.repo = repo
        self.runner = partial(runner, self)
        self.items: list[dict[str, Any]] = []
        hint = QLabel(tr("Сервер не принял эти изменения. Исправьте и отправьте снова или отмените изменение."))
        hint.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("rejected_table")
        self.table.setHorizontalHeaderLabels([tr("Раздел"), tr("Действие"), tr("Поля"), tr("Сообщение сервера"),
                                              "", ""])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.empty = QLabel(tr("Отклонённых сервером изменений нет"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.reload()

    def reload(self) -> None:
        self.runner(lambda: decisions.list_rejected(self.repo), self._loaded)

    def _loaded(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.empty.setVisible(not items)
        self.count_changed.emit(len(items))
        self.table.setRowCount(len(items))
        for r, it in enumerate(items):
            spec = ENTITIES.get(it["entity"])
            fields = ", ".join(f"{field_label(it['entity'], k)}: {show_value(it['entity'], k, v)}"
                               for k, v in list(it["fields"].items())[:4])
            for col, text in enumerate([tr(spec.label) if spec else it["entity"], tr(OPS.get(it["op"], it["op"])),
                                        fields, it["message"]]):
                self.table.setItem(r, col, QTableWidgetItem(text))
            fix = QPushButton(tr("Исправить…"))
            fix.setObjectName(f"fix_{it['id']}")
            fix.setEnabled(it["op"] != "delete")
            fix.clicked.connect(lambda _=False, item=it: self.fix(item))
            drop = QPushButton(tr("Отменить изменение"))
            drop.setObjectName(f"discard_{it['id']}")
            drop.clicked.connect(lambda _=False, seq=it["id"]: self.discard(seq))
            self.table.setCellWidget(r, 4, fix)
            self.table.setCellWidget(r, 5, drop)
        self.table.resizeColumnsToContents()

    def discard(self, seq: int) -> None:
        def done(_: Any) -> None:
            self.status.setText(tr("Изменение отменено"))
            self.decided.emit()
            self.reload()

        self.runner(lambda: decisions.discard_rejected(self.repo, seq), done)

    def fix(self, item: dict[str, Any], values: dict[str, Any] | None = None) -> None:
        if values is None:
            dlg = FixDialog(item, self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            values = dlg.values()

        def run() -> str:
            try:
                return decisions.resubmit_rejected(self.repo, item["id"], values or {})
            except ValidationFailed as exc:
                return "; ".join(exc.errors.values())

        def done(msg: str) -> None:
            self.status.setText(msg)
            self.decided.emit()
            self.reload()

        self.runner(run, done)
