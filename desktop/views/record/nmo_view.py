"""«НМО»: credits of continuing medical education and the cycle totals against the rule
(default 144 ЗЕТ over five years: 74 from programmes, 70 from modules and events)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.documents.nmo import cycle_totals, rule_from_settings
from desktop.i18n import tr
from desktop.models.formatting import fmt_date
from desktop.views.documents.nmo_export import NmoExportBar
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.widgets import theme
from desktop.views.widgets.entity_table import EntityTableView


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f").replace(".", ",")


class NmoView(QWidget):
    def __init__(self, model: RecordTableModel, settings: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings
        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(panel)
        self.cycle_label = QLabel()
        self.cycle_label.setObjectName("nmo_cycle")
        self.cycle_label.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.cycle_label, 0, 0, 1, 3)
        self.bars: dict[str, tuple[QLabel, QProgressBar]] = {}
        for i, (key, title) in enumerate((("total", tr("Всего")),
                                          ("program", tr("Программы повышения квалификации")),
                                          ("other", tr("Модули и мероприятия")))):
            name = QLabel(title)
            value = QLabel()
            value.setObjectName(f"nmo_{key}")
            bar = QProgressBar()
            bar.setTextVisible(False)
            bar.setMaximumHeight(12)
            grid.addWidget(name, i + 1, 0)
            grid.addWidget(bar, i + 1, 1)
            grid.addWidget(value, i + 1, 2)
            self.bars[key] = (value, bar)
        self.pending_label = QLabel()
        self.pending_label.setStyleSheet(theme.text_style("muted"))
        grid.addWidget(self.pending_label, 4, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        self.table = EntityTableView(model)
        self.export_bar = NmoExportBar(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(panel)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.export_bar)
        model.refreshed.connect(self.refresh_totals)
        # A bound method, not a lambda: Qt drops the connection when this view is deleted (a
        # language change rebuilds the record while the store lives on).
        model.store.changed.connect(self._store_changed)
        self.refresh_totals()

    def _store_changed(self, entity: str) -> None:
        if entity == "accreditation":
            self.refresh_totals()

    def refresh_totals(self) -> None:
        # The same rule and cycle as the «Выписка НМО» PDF and the reminders (desktop.documents.nmo).
        rule = rule_from_settings(self.settings)
        t = cycle_totals(self.model.store.rows("nmo"), self.model.store.rows("accreditation"), rule, dt.date.today())
        self.cycle_label.setText(tr("Цикл аккредитации: {b} – {e}").format(b=fmt_date(t.start.isoformat()),
                                                                           e=fmt_date(t.end.isoformat())))
        need = {"total": rule.total_hours, "program": rule.program_hours, "other": rule.iom_event_hours}
        have = {"total": t.total, "program": t.program, "other": t.iom_event}
        for key, (label, bar) in self.bars.items():
            bar.setMaximum(max(int(need[key]), 1))
            bar.setValue(min(int(have[key]), int(need[key])))
            short = need[key] - have[key]
            text = tr("{have} из {need} ЗЕТ").format(have=_num(have[key]), need=_num(need[key]))
            if short > 0:
                text += " — " + tr("не хватает {n}").format(n=_num(short))
            label.setText(text)
        self.pending_label.setText(tr("Ожидают подтверждения: {n} ЗЕТ (не учтены в сумме)").format(
            n=_num(t.pending)))
