"""Auto-lock: a single-shot timer restarted by input to the application's windows.

The filter sits on the top-level windows (``QWindow``), where every mouse, key, wheel and touch
event arrives before Qt hands it to a widget, and only while the record is open. It used to be
an application-wide filter, which made every event of every object a Python call; one of those
objects is Qt's internal animation timer, and turning an unbound Qt class into a Python object
makes PySide create every ``QObject`` subclass it binds (25–50 ms of GUI thread, measured at the
unlock screen's first paint).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow

_INPUT = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.InputMethod,
}


class IdleWatcher(QObject):
    timeout = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.timeout.emit)
        self._watching = False
        self.set_minutes(minutes)

    def set_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, int(minutes * 60_000)))
        if self._timer.isActive():
            self._timer.start()

    def set_interval_ms(self, ms: int) -> None:
        """For tests: lock after ``ms`` milliseconds of no input."""
        self._timer.setInterval(ms)
        if self._timer.isActive():
            self._timer.start()

    def start(self) -> None:
        self._timer.start()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication) and not self._watching:
            self._watching = True
            # A dialog or a second window gets the filter when it takes the focus, before any
            # key reaches it; the scan also picks up windows shown without taking the focus.
            app.focusWindowChanged.connect(self._rescan)
            self._rescan()

    def stop(self) -> None:
        self._timer.stop()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication) and self._watching:
            self._watching = False
            app.focusWindowChanged.disconnect(self._rescan)
            for window in app.topLevelWindows():
                window.removeEventFilter(self)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def _rescan(self, _focus: QWindow | None = None) -> None:
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)  # installing twice keeps one entry

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and self._timer.isActive():
            self._timer.start()
        return False
