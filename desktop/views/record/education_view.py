"""«Образование»: diplomas, residency, retraining and advanced-training documents."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.widgets.entity_table import EntityTableView


class EducationView(QWidget):
    def __init__(self, model: RecordTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        hint = QLabel(tr("Документы об образовании: высшее и среднее профессиональное образование, "
                         "интернатура, ординатура, профессиональная переподготовка, повышение квалификации."))
        hint.setWordWrap(True)
        self.table = EntityTableView(model)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
