"""Python's cyclic garbage collector, run on the GUI thread only, and kept off long-lived objects.

A collection runs on whichever thread allocates past the threshold. When it frees a reference
cycle that holds a Qt object's wrapper, the Qt object is destroyed on that thread: a reportlab
build in the thread pool collected widgets of a page deleted earlier and the process died (a
segfault in ``tests/gui``, once in about 30 runs). So automatic collection is off and a GUI-thread
timer collects instead: the young generation every half second (microseconds: it holds what was
allocated since), the middle one every five seconds, everything once a minute.

What lives as long as the process or the open record (modules, SQLAlchemy metadata, the built
sections) is frozen out of the collector's reach, so that no collection walks it: a full one over
the whole heap is 30–80 ms (measured), above the 50 ms stall budget. Objects freed by reference
counting are unaffected by freezing.
"""

from __future__ import annotations

import gc

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: how often the GUI thread looks at the young generation
TICK_MS = 500
#: every tenth young collection takes the middle generation too, as CPython does
MIDDLE_EVERY = 10
#: a full collection every minute (of what is not frozen)
FULL_EVERY = 120


class _Collector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._ticks = 0
        self._young = 0
        timer = QTimer(self)
        timer.setInterval(TICK_MS)
        timer.timeout.connect(self._tick)
        timer.start()

    def _tick(self) -> None:
        if _held:
            return
        self._ticks += 1
        if self._ticks % FULL_EVERY == 0:
            gc.collect()
        elif gc.get_count()[0] > 0:
            self._young += 1
            gc.collect(1 if self._young % MIDDLE_EVERY == 0 else 0)


_collector: _Collector | None = None
#: while the start-up imports run, nothing is collected: they make tens of thousands of objects that
#: live as long as the process, and a young collection on the GUI thread walked them (20–35 ms)
_held = False


def hold() -> None:
    global _held
    _held = True


def settle_and_resume() -> None:
    """The start-up imports are done: freeze what they made, collect again."""
    global _held
    _held = False
    settle()


def install() -> None:
    """Take collection over from the interpreter, for the running QApplication (idempotent)."""
    global _collector
    app = QCoreApplication.instance()
    if app is None or (_collector is not None and shiboken6.isValid(_collector)):
        return
    gc.disable()
    _collector = _Collector(app)


def settle() -> None:
    """Freeze what exists now: it lives as long as the process or the open record."""
    gc.freeze()


def release() -> None:
    """The record was closed: its widgets and rows may be garbage now. One full collection here, on
    the GUI thread, then what survived (modules, the unlock screen) is frozen again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
