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
    filtered,
    haystacks,
    list_table,
    say,
    selected_ids,
    show_rows,
    status_label,
)

HEADER = [N_("Дата"), N_("Тип"), N_("Наименование"), N_("ЗЕТ"), N_("Статус")]
KINDS = {"iom": N_("ИОМ"), "event": N_("мероприятие"), "program": N_("программа ПК")}


class NmoQueueView(QWidget):
    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operator_nmo")
        self.vault = vault
        self.items: list[dict[str, Any]] = []
        self.hays: list[str] = []
        self.status_filter = QComboBox()
        for key, label in NMO_STATUSES.items():
            self.status_filter.addItem(tr(label), key)
        self.status_filter.addItem(tr("все"), "")
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Наименование, организатор, тип…"))
        self.search.textChanged.connect(lambda _t: self.show_items())
        self.table = list_table(tr("Баллы НМО"))
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
        call(self, self.vault, lambda c: c.nmo(status), self._loaded, self.status)

    def _loaded(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.hays = haystacks(items, ("title", "provider", "kind", "event_date"))
        self.show_items()

    def show_items(self) -> None:
        rows = filtered(self.items, self.hays, self.search.text())
        show_rows(self.table, [tr(h) for h in HEADER],
                  [[f.get("event_date") or "", tr(KINDS.get(str(f.get("kind")), str(f.get("kind") or ""))),
                    f.get("title") or "", f.get("credits") or "", tr(NMO_STATUSES.get(str(f.get("status")), ""))]
                   for f in (r.get("fields") or {} for r in rows)],
                  [str(r["id"]) for r in rows], stretch=2)

    def decide(self, decision: str) -> None:
        ids = selected_ids(self.table)
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
