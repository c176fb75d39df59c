"""One way to run work off the GUI thread: the operation.

    Op(parent, fn, worker=store.worker)      # fn runs on the DB worker (the open vault)
    Op(parent, fn, pool=True)                # fn runs in the pool (KDF, PDF, signing, network)
        .commit(fn, owner)                   # GUI thread, first: fn(result) -> what success gets
        .success(cb)                         # cb(result), GUI thread
        .failure(cb)                         # cb(exc), GUI thread; none given: ``show_failure``
        .progress(cb)                        # cb(done, total, text), GUI thread
        .cancelled(cb)                       # cb(), when fn raised ``OpCancelled``
        .changes(OpChanges | fn(result))     # announced on ``bus().changed`` after success
        .run()                               # -> the op: ``cancel()``, ``done``/``failed`` signals

* **Callbacks die with their owner.** Each callback has an owner (the op's ``parent`` unless
  given): when the owner's C++ side is gone (a view deleted by a lock, a closed dialog) the
  callback is skipped. Deletion and delivery both happen on the GUI thread, so the check is
  not racy — the same promise as KeePassXC's ``runThenCallback(task, context, callback)``.
* **Failures are shown in one place.** ``errors.explain`` turns an exception into Russian; a
  failure with no ``failure`` callback is shown by ``show_failure`` (a message box on the
  parent's window). ``OpCancelled`` is never an error.
* **Progress and cancellation** go through the op's ``OpContext``: ``fn`` reports with
  ``ctx.report(done, total, text)`` from its thread and looks at ``ctx.cancelled``; ``Op.cancel``
  sets it (and runs ``ctx.on_cancel`` hooks, e.g. ``SyncEngine.cancel``). An op still queued
  when cancelled never runs. Build the context first when ``fn`` needs it:
  ``ctx = OpContext(); Op(self, lambda: work(ctx.cancel_event, ctx.report), context=ctx)``.
* **What changed** is an ``OpChanges`` value: views subscribe to ``bus().changed`` (with
  ``subscribe(owner, cb)``, which also dies with its owner) and refresh only what it names.

The DB worker (``workers.DbWorker``) stays the executor underneath: ONE serial thread owns the
open vault, so DB ops run strictly in submission order. Callbacks may be attached after
``run()`` in the same turn (results always arrive in a later turn); attached after the op
finished, they run at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.i18n import tr
from desktop.views.runtime.errors import OpCancelled, describe_error, is_expected
from desktop.views.runtime.workers import DbWorker

__all__ = ["Op", "OpCancelled", "OpChanges", "OpContext", "bus", "live_ops", "show_failure", "subscribe"]


# -- what an op changed ---------------------------------------------------------------------

@dataclass(frozen=True)
class OpChanges:
    """What an operation wrote, so views refresh only that.

    ``entities``: tables whose rows were written; ``rows``: entity -> the ids written (an entity
    in ``entities`` but not in ``rows`` means "any of its rows"); ``outbox``: the count of
    unsent edits may have moved; ``sync``: sync state (conflicts, rejections, the server's
    address, the last sync) may have moved; ``settings``: the profile's settings."""

    entities: frozenset[str] = frozenset()
    rows: Mapping[str, frozenset[str]] = field(default_factory=dict)
    outbox: bool = False
    sync: bool = False
    settings: bool = False

    @classmethod
    def of(cls, entity: str | Iterable[str] = (), row_ids: Iterable[str] = (), *, outbox: bool = False,
           sync: bool = False, settings: bool = False) -> OpChanges:
        names = frozenset([entity] if isinstance(entity, str) else entity)
        ids = frozenset(i for i in row_ids if i)
        rows = {next(iter(names)): ids} if ids and len(names) == 1 else {}
        return cls(names, rows, outbox, sync, settings)

    def __bool__(self) -> bool:
        return bool(self.entities or self.outbox or self.sync or self.settings)

    def touches(self, entity: str) -> bool:
        return entity in self.entities

    def row_ids(self, entity: str) -> frozenset[str] | None:
        """The ids written in ``entity``; None when any of its rows may have moved."""
        if entity not in self.entities:
            return frozenset()
        return self.rows.get(entity)

    def merged(self, other: OpChanges) -> OpChanges:
        rows: dict[str, frozenset[str]] = {}
        for name in self.entities | other.entities:
            a, b = self.row_ids(name), other.row_ids(name)
            if a is not None and b is not None:
                rows[name] = a | b
        return OpChanges(self.entities | other.entities, rows, self.outbox or other.outbox,
                         self.sync or other.sync, self.settings or other.settings)


