"""The open workspace: a section list on the left, the chosen section on the right.
Ctrl+1…Ctrl+9 jump to a section; Up/Down in the list move between them.

Sections are keyed by their stable id (``registry.Section.id``); the list shows their
translated titles and, for a section with a badge, its count. Sections may be added as
factories: a placeholder stands in the stack until the section is first shown or
``build_next()`` gets to it, so opening the record only builds the first section and the GUI
thread never spends one long stretch building all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QScrollArea, QSplitter, QStackedWidget, QWidget

from desktop.i18n import tr


class SectionScroll(QScrollArea):
    """A section in the stack, scrolled when it stands taller or wider than the window: a section
    with a large minimum size must never push the window off a small screen (1440×900 at 150 %)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(widget)
        self.setFocusProxy(widget)


class RecordPage(QWidget):
    #: the section shown now, by id
    section_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nav = QListWidget()
        self.nav.setObjectName("sections")
        self.nav.setAccessibleName(tr("Разделы"))
        # Resizable (a splitter the window remembers per profile), never wider than it must be.
        self.nav.setMinimumWidth(150)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } QListWidget::item { padding: 7px; }")
        self.stack = QStackedWidget()
        #: section ids, in the order of the list
        self.ids: list[str] = []
        #: their titles as shown (translated, without the badge)
        self.titles: list[str] = []
        self._factories: dict[str, Callable[[], QWidget]] = {}
        #: called with (id, widget) whenever a lazy section gets built
        self.on_built: Callable[[str, QWidget], None] | None = None
        self.nav.currentRowChanged.connect(self._switch)
        self.splitter = QSplitter()
        self.splitter.setObjectName("record_splitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 900])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

    def add_section(self, section_id: str, title: str, widget: QWidget, *, placeholder: bool = False) -> None:
        if section_id in self.ids:
            raise ValueError(f"section {section_id!r} is already on the page")
        self.ids.append(section_id)
        self.titles.append(title)
        self.nav.addItem(title)
        self.stack.addWidget(widget if placeholder else SectionScroll(widget))
        n = len(self.ids)
        if n <= 9:
            sc = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda i=n - 1: self.nav.setCurrentRow(i))
        if self.nav.currentRow() < 0:
            self.nav.setCurrentRow(0)

    def fit_nav(self) -> None:
        """The section list as wide as its longest title (within reason): a title cut off behind a
        horizontal scroll bar is no use. Called once the page is shown (the list's style sheet
        applied); a place the person gave the splitter is restored after it."""
        self.nav.ensurePolished()
        needed = self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 24
        width = max(200, min(needed, 360))
        sizes = self.splitter.sizes()
        if sizes[0] < width:
            self.splitter.setSizes([width, max(1, sum(sizes) - width)])

    def add_lazy_section(self, section_id: str, title: str, factory: Callable[[], QWidget]) -> None:
        self._factories[section_id] = factory
        self.add_section(section_id, title, QWidget(), placeholder=True)

    def row_of(self, key: str) -> int:
        """The list row of a section by id — or by its title as shown (keyboard-driven tests)."""
        if key in self.ids:
            return self.ids.index(key)
        return self.titles.index(key)

    def set_badge(self, section_id: str, count: int) -> None:
        row = self.ids.index(section_id)
        item = self.nav.item(row)
        if item is not None:
            item.setText(f"{self.titles[row]} ({count})" if count else self.titles[row])

    def build(self, key: str) -> QWidget:
        """The section's widget, building it now if it is still a placeholder."""
        row = self.row_of(key)
        section_id = self.ids[row]
        factory = self._factories.pop(section_id, None)
        if factory is not None:
            widget = factory()
            widget.setProperty("section_id", section_id)  # window_state keys its splitters by it
            placeholder = self.stack.widget(row)
            current = self.stack.currentIndex()
            self.stack.insertWidget(row, SectionScroll(widget))
            if placeholder is not None:
                self.stack.removeWidget(placeholder)
                placeholder.deleteLater()
            self.stack.setCurrentIndex(current)
            if self.on_built is not None:
                self.on_built(section_id, widget)
        return self.section(section_id)

    def pending(self) -> int:
        """Sections not built yet."""
        return len(self._factories)

    def build_next(self) -> bool:
        """Build one pending section; False when none is left."""
        for section_id in self.ids:
            if section_id in self._factories:
                self.build(section_id)
                return True
        return False

    def _switch(self, row: int) -> None:
        if 0 <= row < len(self.ids):
            self.build(self.ids[row])
            self.stack.setCurrentIndex(row)
            self.section_changed.emit(self.ids[row])

    def select(self, key: str) -> QWidget:
        """Show a section (by id, or by its title as shown) and return its widget."""
        widget = self.build(key)
        self.nav.setCurrentRow(self.row_of(key))
        return widget

    def current_id(self) -> str | None:
        row = self.nav.currentRow()
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def section(self, key: str) -> QWidget:
        widget = self.stack.widget(self.row_of(key))
        if isinstance(widget, SectionScroll):
            widget = widget.widget()
        assert widget is not None
        return widget

    def current_section(self) -> QWidget | None:
        section_id = self.current_id()
        return self.section(section_id) if section_id is not None else None
