"""«Конфликты»: the same field changed here and on the server — a person decides, per field.

Each conflict shows base (what both sides started from), mine and theirs side by side; a
choice is a new local edit queued for the next sync (desktop.sync.decisions.resolve).

Database work goes through ``runner(owner, fn, on_done)`` — an op on the session's DB worker in
the app (``on_done`` dies with the view); by default it runs inline (tests, tools).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr, trn
from desktop.models.formatting import display
from desktop.models.nsi import shipped
from desktop.models.repository import RecordRepository
from desktop.models.schema import ENTITIES
from desktop.sync import decisions

Runner = Callable[[QWidget, Callable[[], Any], Callable[[Any], None]], None]

PSEUDO_LABELS = {"_deleted": N_("Удаление записи"), "_exists": N_("Запись с таким идентификатором")}


def inline_runner(_owner: QWidget, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
    on_done(fn())


def field_label(entity_name: str, name: str) -> str:
    if name in PSEUDO_LABELS:
        return tr(PSEUDO_LABELS[name])
    try:
        return tr(ENTITIES[entity_name].field(name).label)
    except KeyError:
        return name


def show_value(entity_name: str, name: str, value: Any) -> str:
    """A value as a person reads it: dates дд.мм.гггг, enum labels, «—» for empty."""
    if value is None or value == "":
        return "—"
    if name == "_deleted":
        if value == "deleted":
            return tr("удалена")
        return tr("удалена") if value is True else tr("изменена, не удалена")
    if isinstance(value, dict):
        filled = sum(v is not None for v in value.values())
        return trn("запись ({n} поле)", "запись ({n} поля)", "запись ({n} полей)", filled).format(n=filled)
    try:
        spec = ENTITIES[entity_name].field(name)
    except KeyError:
        return str(value)
    # The one formatter; the shipped НСИ names the codes (an imported code shows as itself here).
    return display(spec, value, shipped())


class ConflictsView(QWidget):
    #: a decision was queued: the sync controller should run soon
    decided = Signal()
    #: number of conflicts waiting (for a section badge)
    count_changed = Signal(int)

    def __init__(self, repo: RecordRepository, runner: Runner = inline_runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.repo = repo
        self.runner = partial(runner, self)
        self.items: list[dict[str, Any]] = []
        hint = QLabel(tr("Одно и то же поле изменили здесь и на сервере. Выберите для каждого поля, какое "
                         "значение оставить; выбор будет отправлен при следующей синхронизации."))
        hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("conflict_list")
        self.list.currentRowChanged.connect(self._show)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("conflict_fields")
        self.table.setHorizontalHeaderLabels([tr("Поле"), tr("Было"), tr("Моё"), tr("На сервере"), "", ""])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.empty = QLabel(tr("Конфликтов нет"))
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.table, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.empty)
        layout.addLayout(row, 1)
        layout.addWidget(self.status)
        self.reload()

    def reload(self) -> None:
        self.runner(lambda: decisions.list_conflicts(self.repo), self._loaded)

    def _loaded(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.list.clear()
        for c in items:
            spec = ENTITIES.get(c["entity"])
            title = tr(spec.label) if spec else c["entity"]
            QListWidgetItem(f"{title} · {c['entity_id'][:8]}", self.list)
        self.empty.setVisible(not items)
        self.count_changed.emit(len(items))
        if items:
            self.list.setCurrentRow(0)
        else:
            self.table.setRowCount(0)

    def _show(self, index: int) -> None:
        self.table.setRowCount(0)
        if not 0 <= index < len(self.items):
            return
        c = self.items[index]
        pending = [(k, f) for k, f in c["fields"].items() if f["choice"] is None]
        self.table.setRowCount(len(pending))
        for r, (name, f) in enumerate(pending):
            cells = [field_label(c["entity"], name), show_value(c["entity"], name, f["base"]),
                     show_value(c["entity"], name, f["mine"]), show_value(c["entity"], name, f["theirs"])]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(r, col, item)
            for col, (choice, label) in enumerate((("mine", "Оставить моё"), ("theirs", "Принять с сервера")), 4):
                btn = QPushButton(tr(label))
                btn.setObjectName(f"choose_{choice}_{name}")
                btn.clicked.connect(lambda _=False, cid=c["id"], fld=name, ch=choice: self.choose(cid, fld, ch))
                self.table.setCellWidget(r, col, btn)
        self.table.resizeColumnsToContents()

    def choose(self, conflict_id: int, field: str, choice: str) -> None:
        def done(msg: str) -> None:
            self.status.setText(msg)
            self.decided.emit()
            self.reload()

        self.runner(lambda: decisions.resolve(self.repo, conflict_id, field, choice), done)
