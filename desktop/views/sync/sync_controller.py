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
import threading
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from desktop.i18n import tr
from desktop.sync.api import Api
from desktop.sync.engine import SyncEngine, SyncReport, sync_status
from desktop.vault.store import Vault

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
    parts = [{True: tr("В сети"), False: tr("Нет связи"), None: tr("Синхронизация…")}[online]]
    if status.get("pending"):
        parts.append(tr("не отправлено: {n}").format(n=status["pending"]))
    if status.get("conflicts"):
        parts.append(tr("конфликтов: {n}").format(n=status["conflicts"]))
    if status.get("rejected"):
        parts.append(tr("отклонено: {n}").format(n=status["rejected"]))
    parts.append(tr("синхронизировано: {when}").format(when=_short_time(status.get("last_sync", ""))))
    return " · ".join(parts)


class _Bridge(QObject):
    """Crosses from the worker thread to the GUI thread (queued connections)."""

    progress = Signal(str, int, int)
    done = Signal(object)


class _SyncRunnable(QRunnable):
    def __init__(self, engine: SyncEngine, bridge: _Bridge) -> None:
        super().__init__()
        self.engine = engine
        self.bridge = bridge
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            report = self.engine.sync()
        except Exception as exc:  # a bug must not kill the worker silently: report it as an error
            report = SyncReport(outcome="error", message=f"{type(exc).__name__}: {exc}")
        self.bridge.done.emit(report)


class _ProbeRunnable(QRunnable):
    def __init__(self, server: str, bridge: Any) -> None:
        super().__init__()
        self.server = server
        self.bridge = bridge

    def run(self) -> None:
        with Api(self.server, timeout=3.0) as api:
            self.bridge.probed.emit(api.health())


class _ProbeBridge(QObject):
    probed = Signal(bool)


class SyncController(QObject):
    state_changed = Signal(object, str)
    pending_changed = Signal(int)
    progress = Signal(str, int, int)
    problem = Signal(str, str)
    synced = Signal(object)
    running_changed = Signal(bool)

    def __init__(self, vault: Vault, parent: QObject | None = None, *, pool: QThreadPool | None = None,
                 period_ms: int = PERIOD_MS, debounce_ms: int = DEBOUNCE_MS, probe_ms: int = PROBE_MS,
                 engine_options: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.pool = pool or QThreadPool.globalInstance()
        self.engine_options = engine_options or {}
        self.online: bool | None = None
        self.running = False
        self._again = False
        self._engine: SyncEngine | None = None
        self._bridge = _Bridge()
        self._bridge.progress.connect(self.progress)
        self._bridge.done.connect(self._on_done)
        self._probe_bridge = _ProbeBridge()
        self._probe_bridge.probed.connect(self._on_probe)
        self._probing = False
        self.debounce = QTimer(self, singleShot=True, interval=debounce_ms)
        self.debounce.timeout.connect(self.sync_now)
        self.periodic = QTimer(self, interval=period_ms)
        self.periodic.timeout.connect(self.sync_now)
        self.probe = QTimer(self, interval=probe_ms)
        self.probe.timeout.connect(self._probe)
        self.done_event = threading.Event()  # tests and benchmarks wait on this

    # -- triggers ---------------------------------------------------------------------------
    def start(self) -> None:
        self.periodic.start()
        self.refresh_status()
        self.sync_now()

    def stop(self) -> None:
        """Before the vault locks: no new syncs; a running one is asked to stop."""
        self.periodic.stop()
        self.debounce.stop()
        self.probe.stop()
        self._again = False
        if self._engine is not None:
            self._engine.cancel()

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
        self.state_changed.emit(None, status_text(self._status(), None))
        eng = SyncEngine(self.vault, progress=self._emit_progress, **self.engine_options)
        self._engine = eng
        self.pool.start(_SyncRunnable(eng, self._bridge))

    def cancel(self) -> None:
        if self._engine is not None:
            self._engine.cancel()

    # -- results ------------------------------------------------------------------------------
    def _emit_progress(self, phase: str, done: int, total: int | None) -> None:
        self._bridge.progress.emit(phase, done, -1 if total is None else total)  # from the worker thread

    @Slot(object)
    def _on_done(self, report: SyncReport) -> None:
        self.running = False
        self._engine = None
        self.running_changed.emit(False)
        self.online = report.outcome not in ("unreachable", "cancelled", "busy")
        if report.outcome == "unreachable":
            self.probe.start()  # come back as soon as the server answers
        else:
            self.probe.stop()
        if self.vault.is_open:
            self.refresh_status()
        action = ACTIONS.get(report.outcome)
        if action:
            self.problem.emit(report.message, "rejected" if action == "conflicts" and not report.conflicts
                              else action)
        self.synced.emit(report.as_dict())
        self.done_event.set()
        if self._again and self.vault.is_open:
            self._again = False
            self.sync_now()

    def _status(self) -> dict[str, Any]:
        return sync_status(self.vault) if self.vault.is_open else {}

    def refresh_status(self) -> None:
        st = self._status()
        self.pending_changed.emit(int(st.get("pending", 0)))
        self.state_changed.emit(self.online, status_text(st, self.online))

    # -- reconnect ------------------------------------------------------------------------------
    def _probe(self) -> None:
        st = self._status()
        if self._probing or not st.get("server"):
            return
        self._probing = True
        self.pool.start(_ProbeRunnable(st["server"], self._probe_bridge))

    @Slot(bool)
    def _on_probe(self, ok: bool) -> None:
        self._probing = False
        if ok and not self.running:
            self.probe.stop()
            self.sync_now()
