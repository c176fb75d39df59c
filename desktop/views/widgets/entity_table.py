"""The list/view/add/edit/delete widget every record section is made of.

A search line and a sortable table straight over an ``IdTableModel`` (search and sort run in
the vault on the DB worker; the search waits for a pause in typing, ``SEARCH_DELAY_MS``), a
read-only card with every field of the selected row, and the actions:
Ctrl+N add, F2 / Enter / double click «Редактировать», Del delete (after a confirmation).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr, trn
from desktop.models.formatting import display
from desktop.views.runtime.errors import describe_error
from desktop.views.widgets import theme
from desktop.views.widgets.id_table_model import IdTableModel
from desktop.views.widgets.record_dialog import RecordDialog

# The banner's kinds: coloured from the palette in use when shown (desktop.views.widgets.theme).
WARNING_STYLE = "warning"
ERROR_STYLE = "error"
INFO_STYLE = "ok"
#: the search runs this long after the last keystroke (one vault query per pause, not per key)
SEARCH_DELAY_MS = 200


def record_table(proxy: QAbstractItemModel, name: str, *, multi: bool = False) -> QTableView:
    """A read-only, sortable table of whole rows, as every section shows its records."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                           else QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table


class Banner(QLabel):
    """A one-line message above a table: saved, warnings, errors."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.hide()

    def show_message(self, text: str, style: str) -> None:
        """``style``: a kind of ``theme.TONES`` (``WARNING_STYLE`` …) or a style sheet."""
        self.setText(text)
        self.setStyleSheet(theme.banner_style(style) if style in theme.TONES else style)
        self.show()

    def clear_message(self) -> None:
        self.clear()
        self.hide()


class EntityTableView(QWidget):
    #: a row was added, edited or deleted (the store already holds the new rows)
    written = Signal()

    def __init__(self, model: IdTableModel, *, editable: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.editable = editable
        # No proxy: the table is the model's rows as the vault ordered them. ``proxy`` stays as
        # the name of "what the table shows" for callers written against the old stack.
        self.proxy = model

        self.filter = QLineEdit()
        self.filter.setObjectName("filter")
        self.filter.setAccessibleName(tr("Поиск по таблице"))
        self.filter.setPlaceholderText(tr("Поиск по таблице…"))
        self.filter.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: model.set_search(self.filter.text()))
        self.filter.textChanged.connect(lambda _t: self._search_timer.start())

        self.table = record_table(model, f"table_{model.entity}")
        self.table.doubleClicked.connect(lambda _i: self.edit_current())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_details())
        self._sized = False
        # A save or a sync re-reads the table (a model reset): the person keeps the row they were on.
        self._keep: tuple[str | None, int] = (None, 0)
        model.modelAboutToBeReset.connect(self._before_reset)
        model.modelReset.connect(self._after_reset)
        # Row-level changes keep the selection by themselves; the count and the card follow.
        model.rowsInserted.connect(lambda *_: self._count())
        model.rowsRemoved.connect(lambda *_: self._count())
        model.dataChanged.connect(self._data_changed)
        model.refreshed.connect(self._refreshed)

        self.banner = Banner()
        self.add_button = QPushButton(tr("Добавить"))
        self.add_button.setToolTip("Ctrl+N")
        self.edit_button = QPushButton(tr("Редактировать"))
        self.edit_button.setToolTip("F2")
        self.delete_button = QPushButton(tr("Удалить"))
        self.delete_button.setToolTip("Del")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        for b in (self.add_button, self.edit_button, self.delete_button):
            b.setVisible(editable)

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.delete_button)
        self.count_label = QLabel()

        self.details = QWidget()
        self.details_form = QFormLayout(self.details)
        self.details_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.details_frame = QFrame()
        self.details_frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame_box = QVBoxLayout(self.details_frame)
        self.details_title = QLabel(tr("Выберите строку, чтобы увидеть все сведения"))
        self.details_title.setStyleSheet("font-weight: bold;")
        frame_box.addWidget(self.details_title)
        frame_box.addWidget(self.details)
        frame_box.addStretch(1)

        # Scrolled: a card with many fields must not make the window taller than a small screen.
        details_scroll = QScrollArea()
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        details_scroll.setWidget(self.details_frame)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("details_splitter")  # its place is remembered per profile
        splitter.addWidget(self.table)
        splitter.addWidget(details_scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.count_label)

        if editable:
            self._shortcut(QKeySequence.StandardKey.New, self.add)
            self._shortcut(QKeySequence(Qt.Key.Key_F2), self.edit_current)
            self._shortcut(QKeySequence(Qt.Key.Key_Delete), self.delete_current, table_only=True)
            self._shortcut(QKeySequence(Qt.Key.Key_Return), self.edit_current, table_only=True)
            self._shortcut(QKeySequence(Qt.Key.Key_Enter), self.edit_current, table_only=True)
        self.setTabOrder(self.filter, self.table)
        self._after_reset()

    def _shortcut(self, seq: QKeySequence | QKeySequence.StandardKey, slot: Any, table_only: bool = False) -> None:
        # Delete/Enter only act on the table, so typing in the filter never deletes a row.
        sc = QShortcut(seq, self.table if table_only else self)
        sc.setContext(Qt.ShortcutContext.WidgetShortcut if table_only
                      else Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(slot)

    # -- selection -------------------------------------------------------------------------
    def current_row(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(index.row())

    def select_id(self, row_id: str) -> None:
        src = self.model.row_of(row_id)
        if src < 0:
            self._select_later = row_id  # a row just saved: selected when the list shows it
            return
        self._select_later = None
        index = self.model.index(src, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def _before_reset(self) -> None:
        row = self.current_row()
        self._keep = (str(row["id"]) if row and row.get("id") else None, self.table.verticalScrollBar().value())

    _select_later: str | None = None

    def _count(self) -> None:
        self.count_label.setText(trn("{n} запись", "{n} записи", "{n} записей", self.model.rowCount()).format(
            n=self.model.rowCount()))

    def _data_changed(self, first: QModelIndex, last: QModelIndex) -> None:
        current = self.table.currentIndex()
        if current.isValid() and first.row() <= current.row() <= last.row():
            self._show_details()

    def _refreshed(self) -> None:
        self._count()
        if self._select_later is not None:
            self.select_id(self._select_later)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._size_columns()

    def _size_columns(self) -> None:
        # Size columns once, when rows first arrive: re-measuring every cell after each save
        # costs the GUI thread tens of milliseconds and makes columns jump under the cursor.
        n = self.model.rowCount()
        if n and not self._sized and self.table.horizontalHeader().count() and self.model.row_at(0):
            self._sized = True
            self.table.resizeColumnsToContents()
            for col in range(self.model.columnCount()):
                if self.table.columnWidth(col) > 260:
                    self.table.setColumnWidth(col, 260)

    def _after_reset(self) -> None:
        n = self.model.rowCount()
        self._count()
        kept, scroll = self._keep
        self._keep = (None, 0)
        if kept is not None and self.model.row_of(kept) >= 0:
            self.select_id(kept)
            self.table.verticalScrollBar().setValue(scroll)
        elif self.table.model() is not None and n and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._size_columns()
        self._show_details()

    def _show_details(self) -> None:
        while self.details_form.rowCount():
            self.details_form.removeRow(0)
        row = self.current_row()
        self.edit_button.setEnabled(row is not None)
        self.delete_button.setEnabled(row is not None)
        if row is None:
            self.details_title.setText(tr("Выберите строку, чтобы увидеть все сведения"))
            return
        spec = self.model.spec
        self.details_title.setText(tr(spec.label))
        for f in spec.fields:
            text = display(f, row.get(f.name), self.model.store.nsi)
            if not text:
                continue
            value = QLabel(text)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.details_form.addRow(QLabel(tr(f.label) + ":"), value)
        extra = self.model.extra_value(str(row.get("id")))
        if extra and self.model._extra_title:
            value = QLabel(tr(extra))
            value.setWordWrap(True)
            self.details_form.addRow(QLabel(tr(self.model._extra_title) + ":"), value)

    # -- actions ---------------------------------------------------------------------------
    def add(self) -> None:
        if self.editable:
            self._open_dialog(None)

    def edit_current(self) -> None:
        row = self.current_row()
        if self.editable and row is not None:
            self._open_dialog(row)

    def _open_dialog(self, row: dict[str, Any] | None) -> None:
        dialog = RecordDialog(self.model.store, self.model.entity, row, self)
        dialog.saved.connect(self._on_saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog = dialog  # tests and shortcuts reach the open dialog through here

    def _on_saved(self, warnings: list[str]) -> None:
        dialog = self.sender()
        if isinstance(dialog, RecordDialog) and dialog.result_value is not None:
            self.select_id(dialog.result_value.id)
        if warnings:
            self.banner.show_message(tr("Сохранено. Обратите внимание:") + "\n" + "\n".join(warnings),
                                     WARNING_STYLE)
        else:
            self.banner.show_message(tr("Сохранено."), INFO_STYLE)
        self.written.emit()

    def delete_current(self) -> None:
        row = self.current_row()
        if not self.editable or row is None:
            return
        spec = self.model.spec
        what = ", ".join(display(spec.field(n), row.get(n), self.model.store.nsi)
                         for n in spec.title_fields if row.get(n))
        box = QMessageBox(QMessageBox.Icon.Question, tr("Удаление"),
                          tr("Удалить запись «{what}» из раздела «{section}»?").format(
                              what=what or tr(spec.label), section=tr(spec.plural)),
                          parent=self)
        yes = box.addButton(tr("Удалить"), QMessageBox.ButtonRole.DestructiveRole)
        no = box.addButton(tr("Отмена"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        self.confirm_box = box
        box.finished.connect(lambda _r: self._confirmed(box.clickedButton() is yes, str(row["id"])))
        box.open()

    def _confirmed(self, yes: bool, row_id: str) -> None:
        self.confirm_box.deleteLater()
        if not yes:
            return
        self.model.store.delete(self.model.entity, row_id, parent=self).success(self._deleted).failure(
            self._delete_failed)

    def _deleted(self, _result: object) -> None:
        self.banner.show_message(tr("Запись удалена."), INFO_STYLE)
        self.written.emit()

    def _delete_failed(self, exc: BaseException) -> None:
        text = describe_error(exc)
        self.banner.show_message(tr("Не удалось удалить запись:") + " " + text, ERROR_STYLE)

    def current_index(self) -> QModelIndex:
        return self.table.currentIndex()
