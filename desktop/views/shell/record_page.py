"""The open record: a section list on the left, the chosen section on the right.
Ctrl+1…Ctrl+9 jump to a section; Up/Down in the list move between them.

Sections may be added as factories: a placeholder stands in the stack until the section is
first shown or ``build_next()`` gets to it, so opening the record only builds the first
section and the GUI thread never spends one long stretch building all of them.
"""

from __future__ import annotations

from collections.abc import Callable

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
        self._factories: dict[str, Callable[[], QWidget]] = {}
        #: called with (title, widget) whenever a lazy section gets built
        self.on_built: Callable[[str, QWidget], None] | None = None
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

    def add_lazy_section(self, title: str, factory: Callable[[], QWidget]) -> None:
        self._factories[title] = factory
        self.add_section(title, QWidget())

    def build(self, title: str) -> QWidget:
        """The section's widget, building it now if it is still a placeholder."""
        row = self.titles.index(title)
        factory = self._factories.pop(title, None)
        if factory is not None:
            widget = factory()
            placeholder = self.stack.widget(row)
            current = self.stack.currentIndex()
            self.stack.insertWidget(row, widget)
            if placeholder is not None:
                self.stack.removeWidget(placeholder)
                placeholder.deleteLater()
            self.stack.setCurrentIndex(current)
            if self.on_built is not None:
                self.on_built(title, widget)
        return self.section(title)

    def pending(self) -> int:
        """Sections not built yet."""
        return len(self._factories)

    def build_next(self) -> bool:
        """Build one pending section; False when none is left."""
        for title in self.titles:
            if title in self._factories:
                self.build(title)
                return True
        return False

    def _switch(self, row: int) -> None:
        if 0 <= row < len(self.titles):
            self.build(self.titles[row])
            self.stack.setCurrentIndex(row)
            self.section_changed.emit(self.titles[row])

    def select(self, title: str) -> QWidget:
        self.build(title)
        self.nav.setCurrentRow(self.titles.index(title))
        return self.section(title)

    def section(self, title: str) -> QWidget:
        widget = self.stack.widget(self.titles.index(title))
        assert widget is not None
        return widget
