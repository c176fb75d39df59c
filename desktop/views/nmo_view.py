"""«НМО»: credits of continuing medical education and the cycle totals against the rule
(default 144 ЗЕТ over five years: 74 from programmes, 70 from modules and events)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.models.validation import add_years, fmt_date
from desktop.views.entity_table import EntityTableView
from desktop.views.nmo_export import NmoExportBar
from desktop.views.record_table_model import RecordTableModel


@dataclass
class CycleTotals:
    begin: dt.date
    end: dt.date
    program: Decimal
    other: Decimal
    pending: Decimal

    @property
    def total(self) -> Decimal:
        return self.program + self.other


def cycle_bounds(accreditations: list[dict[str, Any]], today: dt.date) -> tuple[dt.date, dt.date]:
    """The current five-year cycle starts at the latest accreditation; without one, five years back."""
    dates = [dt.date.fromisoformat(str(a["protocol_date"])) for a in accreditations if a.get("protocol_date")]
    if dates:
        begin = max(dates)
        return begin, add_years(begin, 5)
    return add_years(today, -5), today


def cycle_totals(credits: list[dict[str, Any]], begin: dt.date, end: dt.date) -> CycleTotals:
    program = other = pending = Decimal(0)
    for c in credits:
        if not c.get("event_date") or not c.get("credits"):
            continue
        d = dt.date.fromisoformat(str(c["event_date"]))
        if not begin <= d <= end or c.get("status") == "rejected":
            continue
        value = Decimal(str(c["credits"]))
        if c.get("status") != "confirmed":
            pending += value
        elif c.get("kind") == "program":
            program += value
        else:
            other += value
    return CycleTotals(begin, end, program, other, pending)


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
        self.pending_label.setStyleSheet("color: #555;")
        grid.addWidget(self.pending_label, 4, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        self.table = EntityTableView(model)
        self.export_bar = NmoExportBar(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(panel)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.export_bar)
        model.modelReset.connect(self.refresh_totals)
        model.store.changed.connect(lambda e: self.refresh_totals() if e == "accreditation" else None)
        self.refresh_totals()

    def refresh_totals(self) -> None:
        begin, end = cycle_bounds(self.model.store.rows("accreditation"), dt.date.today())
        t = cycle_totals(self.model.all_rows(), begin, end)
        self.cycle_label.setText(tr("Цикл аккредитации: {b} – {e}").format(b=fmt_date(begin.isoformat()),
                                                                           e=fmt_date(end.isoformat())))
        need = {"total": int(self.settings.get("nmo_cycle_total", 144)),
                "program": int(self.settings.get("nmo_cycle_program", 74)),
                "other": int(self.settings.get("nmo_cycle_other", 70))}
        have = {"total": t.total, "program": t.program, "other": t.other}
        for key, (label, bar) in self.bars.items():
            bar.setMaximum(max(need[key], 1))
            bar.setValue(min(int(have[key]), need[key]))
            short = Decimal(need[key]) - have[key]
            text = tr("{have} из {need} ЗЕТ").format(have=_num(have[key]), need=need[key])
            if short > 0:
                text += " — " + tr("не хватает {n}").format(n=_num(short))
            label.setText(text)
        self.pending_label.setText(tr("Ожидают подтверждения: {n} ЗЕТ (не учтены в сумме)").format(
            n=_num(t.pending)))
