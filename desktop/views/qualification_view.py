"""«Квалификация»: certificates, accreditation and categories, one tab each."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.views.entity_table import EntityTableView
from desktop.views.record_table_model import RecordTableModel


class QualificationView(QWidget):
    def __init__(self, certificates: RecordTableModel, accreditation: RecordTableModel,
                 categories: RecordTableModel, applications: RecordTableModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget()
        self.certificates = EntityTableView(certificates)
        self.accreditation = EntityTableView(accreditation)
        self.categories = EntityTableView(categories)
        # Applications are decided by the accreditation commission via the server; here they are shown.
        self.applications = EntityTableView(applications, editable=False)
        self.tabs.addTab(self.certificates, tr("Сертификаты"))
        self.tabs.addTab(self.accreditation, tr("Аккредитация"))
        self.tabs.addTab(self.categories, tr("Категории"))
        self.tabs.addTab(self.applications, tr("Заявления на аккредитацию"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
