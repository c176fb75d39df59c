"""The open record: a section list on the left, the chosen section on the right.
Ctrl+1…Ctrl+9 jump to a section; Up/Down in the list move between them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QStackedWidget, QWidget


class RecordPage(QWidget):
    section_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nav = QListWidget()
        self.nav.setObjectName("sections")
        self.nav.setFixedWidth(230)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } QListWidget::item { padding: 7px; }")
        self.stack = QStackedWidget()
        self.titles: list[str] = []
        self.nav.currentRowChanged.connect(self._switch)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)

    def add_section(self, title: str, widget: QWidget) -> None:
        self.titles.append(title)
        self.nav.addItem(title)
        self.stack.addWidget(widget)
        n = len(self.titles)
        if n <= 9:
            sc = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda i=n - 1: self.nav.setCurrentRow(i))
        if self.nav.currentRow() < 0:
            self.nav.setCurrentRow(0)

    def _switch(self, row: int) -> None:
        if 0 <= row < len(self.titles):
            self.stack.setCurrentIndex(row)
            self.section_changed.emit(self.titles[row])

    def select(self, title: str) -> QWidget:
        row = self.titles.index(title)
        self.nav.setCurrentRow(row)
        return self.section(title)

    def section(self, title: str) -> QWidget:
        widget = self.stack.widget(self.titles.index(title))
        assert widget is not None
        return widget
