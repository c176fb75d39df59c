"""«Сроки»: who in the organization has a certificate, accreditation or category expiring within
30 or 90 days, or expired within the last year — soonest first, expired ones highlighted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import fmt_date, fmt_decimal
from desktop.models.schema import ENTITIES
from desktop.views.hr import card_tasks
from desktop.views.hr.person_card import EXPIRED, SOON
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op


class DeadlinesView(QWidget):
    def __init__(self, store: RecordStore, org_inn: str | None) -> None:
        super().__init__()
        self.setObjectName("hr_deadlines")
        self.store = store
        self.rows: list[dict[str, Any]] = []
        self.org_inn = org_inn
        self.days = QComboBox()
        self.days.setObjectName("deadline_days")
        self.days.addItem(tr("в ближайшие 30 дней"), 30)
        self.days.addItem(tr("в ближайшие 90 дней"), 90)
        self.days.setCurrentIndex(1)
        self.days.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("deadlines")
        self.table.setHorizontalHeaderLabels([tr("ФИО"), tr("СНИЛС"), tr("Документ"), tr("Специальность"),
                                              tr("Действует до"), tr("НМО за цикл")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel()
        self.export_button = QPushButton(tr("Экспорт в Excel…"))
        self.export_button.setObjectName("deadlines_export")
        self.export_button.clicked.connect(lambda: self.export())
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Истекают сроки")))
        top.addWidget(self.days)
        top.addStretch(1)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        title = QLabel(tr("Сроки"))
        title.setStyleSheet("font-size: 16px; font-weight: 600;")
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.reload()

    def reload(self) -> Op:
        from desktop.documents.nmo import rule_from_settings

        repo, org, days = self.store.repo, self.org_inn, int(self.days.currentData())
        rule = rule_from_settings(self.store.settings)  # the cycle rule of «Настройки»
        return Op(self, lambda: card_tasks.expiring(repo, org, days, rule=rule), worker=self.store.worker).success(
            self._show).failure(lambda e: self.status.setText(describe_error(e))).run()

    def export(self, path: str | None = None) -> Op | None:
        target = path or QFileDialog.getSaveFileName(self, tr("Сроки"), tr("Сроки.xlsx"), "Excel (*.xlsx)")[0]
        if not target:
            return None
        rows, nsi, out = list(self.rows), self.store.nsi, Path(target)

        def work() -> None:
            from desktop.documents.atomic import atomic_write

            atomic_write(out, card_tasks.deadlines_xlsx(rows, nsi))

        return Op(self, work, pool=True).success(
            lambda _r: self.status.setText(tr("Сохранено: {path}").format(path=out))).failure(
            lambda e: self.status.setText(describe_error(e))).run()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        today = dt.date.today().isoformat()
        nsi = self.store.nsi
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            fio = " ".join(str(r[k]) for k in ("last_name", "first_name", "patronymic") if r.get(k))
            missing = r.get("nmo_missing")
            nmo = "" if missing is None else tr("не хватает {n} ЗЕТ").format(n=fmt_decimal(str(missing))) \
                if missing > 0 else tr("достаточно")
            values = [fio, format_snils(str(r["snils"])) if r.get("snils") else "", tr(ENTITIES[r["entity"]].label),
                      nsi.name("specialty", r.get("specialty_code")), fmt_date(r["until"]), nmo]
            color = EXPIRED if str(r["until"]) < today else SOON
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setBackground(QBrush(color))
                self.table.setItem(i, c, item)
        expired = sum(1 for r in rows if str(r["until"]) < today)
        self.status.setText(tr("Всего: {n}, из них истекли: {expired}").format(n=len(rows), expired=expired))
