"""«Квалификация»: certificates, accreditation and categories, one tab each.

The first tab's table is built with the section; the others one per step of ``turns`` after it,
or at once when something asks for them. Four tables in one turn took ~30 ms of GUI-thread
CPU, the largest single step of opening the record.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.runtime import turns
from desktop.views.widgets.entity_table import EntityTableView


class QualificationView(QWidget):
    def __init__(self, certificates: RecordTableModel, accreditation: RecordTableModel,
                 categories: RecordTableModel, applications: RecordTableModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget()
        # Applications are decided by the accreditation commission via the server; here they are shown.
        self._pending: dict[str, tuple[RecordTableModel, bool]] = {
            "certificates": (certificates, True), "accreditation": (accreditation, True),
            "categories": (categories, True), "applications": (applications, False)}
        self._pages: dict[str, QVBoxLayout] = {}
        self._built: dict[str, EntityTableView] = {}
        titles = {"certificates": tr("Сертификаты"), "accreditation": tr("Аккредитация"),
                  "categories": tr("Категории"), "applications": tr("Заявления на аккредитацию")}
        for key, title in titles.items():
            page = QWidget()
            box = QVBoxLayout(page)
            box.setContentsMargins(0, 0, 0, 0)
            self._pages[key] = box
            self.tabs.addTab(page, title)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda i: self._table(list(titles)[i]) if i >= 0 else None)
        self._table("certificates")
        turns.later(self._build_next, self)

    def _table(self, key: str) -> EntityTableView:
        view = self._built.get(key)
        if view is None:
            model, editable = self._pending.pop(key)
            view = self._built[key] = EntityTableView(model, editable=editable)
            self._pages[key].addWidget(view)
        return view

    def _build_next(self) -> bool:
        if self._pending:
            self._table(next(iter(self._pending)))
        return bool(self._pending)

    @property
    def certificates(self) -> EntityTableView:
        return self._table("certificates")

    @property
    def accreditation(self) -> EntityTableView:
        return self._table("accreditation")

    @property
    def categories(self) -> EntityTableView:
        return self._table("categories")

    @property
    def applications(self) -> EntityTableView:
        return self._table("applications")
