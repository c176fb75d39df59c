"""«Документы»: what the vault holds. Another part of the project replaces this file's
contents with generation, upload and signing; keep the class name ``DocumentsView`` and its
constructor ``DocumentsView(store)`` so the main window keeps working."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.views.entity_table import EntityTableView
from desktop.views.record_store import RecordStore
from desktop.views.record_table_model import RecordTableModel


class DocumentsView(QWidget):
    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RecordTableModel(store, "document", order_by="created_at")
        hint = QLabel(tr("Справки, выписки и загруженные сканы, хранящиеся в зашифрованном хранилище."))
        hint.setWordWrap(True)
        self.table = EntityTableView(self.model, editable=False)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
