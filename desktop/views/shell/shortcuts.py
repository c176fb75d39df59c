"""Window-wide keys people bring from other programs, acting on the section on screen:

* Ctrl+F — the section's search field (a ``QLineEdit`` named ``filter``, or the first one whose
  placeholder starts with «Поиск»);
* Ins — the section's «Добавить» (its ``add_button``), as Ctrl+N does inside a table;
* Ctrl+P — the section's «Печать…» (a button named ``print``, or ``print_button``).

A section without the thing gets a short note in the status bar instead of nothing at all.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QMainWindow, QToolBar, QWidget

from desktop.i18n import tr

NOTE_MS = 4000


def _section(window: QMainWindow) -> QWidget | None:
    page = getattr(window, "record", None)
    if page is None or window.centralWidget() is None:
        return None
    widget = page.current_section()
    return widget if isinstance(widget, QWidget) else None


def search_field(section: QWidget) -> QLineEdit | None:
    fields = [f for f in section.findChildren(QLineEdit) if f.isVisibleTo(section) and f.isEnabled()]
    named = [f for f in fields if f.objectName() == "filter"]
    if named:
        return named[0]
    prefix = tr("Поиск")
    return next((f for f in fields if f.placeholderText().startswith(prefix)), None)


def _button(section: QWidget, *attrs: str) -> QAbstractButton | None:
    """The section's (or one of its tables') button by attribute name, if shown — or folded into
    a tool bar's «»» on a narrow window (still there for the person)."""
    for owner in (section, *section.findChildren(QWidget)):
        for attr in attrs:
            b = getattr(owner, attr, None)
            if isinstance(b, QAbstractButton) and (b.isVisibleTo(section) or isinstance(b.parentWidget(), QToolBar)):
                return b
    return None


def _press(window: QMainWindow, button: QAbstractButton | None, missing: str) -> bool:
    if button is None:
        window.statusBar().showMessage(missing, NOTE_MS)
        return False
    if not button.isEnabled():
        window.statusBar().showMessage(tr("Сначала выберите строку в таблице."), NOTE_MS)
        return False
    button.click()
    return True


def focus_search(window: QMainWindow) -> bool:
    section = _section(window)
    field = search_field(section) if section is not None else None
    if field is None:
        window.statusBar().showMessage(tr("В этом разделе нет поиска."), NOTE_MS)
        return False
    field.setFocus(Qt.FocusReason.ShortcutFocusReason)
    field.selectAll()
    return True


def add(window: QMainWindow) -> bool:
    section = _section(window)
    return _press(window, _button(section, "add_button") if section is not None else None,
                  tr("В этом разделе нечего добавлять."))


def print_current(window: QMainWindow) -> bool:
    section = _section(window)
    return _press(window, _button(section, "print_button") if section is not None else None,
                  tr("В этом разделе печатать нечего: откройте «Документы»."))


def install(window: QMainWindow) -> None:
    for seq, fn in ((QKeySequence(QKeySequence.StandardKey.Find), focus_search),
                    (QKeySequence(Qt.Key.Key_Insert), add),
                    (QKeySequence(QKeySequence.StandardKey.Print), print_current)):
        sc = QShortcut(seq, window)
        sc.setContext(Qt.ShortcutContext.WindowShortcut)
        sc.activated.connect(lambda f=fn: f(window))
