"""«Баллы НМО» — credits waiting for the operator (issue 15): filters, several decided at once
(each on its own: one decided meanwhile by a colleague is named, the others are done)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import N_, tr
from desktop.sync.admin import NMO_STATUSES, Outcome
from desktop.vault.store import Vault
from desktop.views.operator.common import (
    call,
    day_text,
    person_cells,
    say,
    say_while,
    status_label,
)
from desktop.views.operator.queue_model import QUEUE_LIMIT, Queue, QueueTable, queue_of

HEADER = [N_("Дата"), N_("Работник"), N_("СНИЛС"), N_("Тип"), N_("Наименование"), N_("Организатор"), N_("ЗЕТ"),
          N_("Статус")]
KINDS = {"iom": N_("ИОМ"), "event": N_("мероприятие"), "program": N_("программа ПК")}


class NmoQueueView(QWidget):
    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operator_nmo")
        self.vault = vault
        self.status_filter = QComboBox()
        for key, label in NMO_STATUSES.items():
            self.status_filter.addItem(tr(label), key)
        self.status_filter.addItem(tr("все"), "")
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Работник, СНИЛС, наименование, организатор…"))
        self.table = QueueTable(tr("Баллы НМО"), stretch=HEADER.index(N_("Наименование")))
        self.search.textChanged.connect(self.table.queue.set_filter)
        self.confirm = QPushButton(tr("Подтвердить выбранные"))
        self.reject = QPushButton(tr("Отклонить выбранные"))
        self.confirm.clicked.connect(lambda: self.decide("confirm"))
        self.reject.clicked.connect(lambda: self.decide("reject"))
        self.status = status_label()
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Статус:")))
        top.addWidget(self.status_filter)
        top.addWidget(self.search, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.confirm)
        actions.addWidget(self.reject)
        actions.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        self.reload()

    def reload(self) -> None:
        status = str(self.status_filter.currentData() or "")
        call(self, self.vault, lambda c: _queue(c.nmo(status, limit=QUEUE_LIMIT)), self._loaded,
             self.status, load=True)

    def _loaded(self, queue: Queue) -> None:
        full = self.table.show_queue([tr(h) for h in HEADER], queue)
        say_while(self.status, full, tr("Показаны первые {n} записей: уточните статус.").format(n=QUEUE_LIMIT))

    def decide(self, decision: str) -> None:
        ids = self.table.selected_ids()
        if not ids:
            say(self.status, tr("Выберите одну или несколько записей."), "warning")
            return

        def done(outcomes: list[Outcome]) -> None:
            ok = sum(o.ok for o in outcomes)
            refused = [o.message for o in outcomes if not o.ok]
            text = tr("Принято решений: {ok} из {n}.").format(ok=ok, n=len(outcomes))
            if refused:
                text += " " + tr("Не принято: {why}").format(why="; ".join(sorted(set(refused))))
            say(self.status, text, "ok" if not refused else "warning")
            self.reload()

        call(self, self.vault, lambda c: c.decide_nmo(ids, decision), done, self.status)


def _queue(items: list[dict[str, Any]]) -> Queue:
    """In the pool: the credits as the queue shows them."""
    def row_of(item: dict[str, Any]) -> tuple[list[str], str]:
        f = item.get("fields") or {}
        name, snils = person_cells(item)
        return [day_text(f.get("event_date")), name, snils, tr(KINDS.get(str(f.get("kind")), str(f.get("kind") or ""))),
                str(f.get("title") or ""), str(f.get("provider") or ""), str(f.get("credits") or ""),
                tr(NMO_STATUSES.get(str(f.get("status")), ""))], ""

    return queue_of(items, row_of)
