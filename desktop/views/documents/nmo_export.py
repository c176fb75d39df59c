"""«Экспорт в Excel», «Экспорт в PDF» and «Печать» of the НМО «История начислений».

What is exported is what the table shows: the rows its search filter leaves visible. The
workbook / PDF is built in a pool thread from a copy of those rows and written atomically.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMessageBox, QPushButton, QWidget

from desktop.i18n import tr
from desktop.models.journal import record_export
from desktop.models.nsi import NsiRegistry
from desktop.views.documents import document_tasks as tasks
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.entity_table import ERROR_STYLE, INFO_STYLE, EntityTableView
from desktop.views.widgets.pdf_preview import PRINT_DPI, print_preview, render_pdf


def history_xlsx(snapshot: tasks.Snapshot) -> bytes:
    from desktop.documents.xlsx import nmo_history_xlsx

    return nmo_history_xlsx(snapshot)


def history_pdf(snapshot: tasks.Snapshot, nsi: NsiRegistry | None = None) -> bytes:
    return tasks.generate("nmo_history", snapshot, nsi=nsi).pdf


class NmoExportBar(QWidget):
    #: a file was written (its path)
    exported = Signal(str)
    error_shown = Signal(str)

    def __init__(self, table: EntityTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.last_error = ""
        self.message_box: QMessageBox | None = None
        self.xlsx_button = QPushButton(tr("Экспорт в Excel…"))
        self.pdf_button = QPushButton(tr("Экспорт в PDF…"))
        self.print_button = QPushButton(tr("Печать…"))
        self.xlsx_button.setToolTip(tr("Строки, которые сейчас показывает таблица (с учётом поиска)"))
        self.pdf_button.setToolTip(self.xlsx_button.toolTip())
        self.xlsx_button.clicked.connect(lambda: self._choose("xlsx"))
        self.pdf_button.clicked.connect(lambda: self._choose("pdf"))
        self.print_button.clicked.connect(self.print_history)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        for b in (self.xlsx_button, self.pdf_button, self.print_button):
            layout.addWidget(b)

    def visible_rows(self) -> list[dict[str, Any]]:
        # The rows the table shows (the search applied), in its order: a person's НМО list is
        # short, so the model holds all of them.
        return [dict(r) for r in self.table.model.all_rows()]

    def snapshot(self) -> tasks.Snapshot:
        snap = tasks.snapshot_of(self.table.model.store)
        snap["nmo"] = self.visible_rows()
        return snap

    def _choose(self, fmt: str) -> None:
        name = tr("История начислений НМО") + "." + fmt
        flt = tr("Книга Excel (*.xlsx)") if fmt == "xlsx" else tr("Документ PDF (*.pdf)")
        path, _ = QFileDialog.getSaveFileName(self, tr("Экспорт истории начислений"), name, flt)
        if path:
            self.export(fmt, path)

    def export(self, fmt: str, path: str) -> None:
        snap, nsi = self.snapshot(), self.table.model.store.nsi

        def work() -> str:
            return tasks.save_file(path, history_xlsx(snap) if fmt == "xlsx" else history_pdf(snap, nsi))

        store = self.table.model.store

        def done(p: str) -> None:
            self.table.banner.show_message(tr("Выгружено: {path}").format(path=p), INFO_STYLE)
            # «Мой журнал»: what was exported and in which format (never the file's name)
            Op(self, lambda: record_export(store.repo, "nmo", fmt), worker=store.worker).success(
                lambda _r: self.exported.emit(p)).failure(lambda _e: self.exported.emit(p)).run()

        Op(self, work, pool=True).success(done).failure(self._failed).run()

    def print_history(self) -> None:
        snap, nsi = self.snapshot(), self.table.model.store.nsi

        def rendered(images: list[QImage]) -> None:
            self.print_dialog = print_preview(images, tr("История начислений НМО"), self)

        Op(self, lambda: render_pdf(history_pdf(snap, nsi), PRINT_DPI), pool=True).success(rendered).failure(
            self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        text = describe_error(exc)
        self.last_error = text
        self.table.banner.show_message(text, ERROR_STYLE)
        box = QMessageBox(QMessageBox.Icon.Warning, tr("НМО"), text, parent=self)
        box.finished.connect(box.deleteLater)
        self.message_box = box
        box.open()
        self.error_shown.emit(text)
