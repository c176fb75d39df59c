"""``FRMR_STALL_LOG=FILE``: a line per second in which the GUI thread's event loop was blocked.

    <unix time> <longest stall ms> <section id>

e.g. ``1767225600 52 documents``: during that second the loop did not run for 52 ms at once,
while the section ``documents`` was on screen. Only seconds with a stall over ``THRESHOLD_MS``
are written; benchmarks and other tools read the file, so the format is fixed.

How: a precise heartbeat timer on the GUI thread. When a tick comes more than the threshold
after the one before, the loop was busy with something else for (gap - interval) ms.

Off by default, and free when off: without the variable ``install`` returns at once — no timer,
no event filter, nothing imported beyond this module.

The section id comes from the function given to ``install`` (or ``set_section_id``): the app
passes the shell's ``MainWindow.section_id`` — the visible section's stable registry id
(``views/shell/registry.py``), or, with no workspace open, the page's Qt object name.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer

ENV = "FRMR_STALL_LOG"
THRESHOLD_MS = 16.0
#: the heartbeat: short enough that a 17 ms stall is seen as one, long enough to cost nothing
TICK_MS = 4

SectionId = Callable[[], str]


def _no_section() -> str:
    return "-"


class StallLog(QObject):
    def __init__(self, path: Path, section_id: SectionId = _no_section, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.section_id = section_id
        self._second: int | None = None
        self._worst = 0.0
        self._section = "-"
        self._last = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.flush)

    def _tick(self) -> None:
        now = time.monotonic()
        stall_ms = (now - self._last) * 1000.0 - TICK_MS
        self._last = now
        second = int(time.time())
        if self._second is not None and second != self._second:
            self.flush()
        if stall_ms > THRESHOLD_MS:
            if self._second is None:
                self._second = second
            if stall_ms > self._worst:
                self._worst = stall_ms
                self._section = self._current_section()

    def _current_section(self) -> str:
        try:
            sid = self.section_id() or "-"
        except Exception:  # a section id must never take the app down with it
            sid = "-"
        return "".join(sid.split()) or "-"  # one field: no spaces

    def flush(self) -> None:
        """Write the pending second's line (also at quit)."""
        if self._second is None:
            return
        line = f"{self._second} {round(self._worst)} {self._section}\n"
        self._second, self._worst, self._section = None, 0.0, "-"
        try:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        except OSError:
            pass  # instrumentation: a full disk or a bad path must not disturb the app

    def stop(self) -> None:
        self._timer.stop()
        self.flush()


_log: StallLog | None = None


def install(section_id: SectionId = _no_section) -> StallLog | None:
    """Start the log if ``FRMR_STALL_LOG`` names a file; else do nothing at all."""
    global _log
    target = os.environ.get(ENV)
    if not target:
        return None
    if _log is None:
        _log = StallLog(Path(target).expanduser(), section_id, QCoreApplication.instance())
    else:
        _log.section_id = section_id
    return _log


def set_section_id(section_id: SectionId) -> None:
    """The shell tells which section is visible (its stable id). No-op when the log is off."""
    if _log is not None:
        _log.section_id = section_id