class _Bus(QObject):
    #: (OpChanges, the op's parent or None) after every op that changed something
    changed = Signal(object, object)


_bus: _Bus | None = None


def bus() -> _Bus:
    global _bus
    if _bus is None or not shiboken6.isValid(_bus):
        _bus = _Bus()
    return _bus


def subscribe(owner: QObject, cb: Callable[[OpChanges, object], None]) -> None:
    """``cb(changes, initiator)`` after each op that changed something, while ``owner`` lives."""
    def deliver(changes: OpChanges, initiator: object) -> None:
        if shiboken6.isValid(owner):
            cb(changes, initiator)
        else:
            bus().changed.disconnect(deliver)

    bus().changed.connect(deliver)


def announce(changes: OpChanges, initiator: object = None) -> None:
    """For writes not made by an op of this process's GUI (none today); ops call it themselves."""
    if changes:
        bus().changed.emit(changes, initiator)


# -- progress and cancellation ----------------------------------------------------------------

class OpContext:
    """Handed to the running function (through a closure): progress out, cancellation in."""

    def __init__(self) -> None:
        self.cancel_event = threading.Event()
        self._hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._sink: Callable[[int, int, str], None] | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check(self) -> None:
        """Raise ``OpCancelled`` if the op was cancelled (call between steps)."""
        if self.cancel_event.is_set():
            raise OpCancelled

    def report(self, done: int, total: int, text: str = "") -> None:
        """From the worker thread; delivered to ``progress`` callbacks on the GUI thread."""
        sink = self._sink
        if sink is not None:
            sink(done, total, text)

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """``hook()`` runs (in the cancelling thread) when the op is cancelled, or now if it was."""
        with self._lock:
            if not self.cancel_event.is_set():
                self._hooks.append(hook)
                return
        hook()

    def cancel(self) -> None:
        with self._lock:
            self.cancel_event.set()
            hooks, self._hooks = self._hooks, []
        for hook in hooks:
            hook()


# -- the operation -----------------------------------------------------------------------------

#: the default owner of a callback: the op's parent
_PARENT = object()

#: ops started and not delivered yet; they must outlive their thread's work
_live: set[Op] = set()


def live_ops() -> int:
    """Ops started and not finished (tests, the exit path)."""
    return len(_live)


