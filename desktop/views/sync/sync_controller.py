"""Runs the sync engine off the GUI thread and tells the window what to show.

Triggers: an edit (debounced), a timer, the connection coming back, «Синхронизировать» by
hand. The engine itself allows one sync per vault; here a second trigger while one runs is
remembered and served right after it, so an edit made during a sync is never left waiting
for the next timer.

Signals carry plain values so any widget can listen:
* ``state_changed(online, text)`` — for ``MainWindow.set_sync_state``;
* ``pending_changed(n)`` — for ``MainWindow.set_pending``;
* ``progress(phase, done, total)`` — a progress bar during long pulls (total -1 = unknown);
* ``problem(text, action)`` — an error a person can act on; action is ``login`` | ``conflicts`` |
  ``rejected`` | ``update`` | ``retry`` (the status label links to it);
* ``synced(report)`` — the engine's report as a dict, after every attempt.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.i18n import tr, trn
from desktop.sync.api import Api
from desktop.sync.engine import SyncEngine, SyncReport, sync_status
from desktop.sync.report import Transfer
from desktop.vault.store import Vault
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges, OpContext
from desktop.views.runtime.workers import DbWorker

log = logging.getLogger("frmr.sync")

DEBOUNCE_MS = 2_000
PERIOD_MS = 5 * 60_000
PROBE_MS = 20_000

ACTIONS = {"login_needed": "login", "waiting": "conflicts", "client_too_old": "update",
           "unreachable": "retry", "diverged": "retry", "error": "retry"}


def _short_time(iso: str) -> str:
    if not iso:
        return tr("не было")
    try:
        t = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return t.strftime("%d.%m.%Y %H:%M")


def status_text(status: dict[str, Any], online: bool | None) -> str:
    if online is not None and status and not status.get("server"):
        # Never «В сети» on a profile that has not logged in to any server.
        parts = [tr("Вход на сервер не выполнен")]
    else:
        parts = [{True: tr("В сети"), False: tr("Нет связи"), None: tr("Синхронизация…")}[online]]
    if status.get("pending"):
        parts.append(trn("{n} изменение не отправлено", "{n} изменения не отправлены", "{n} изменений не отправлено",
                         int(status["pending"])).format(n=status["pending"]))
    if status.get("conflicts"):
        parts.append(trn("{n} конфликт", "{n} конфликта", "{n} конфликтов", int(status["conflicts"])).format(
            n=status["conflicts"]))
    if status.get("rejected"):
        parts.append(trn("{n} изменение отклонено", "{n} изменения отклонены", "{n} изменений отклонено",
                         int(status["rejected"])).format(n=status["rejected"]))
    parts.append(tr("синхронизировано: {when}").format(when=_short_time(status.get("last_sync", ""))))
    return " · ".join(parts)


class SyncController(QObject):
    """Every vault read and the engine itself run off the GUI thread, as ops
    (``desktop.views.runtime.ops``): the status line's counts on the DB worker (``worker``; the
    pool when there is none, as in tools and tests), the engine — created there too, since
    creating it reads the vault — in the pool. The GUI thread keeps only the last status read."""

    state_changed = Signal(object, str)
    pending_changed = Signal(int)
    progress = Signal(str, int, int)
    problem = Signal(str, str)
    synced = Signal(object)
    running_changed = Signal(bool)

    def __init__(self, vault: Vault, parent: QObject | None = None, *, worker: DbWorker | None = None,
                 period_ms: int = PERIOD_MS, debounce_ms: int = DEBOUNCE_MS, probe_ms: int = PROBE_MS,
                 engine_options: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.worker = worker
        self.engine_options = engine_options or {}
        self.online: bool | None = None
        self.running = False
        #: start() was called: edits may trigger syncs
        self.started = False
        self._again = False
        self._sync_op: Op | None = None
        #: the last status read off the GUI thread (counts, server, last sync)
        self.status: dict[str, Any] = {}
        self._probing = False
        self.debounce = QTimer(self, singleShot=True, interval=debounce_ms)
        self.debounce.timeout.connect(self.sync_now)
        self.periodic = QTimer(self, interval=period_ms)
        self.periodic.timeout.connect(self.sync_now)
        self.probe = QTimer(self, interval=probe_ms)
        self.probe.timeout.connect(self._probe)
        self.done_event = threading.Event()  # tests and benchmarks wait on this

    def _op(self, fn: Any) -> Op:
        """A vault read: on the DB worker when there is one, else in the pool."""
        return Op(self, fn, worker=self.worker) if self.worker is not None else Op(self, fn, pool=True)

    # -- triggers ---------------------------------------------------------------------------
    def start(self) -> None:
        self.started = True
        self.periodic.start()
        self.refresh_status()
        self.sync_now()

    def stop(self) -> None:
        """Before the vault locks: no new syncs; a running one is asked to stop."""
        self.periodic.stop()
        self.debounce.stop()
        self.probe.stop()
        self._again = False
        self.cancel()

    @Slot()
    def notify_edit(self) -> None:
        """Call after every local save: the sync follows once the person pauses."""
        self.refresh_status()
        self.debounce.start()

    @Slot()
    def sync_now(self) -> None:
        """«Синхронизировать»."""
        if not self.vault.is_open:
            return
        if self.running:
            self._again = True
            return
        self.running = True
        self.done_event.clear()
        self.running_changed.emit(True)
        self.state_changed.emit(None, status_text(self.status, None))
        vault, options, report_progress = self.vault, self.engine_options, self._emit_progress
        ctx = OpContext()

        def run() -> tuple[SyncReport, dict[str, Any]]:
            # In the pool: creating the engine reads the server's address from the vault.
            try:
                eng = SyncEngine(vault, progress=report_progress(ctx), on_transfer=self._show_transfer, **options)
                ctx.on_cancel(eng.cancel)
                report = eng.sync()
            except Exception as exc:  # a bug must not kill the worker silently: report it as an error
                report = SyncReport(outcome="error", message=f"{type(exc).__name__}: {exc}")
            # The status line's counts as the sync left them, read in the same thread.
            return report, _status_of(vault)

        op = self._sync_op = Op(self, run, pool=True, context=ctx)
        op.progress(lambda done, total, phase: self.progress.emit(phase, done, total))
        # A pull writes rows behind the record store's back (it re-reads them and says which);
        # what the op itself knows is that the outbox and the sync state moved.
        op.success(self._on_done).changes(OpChanges(outbox=True, sync=True))
        # Cancelled while still queued (a lock right after a trigger): the engine never ran.
        op.cancelled(lambda: self._on_done((SyncReport(outcome="cancelled"), {})))
        op.failure(lambda exc: self._on_done((SyncReport(outcome="error", message=describe_error(exc)), {})))
        op.run()

    def cancel(self) -> None:
        if self._sync_op is not None:
            self._sync_op.cancel()

    # -- results ------------------------------------------------------------------------------
    def _show_transfer(self, t: Transfer) -> None:
        """From the pull's thread (the signal is queued to the window): «Получено … из …,
        осталось ~…» in the status bar while a pull of more than one page runs."""
        if t.rows_total and t.rows < t.rows_total:
            self.state_changed.emit(None, t.text())

    @staticmethod
    def _emit_progress(ctx: OpContext) -> Any:
        def report(phase: str, done: int, total: int | None) -> None:  # from the pool thread
            ctx.report(done, -1 if total is None else total, phase)
        return report

    def _on_done(self, result: tuple[SyncReport, dict[str, Any]]) -> None:
        report, status = result
        self.running = False
        self._sync_op = None
        self.running_changed.emit(False)
        # Online means a server answered: not when none is set (login_needed) or none was asked.
        self.online = report.outcome not in ("unreachable", "cancelled", "busy", "login_needed")
        log.info("sync: %s in %.2f s; pushed %d (applied %d), pulled %d, conflicts %d, rejected %d, "
                 "retries %d, requests %d, pending %d", report.outcome, report.seconds, report.pushed,
                 report.applied, report.pulled, report.conflicts_new, report.rejected_new, report.retries,
                 report.requests, report.pending)
        if report.outcome == "unreachable":
            self.probe.start()  # come back as soon as the server answers
        else:
            self.probe.stop()
        if self.vault.is_open and status:
            self._show_status(status)
        action = ACTIONS.get(report.outcome)
        if action:
            self.problem.emit(report.message, "rejected" if action == "conflicts" and not report.conflicts
                              else action)
        self.synced.emit(report.as_dict())
        self.done_event.set()
        if self._again and self.vault.is_open:
            self._again = False
            self.sync_now()

    def refresh_status(self) -> None:
        """Re-read the counts (off the GUI thread) and show them; meanwhile the last ones stay."""
        if not self.vault.is_open:
            return
        vault = self.vault
        self._op(lambda: _status_of(vault)).success(self._show_status).failure(lambda _exc: None).run()

    def _show_status(self, status: dict[str, Any]) -> None:
        if not status:
            return  # locked before the read ran
        self.status = status
        self.pending_changed.emit(int(status.get("pending", 0)))
        self.state_changed.emit(self.online, status_text(status, self.online))

    # -- reconnect ------------------------------------------------------------------------------
    def _probe(self) -> None:
        server = self.status.get("server")
        if self._probing or not server:
            return
        self._probing = True

        def ask() -> bool:
            with Api(server, timeout=3.0) as api:
                return bool(api.health())

        Op(self, ask, pool=True).success(self._on_probe).failure(lambda _exc: self._on_probe(False)).run()

    def _on_probe(self, ok: bool) -> None:
        self._probing = False
        if ok and not self.running:
            self.probe.stop()
            self.sync_now()


def _status_of(vault: Vault) -> dict[str, Any]:
    """Worker thread. Empty once the vault is locked (a lock queued before the read)."""
    return sync_status(vault) if vault.is_open else {}

