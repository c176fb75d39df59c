"""Where slow work runs, so the GUI thread never waits on the database or a KDF.

* ``DbWorker`` — ONE thread for every database access of the open vault. Jobs queue up in
  that thread's event loop and run strictly in order, so writes never race and a lock (close)
  queued after a save runs after it.
* ``run_in_pool`` — other long work (Argon2id unlock, vault creation, passphrase change) on
  ``QThreadPool``; these never touch an open vault's connections.

Results travel back to the GUI thread through queued signals; callers pass callbacks.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

Ok = Callable[[Any], None]
Err = Callable[[BaseException], None]


class Job(QObject):
    """A handle for one queued call: ``done(result)`` or ``failed(exception)``, in the GUI thread."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, job_id: int) -> None:
        super().__init__()
        self.job_id = job_id
        self.finished = False
        self.seconds = 0.0


class _DbExecutor(QObject):
    """Lives in the DB thread; its slot runs the queued callables one by one."""

    result = Signal(int, object, float)
    error = Signal(int, object, float)

    @Slot(int, object)
    def execute(self, job_id: int, fn: Callable[[], Any]) -> None:
        t0 = time.perf_counter()
        try:
            value = fn()
        except BaseException as exc:  # handed to the GUI thread, which decides how to show it
            self.error.emit(job_id, exc, time.perf_counter() - t0)
        else:
            self.result.emit(job_id, value, time.perf_counter() - t0)


class DbWorker(QObject):
    """Owns the DB thread. ``submit(fn)`` returns a ``Job`` whose signals fire in the GUI thread."""

    _queue = Signal(int, object)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("frmr-db")
        self._executor = _DbExecutor()
        self._executor.moveToThread(self._thread)
        self._queue.connect(self._executor.execute)
        self._executor.result.connect(self._on_result)
        self._executor.error.connect(self._on_error)
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._thread.start()

    def submit(self, fn: Callable[[], Any], on_done: Ok | None = None, on_error: Err | None = None) -> Job:
        job = Job(next(self._ids))
        if on_done is not None:
            job.done.connect(on_done)
        if on_error is not None:
            job.failed.connect(on_error)
        self._jobs[job.job_id] = job
        self._queue.emit(job.job_id, fn)
        return job

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def _finish(self, job_id: int, seconds: float) -> Job | None:
        job = self._jobs.pop(job_id, None)
        if job is not None:
            job.finished = True
            job.seconds = seconds
        return job

    def _on_result(self, job_id: int, value: Any, seconds: float) -> None:
        job = self._finish(job_id, seconds)
        if job is not None:
            job.done.emit(value)
        if not self._jobs:
            self.idle.emit()

    def _on_error(self, job_id: int, exc: BaseException, seconds: float) -> None:
        job = self._finish(job_id, seconds)
        if job is not None:
            job.failed.emit(exc)
        if not self._jobs:
            self.idle.emit()

    def stop(self) -> None:
        """Finish every queued job (a pending vault close included), then end the thread.

        The quit is itself queued, so it runs after the jobs before it; this blocks the GUI
        thread only at exit."""
        if not self._thread.isRunning():
            return
        thread = self._thread
        self._queue.emit(0, thread.quit)
        thread.wait()


class _Relay(QObject):
    """Lives in the GUI thread: its own slots make the pool thread's signals queued, so the
    callbacks always run in the GUI thread."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, on_done: Ok, on_error: Err) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_error)

    @Slot(object)
    def _deliver_done(self, value: Any) -> None:
        _live.discard(self)
        self._on_done(value)

    @Slot(object)
    def _deliver_error(self, exc: BaseException) -> None:
        _live.discard(self)
        self._on_error(exc)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            value = self._fn()
        except BaseException as exc:
            self._deliver(self._relay.failed, exc)
        else:
            self._deliver(self._relay.done, value)

    @staticmethod
    def _deliver(signal: Any, value: Any) -> None:
        try:
            signal.emit(value)
        except RuntimeError:
            # The relay's C++ side is gone: the application quit while this task ran. There
            # is nobody left to tell; the result is dropped rather than shown as a crash.
            pass


# Relays must outlive their task; they are dropped once their signal has been delivered.
_live: set[_Relay] = set()


def run_in_pool(fn: Callable[[], Any], on_done: Ok, on_error: Err) -> None:
    relay = _Relay(on_done, on_error)
    _live.add(relay)
    QThreadPool.globalInstance().start(_Task(fn, relay))


def pool_busy() -> bool:
    return bool(_live)
