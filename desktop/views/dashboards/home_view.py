"""«Главная» — the doctor's first section (issue 15): стаж, the НМО cycle chart (credits per year
stacked by kind, the running total against the requirement), the expiry timeline with today
marked, and what waits — each leading to its section. Read on the DB worker; refreshed when an
op writes the record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.views.dashboards.charts import ChartCard, Timeline
from desktop.views.dashboards.home_model import Home, load_home
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.ops import Op, OpChanges, subscribe

WATCHED = ("employment", "nmo", "certificate", "accreditation", "category", "request", "application")


class HomeView(QWidget):
    def __init__(self, store: RecordStore, settings: dict[str, Any],
                 open_section: Callable[[str], None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("home_view")
        self.store, self.settings = store, settings
        self.open_section = open_section or self._open_in_page
        self.home: Home | None = None
        self.seniority = QLabel()
        self.seniority.setWordWrap(True)
        self.cycle = QLabel()
        self.cycle.setWordWrap(True)
        self.nmo = ChartCard(tr("НМО по годам цикла"))
        self.nmo.setObjectName("home_nmo")
        self.timeline = Timeline()
        self.timeline.setAccessibleName(tr("Сроки документов"))
        self.expiry_table = ChartCard(tr("Сроки документов"))  # only its table is used
        self.expiry_table.toggle.setVisible(False)
        # the section's one heading stands above the timeline; the table is its numbers
        self.expiry_table.title.setVisible(False)
        self.expiry_table.stack.setCurrentIndex(1)
        self.expiry_table.setMinimumHeight(160)
        self.waiting_box = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}

        host = QWidget()
        lay = QVBoxLayout(host)
        lay.addWidget(QLabel("<b>" + tr("Стаж") + "</b>"))
        lay.addWidget(self.seniority)
        lay.addWidget(QLabel("<b>" + tr("Ждут внимания") + "</b>"))
        lay.addLayout(self.waiting_box)
        lay.addWidget(self.cycle)
        lay.addWidget(self.nmo)
        lay.addWidget(QLabel("<b>" + tr("Сроки документов") + "</b>"))
        lay.addWidget(self.timeline)
        lay.addWidget(self.expiry_table)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(host)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        subscribe(self, self._changed)
        self.refresh()

    def _changed(self, changes: OpChanges, _initiator: object) -> None:
        if changes.outbox or any(changes.touches(e) for e in WATCHED):
            self.refresh()

    def refresh(self) -> None:
        repo, settings = self.store.repo, dict(self.settings)
        Op(self, lambda: load_home(repo, settings), worker=self.store.worker).success(self.show_home).run()

    def show_home(self, home: Home) -> None:
        self.home = home
        profiles = "; ".join(f"{p}: {s}" for p, s in home.by_profile)
        self.seniority.setText(tr("Медицинский стаж: {total}").format(total=home.seniority)
                               + (f"\n{tr('По профилям')}: {profiles}" if profiles else ""))
        self.cycle.setText(home.cycle_text)
        header = [tr("Год"), *home.nmo.series_names, tr("Накоплено")]
        self.nmo.set(home.nmo, header, home.nmo_rows)
        self.timeline.set_items([(e.day, e.text) for e in home.expiries], home.today)
        self.expiry_table.table.show_rows(
            [tr("Срок"), tr("Документ"), tr("Осталось дней")],
            [[f"{e.day:%d.%m.%Y}", e.text, (e.day - home.today).days] for e in home.expiries], stretch=1)
        for i, w in enumerate(home.waiting):
            b = self.buttons.get(w.label)
            if b is None:
                b = QPushButton()
                b.setFlat(True)
                b.setObjectName(f"home_waiting_{i}")
                if w.section:
                    b.clicked.connect(lambda _c=False, sid=w.section: self.open_section(sid))
                else:
                    b.setToolTip(tr("Отправляются синхронизацией: меню «Синхронизация» (F5)"))
                self.buttons[w.label] = b
                self.waiting_box.addWidget(b, i // 2, i % 2)
            b.setText(f"{tr(w.label)}: {w.count}")

    def _open_in_page(self, section_id: str) -> None:
        page = self.parent()
        while page is not None and not hasattr(page, "select"):
            page = page.parent()
        if page is not None and section_id in getattr(page, "ids", ()):
            page.select(section_id)  # type: ignore[attr-defined]
