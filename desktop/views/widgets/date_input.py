"""A date field as people know it from other programs: the ``__.__.____`` mask (digits only,
the dots already there) and a calendar on F4 (or Alt+↓, or the button at its end).

The field still only collects text: ``value()`` is what was typed (or "" when nothing was),
and ``desktop.models.validation`` parses and checks it like any other input, so the window and
``frmr`` accept the same dates.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QCalendarWidget, QLineEdit, QStyle, QVBoxLayout, QWidget

from desktop.i18n import tr

MASK = "99.99.9999;_"
DISPLAY = "dd.MM.yyyy"
#: The earliest date the core accepts (``validation.MIN_DATE``); the calendar starts no earlier.
MIN_DATE = QDate(1900, 1, 1)


class CalendarPopup(QWidget):
    """The calendar under a date field; Enter or a click picks, Esc closes."""

    picked = Signal(QDate)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("date_calendar")
        self.calendar = QCalendarWidget(self)
        self.calendar.setMinimumDate(MIN_DATE)
        self.calendar.setGridVisible(True)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.activated.connect(self._pick)  # Enter or a double click
        self.calendar.clicked.connect(self._pick)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.calendar)

    def _pick(self, day: QDate) -> None:
        self.picked.emit(day)
        self.close()


class DateInput(QLineEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setInputMask(MASK)
        self.setToolTip(tr("Дата: дд.мм.гггг. Календарь — F4"))
        self.popup: CalendarPopup | None = None
        self.calendar_action = QAction(self)
        self.calendar_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowDown))
        self.calendar_action.setToolTip(tr("Календарь (F4)"))
        self.calendar_action.triggered.connect(self.show_calendar)
        self.addAction(self.calendar_action, QLineEdit.ActionPosition.TrailingPosition)
        self.installEventFilter(self)

    def value(self) -> str:
        """What was typed: "" for an untouched mask (not «..»), else the text as it stands
        (a half-typed date is left to the core to name as wrong)."""
        text = self.text()
        return text if re.search(r"\d", text) else ""

    def date(self) -> QDate | None:
        day = QDate.fromString(self.text(), DISPLAY)
        return day if day.isValid() else None

    def set_date(self, day: QDate) -> None:
        self.setText(day.toString(DISPLAY))
        self.editingFinished.emit()

    def show_calendar(self) -> None:
        if self.isReadOnly() or not self.isEnabled():
            return
        if self.popup is None:
            self.popup = CalendarPopup(self)
            self.popup.picked.connect(self.set_date)
        current = self.date()
        self.popup.calendar.setSelectedDate(current or QDate.currentDate())
        self.popup.move(self.mapToGlobal(self.rect().bottomLeft()))
        self.popup.show()
        self.popup.calendar.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key, mods = event.key(), event.modifiers()
            if key == Qt.Key.Key_F4 or (key == Qt.Key.Key_Down and mods & Qt.KeyboardModifier.AltModifier):
                self.show_calendar()
                return True
        return super().eventFilter(watched, event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if not self.value():
            # An empty mask: the cursor at the first «_», not wherever the click landed.
            self.setCursorPosition(0)
