"""Work the GUI thread does in the background: one step per event-loop turn, for everyone.

Opening the record leaves work nobody waits for: importing the section modules, building the
sections not shown yet, building the other tabs of a section. Each used to run its own chain of
single-shot timers; the chains ran side by side, and when two steps fell due in the same pass
of the timer queue they ran back to back, one 40–55 ms stretch with no input handled. Here all
of them share one queue, round-robin, so a turn runs at most one step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer

#: Between two steps: 1 ms, not 0. Qt 6 turns a zero-delay single shot into a posted event, and
#: the event loop drains every posted event, including ones posted meanwhile, before it looks at
#: timers or input again, so "one step per turn" with 0 ran as one long stretch (45–65 ms measured).
YIELD_MS = 1

#: a step returns True when it has more to do; it then goes to the back of the queue
Step = Callable[[], bool]


class _Queue(QObject):
    def __init__(self) -> None:
        super().__init__()
        self._steps: deque[tuple[Step, QObject | None]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(YIELD_MS)
        self._timer.timeout.connect(self._run_one)

    def add(self, step: Step, owner: QObject | None) -> None:
        self._steps.append((step, owner))
        if not self._timer.isActive():
            self._timer.start()

    def _run_one(self) -> None:
        try:
            while self._steps:
                step, owner = self._steps.popleft()
                if owner is not None and not shiboken6.isValid(owner):
                    continue  # its widget was deleted (the record was locked): nothing to build
                if step():
                    self._steps.append((step, owner))
                return
        finally:
            if self._steps:
                self._timer.start()

    def pending(self) -> int:
        return len(self._steps)


_queue: _Queue | None = None


def _the_queue() -> _Queue:
    global _queue
    if _queue is None or not shiboken6.isValid(_queue):
        _queue = _Queue()
    return _queue


def later(step: Step, owner: QObject | None = None) -> None:
    """Run ``step`` on the GUI thread in a coming turn, and again while it returns True.
    With an ``owner``, the step is dropped once the owner is deleted."""
    _the_queue().add(step, owner)


def pending() -> int:
    """Steps waiting (tests)."""
    return _the_queue().pending()
