"""The cyclic garbage collector runs on the GUI thread only (desktop.views.runtime.heap).

A Qt object's wrapper caught in a reference cycle is destroyed by whichever thread collects the
cycle; a pool thread doing that (a PDF build) crashed the process once in about 30 test runs."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.views.runtime.workers import run_in_pool
from desktop.views.shell.session import Session


class _Cyclic(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel(self)
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_a_widget_in_a_cycle_dies_on_the_gui_thread(qtbot: QtBot, session: Session) -> None:
    assert not gc.isenabled()  # the session took collection over from the interpreter
    died_on: list[int] = []
    widget = _Cyclic()
    weakref.finalize(widget, lambda: died_on.append(threading.get_ident()))
    del widget
    done: list[object] = []

    def allocate() -> int:
        # Far past the young-generation threshold: an interpreter collecting on its own would
        # collect the cycle here, on the pool thread.
        keep = [[i] for i in range(200_000)]
        return len(keep)

    run_in_pool(allocate, done.append, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    qtbot.waitUntil(lambda: bool(died_on), timeout=10_000)
    assert died_on == [threading.main_thread().ident]


def test_lock_releases_the_record_and_freezes_the_rest(qtbot: QtBot, opened: Session) -> None:
    from desktop.views.runtime import turns

    qtbot.waitUntil(lambda: turns.pending() == 0, timeout=10_000)  # every section built, heap settled
    with_record = gc.get_freeze_count()
    assert with_record > 0
    opened.lock()
    qtbot.waitUntil(lambda: turns.pending() == 0, timeout=10_000)  # the release ran, after the lock
    # The record's objects left the frozen heap (collected, or young again); the rest is frozen anew.
    assert 0 < gc.get_freeze_count() < with_record