class _PoolTask(QRunnable):
    def __init__(self, op: Op, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._op = op
        self._fn = fn

    def run(self) -> None:
        op = self._op
        try:
            value = self._fn()
        except BaseException as exc:  # handed to the GUI thread, which decides how to show it
            _emit(op._error, exc)
        else:
            _emit(op._result, value)


def _emit(signal: Any, *args: Any) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:
        # The op's C++ side is gone: the application quit while the work ran. Nobody is left
        # to tell; the result is dropped rather than shown as a crash.
        pass


class Op(QObject):
    """One unit of background work and what happens on the GUI thread when it ends."""

    #: after the success callbacks and the changes announcement (tests, benchmarks)
    done = Signal(object)
    #: after the failure callbacks (or the default failure display)
    failed = Signal(object)

    # worker thread -> GUI thread (queued: the op lives on the GUI thread)
    _result = Signal(object)
    _error = Signal(object)
    _step = Signal(int, int, str)

    def __init__(self, parent: QObject | None, fn: Callable[[], Any], *, worker: DbWorker | None = None,
                 pool: bool = False, context: OpContext | None = None, title: str | None = None) -> None:
        # Not a Qt child of ``parent``: the op must outlive a parent deleted while it runs.
        super().__init__()
        if worker is None and not pool:
            raise ValueError("an op runs on a DbWorker (worker=) or in the pool (pool=True)")
        self._parent = parent
        self._fn = fn
        self._worker = worker
        self._pool = pool
        self.context = context or OpContext()
        self.title = title
        self._on_success: list[tuple[Callable[[Any], None], QObject | None]] = []
        self._on_failure: list[tuple[Callable[[BaseException], None], QObject | None]] = []
        self._on_progress: list[tuple[Callable[[int, int, str], None], QObject | None]] = []
        self._on_cancel: list[tuple[Callable[[], None], QObject | None]] = []
        self._changes: OpChanges | Callable[[Any], OpChanges] | None = None
        self._commit: tuple[Callable[[Any], Any], QObject | None] | None = None
        self.started = False
        self.finished = False
        self.value: Any = None
        self.error: BaseException | None = None
        self._result.connect(self._deliver_result)
        self._error.connect(self._deliver_error)
        self._step.connect(self._deliver_step)

    # -- building ----------------------------------------------------------------------------
    def _owner(self, owner: object) -> QObject | None:
        if owner is _PARENT:
            return self._parent
        assert owner is None or isinstance(owner, QObject)
        return owner

    def commit(self, fn: Callable[[Any], Any], owner: QObject | None) -> Op:
        """``fn(raw result)`` runs on the GUI thread before everything else, whoever the parent
        is (while ``owner`` lives): a store takes the rows it asked for. Its return value is what
        ``changes``, ``success`` and ``done`` receive. With ``owner`` gone, the op's success is
        moot: no callback runs, nothing is announced, ``done`` carries None."""
        self._commit = (fn, owner)
        return self

    def success(self, cb: Callable[[Any], None], owner: object = _PARENT) -> Op:
        """``owner`` (default: the op's parent; None: no owner, always called)."""
        item = (cb, self._owner(owner))
        if self.finished and self.error is None:
            self._call(item, self.value)
        else:
            self._on_success.append(item)
        return self

    def failure(self, cb: Callable[[BaseException], None], owner: object = _PARENT) -> Op:
        item = (cb, self._owner(owner))
        if self.finished and self.error is not None and not isinstance(self.error, OpCancelled):
            self._call(item, self.error)
        else:
            self._on_failure.append(item)
        return self

    def progress(self, cb: Callable[[int, int, str], None], owner: object = _PARENT) -> Op:
        self._on_progress.append((cb, self._owner(owner)))
        return self

    def cancelled(self, cb: Callable[[], None], owner: object = _PARENT) -> Op:
        self._on_cancel.append((cb, self._owner(owner)))
        return self

    def changes(self, changes: OpChanges | Callable[[Any], OpChanges]) -> Op:
        self._changes = changes
        return self

    # -- running -----------------------------------------------------------------------------
    def run(self) -> Op:
        if self.started:
            return self
        self.started = True
        _live.add(self)
        ctx = self.context
        ctx._sink = self._step.emit
        fn = self._fn

        def work() -> Any:
            ctx.check()  # cancelled while queued: do not start
            return fn()

        if self._pool:
            QThreadPool.globalInstance().start(_PoolTask(self, work))
        else:
            assert self._worker is not None
            self._worker.submit(work, self._deliver_result, self._deliver_error)
        return self

    def cancel(self) -> None:
        self.context.cancel()

    # -- delivery (GUI thread) ---------------------------------------------------------------
    @staticmethod
    def _alive(owner: QObject | None) -> bool:
        return owner is None or shiboken6.isValid(owner)

    def _call(self, item: tuple[Callable[..., None], QObject | None], *args: Any) -> bool:
        cb, owner = item
        if not self._alive(owner):
            return False
        cb(*args)
        return True

    @Slot(object)
    def _deliver_result(self, value: Any) -> None:
        if self._commit is not None:
            fn, owner = self._commit
            if not self._alive(owner):
                self._finish(None, None)
                _emit(self.done, None)
                return
            value = fn(value)
        self._finish(value, None)
        for item in self._on_success:
            self._call(item, value)
        changes = self._changes(value) if callable(self._changes) else self._changes
        if changes:
            announce(changes, self._parent if self._alive(self._parent) else None)
        _emit(self.done, value)

    @Slot(object)
    def _deliver_error(self, exc: BaseException) -> None:
        self._finish(None, exc)
        if isinstance(exc, OpCancelled):
            for on_cancel in self._on_cancel:
                self._call(on_cancel)
        elif self._on_failure:
            for on_failure in self._on_failure:
                self._call(on_failure, exc)
        else:
            show_failure(self._parent, exc, self.title)
        _emit(self.failed, exc)

    @Slot(int, int, str)
    def _deliver_step(self, done: int, total: int, text: str) -> None:
        if self.finished:
            return
        for item in self._on_progress:
            self._call(item, done, total, text)

    def _finish(self, value: Any, exc: BaseException | None) -> None:
        self.finished = True
        self.value = value
        self.error = exc
        self.context._sink = None
        _live.discard(self)


def show_failure(parent: QObject | None, exc: BaseException, title: str | None = None) -> None:
    """The default display of a failed op: a message box on the parent's window. With the parent
    gone (the record was locked meanwhile) there is nobody to show it to; a bug still leaves
    its crash log."""
    if isinstance(exc, OpCancelled):
        return
    if parent is None or not shiboken6.isValid(parent) or not isinstance(parent, QWidget):
        if not is_expected(exc):
            describe_error(exc)  # writes the crash log (never the message: it may name a person)
        return
    QMessageBox.warning(parent.window(), title or tr("Ошибка"), describe_error(exc))
