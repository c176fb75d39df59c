"""«Запросы»: requests from medical organizations, as the vault holds them (read-only here;
answering them arrives with the sync issue)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.widgets.entity_table import EntityTableView


class RequestsView(QWidget):
    def __init__(self, model: RecordTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        hint = QLabel(tr("Запросы медицинских организаций. Ответить на запрос можно после подключения к серверу."))
        hint.setWordWrap(True)
        self.table = EntityTableView(model, editable=False)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
