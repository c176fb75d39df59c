"""«Трудовая деятельность»: employment cards, the стаж computed from them (live: recomputed
whenever the cards change) and, per card, why it overlaps another one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.models.seniority import Span, compute, profile_name
from desktop.models.validation import overlap_flags
from desktop.views.record.record_store import RecordStore
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.widgets import theme
from desktop.views.widgets.entity_table import EntityTableView


def span_text(s: Span) -> str:
    return tr("{y} л. {m} мес. {d} дн.").format(y=s.years, m=s.months, d=s.days)


def employment_model(store: RecordStore) -> RecordTableModel:
    def overlaps(rows: list[dict[str, Any]]) -> dict[str, str]:
        return overlap_flags(list[Mapping[str, Any]](rows))

    return RecordTableModel(store, "employment", extra_title="Пересечение периодов", extra=overlaps,
                            order_by="begin_date")


class EmploymentView(QWidget):
    def __init__(self, model: RecordTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.total_label = QLabel()
        self.total_label.setObjectName("seniority_total")
        self.total_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.by_profile_label = QLabel()
        self.by_profile_label.setObjectName("seniority_by_profile")
        self.by_profile_label.setWordWrap(True)
        note = QLabel(tr("Учитываются периоды по трудовому договору (договоры ГПХ не входят); "
                         "пересекающиеся периоды считаются один раз."))
        note.setWordWrap(True)
        note.setStyleSheet(theme.text_style("muted"))
        box = QVBoxLayout(panel)
        box.addWidget(self.total_label)
        box.addWidget(self.by_profile_label)
        box.addWidget(note)
        self.table = EntityTableView(model)
        layout = QVBoxLayout(self)
        layout.addWidget(panel)
        layout.addWidget(self.table, 1)
        # The стаж is the person's, not the table's: a search narrowing the table leaves it alone.
        model.refreshed.connect(self.refresh_seniority)
        self.refresh_seniority()

    def refresh_seniority(self) -> None:
        # A person's cards are few; the canonical computation takes microseconds.
        s = compute(self.model.store.rows("employment"))
        self.total_label.setText(tr("Медицинский стаж: {span}").format(span=span_text(s.total)))
        if s.by_profile:
            parts = [f"{profile_name(name)}: {span_text(span)}" for name, span in s.by_profile.items()]
            self.by_profile_label.setText(tr("По профилям:") + " " + "; ".join(parts))
        else:
            self.by_profile_label.setText(tr("Нет периодов работы по трудовому договору."))
