"""Plugs sync into the window without the window knowing about it.

``attach_sync(session, window, demo=...)`` (called once by the app after the Session exists):
* registers the sections «Конфликты» and «Отклонено сервером» (rebuilt on every unlock);
* on every unlock starts a SyncController for the open vault — and, in the demo, first the
  embedded demo server with the demo doctor logged in;
* feeds the status bar (online/offline, pending, last sync) and makes its errors clickable
  (log in, open the conflicts, retry);
* adds the menu «Синхронизация»: «Синхронизировать» (F5), «Войти на сервер…» and «Журнал
  синхронизации» (the ``frmr.sync`` log of this run, copyable for support);
* shows the engine's progress in the status bar (rows and pages of a pull, ops of a push);
* asks, when the window closes with changes not sent, whether to «Синхронизировать и выйти»;
* after a sync that changed data, re-reads the record for the views; on lock stops it all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox, QWidget

from desktop.i18n import N_, tr, trn
from desktop.views.runtime import prewarm
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges, subscribe
from desktop.views.widgets import live_text

if TYPE_CHECKING:
    from desktop.diagnostics.logging_setup import MemoryLog

    # The sync stack (httpx, the engine, SQLAlchemy) is imported when a vault opens, so the
    # first screen does not wait for it.
    from desktop.views.sync.sync_controller import SyncController

CONFLICTS = N_("Конфликты")
REJECTED = N_("Отклонено сервером")
HINTS = {"login": N_("Войти…"), "conflicts": N_("открыть конфликты"), "rejected": N_("открыть отклонённые"),
         "retry": N_("повторить"), "update": N_("обновите приложение")}
#: the status bar's words for the engine's progress phases
PHASES = {"push": N_("отправка"), "pull": N_("получение"), "repull": N_("повторное получение"), "check": N_("сверка")}


class SyncWiring(QObject):
    def __init__(self, session: Any, window: Any, demo: bool = False) -> None:
        super().__init__(session)
        self.session = session
        self.window = window
        self.demo = demo
        self.controller: SyncController | None = None
        self.demo_server: Any = None
        self.views: list[Any] = []
        self._problem: tuple[str, str] | None = None
        #: this run's sync log, masked (desktop.diagnostics.logging_setup), for «Журнал синхронизации»;
        #: made with the first controller (the first screen does not pay for its imports)
        self._journal: MemoryLog | None = None
        self._pages = 0
        self._phase = ""
        #: «Синхронизировать и выйти» was chosen: close the window once this sync is over
        self._quit_after_sync = False
        self._closing_ok = False
        from desktop.views.shell.registry import ROLES, Section

        # Every role's edits can conflict or be rejected: seen in every workspace.
        window.register_section(Section("conflicts", CONFLICTS, ROLES, lambda ctx: self._conflicts(ctx.store),
                                        order=910, common=True))
        window.register_section(Section("rejected", REJECTED, ROLES, lambda ctx: self._rejected(ctx.store),
                                        order=920, common=True))
        session.record_shown.connect(self._opened)
        session.locked.connect(self._locked)
        session.retranslated.connect(self._retranslated)
        label: QLabel = window.statusbar_widgets["sync"]
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setOpenExternalLinks(False)
        label.linkActivated.connect(self._link)
        menu = live_text.bind(window.menuBar().addMenu(""), "&Синхронизация", "setTitle")
        self.sync_action = live_text.bind(QAction(self), "Синхронизировать")
        self.sync_action.setShortcut(QKeySequence("F5"))
        self.sync_action.triggered.connect(self.sync_now)
        self.login_action = live_text.bind(QAction(self), "Войти на сервер…")
        self.login_action.triggered.connect(self.login)
        self.journal_action = live_text.bind(QAction(self), "Журнал синхронизации")
        self.journal_action.triggered.connect(self.show_journal)
        menu.addAction(self.sync_action)
        menu.addAction(self.login_action)
        menu.addSeparator()
        menu.addAction(self.journal_action)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("status_sync_progress")
        self.progress_label.hide()
        window.statusBar().addWidget(self.progress_label)
        guards = getattr(session, "close_guards", None)
        if guards is not None:
            guards.append(self._may_close)

    # -- sections ------------------------------------------------------------------------------
    def _runner(self, store: Any) -> Any:
        """The views' ``runner(owner, fn, on_done)``: an op on the DB worker whose callback dies
        with its view. It announces no change: the views read through it too (after every sync),
        and an announced outbox change starts a sync — a loop, one sync every two seconds for as
        long as the app ran. A decision says so itself (``decided`` → ``_decided``)."""
        def run(owner: Any, fn: Any, on_done: Any) -> None:
            Op(owner, fn, worker=store.worker).success(on_done).run()
        return run

    def _conflicts(self, store: Any) -> QWidget:
        from desktop.views.sync.conflicts_view import ConflictsView

        view = ConflictsView(store.repo, self._runner(store))
        view.decided.connect(self._decided)
        self.views.append(view)
        return view

    def _rejected(self, store: Any) -> QWidget:
        from desktop.views.sync.rejected_view import RejectedView

        view = RejectedView(store.repo, self._runner(store))
        view.decided.connect(self._decided)
        self.views.append(view)
        return view

    # -- life ----------------------------------------------------------------------------------
    def _opened(self) -> None:
        # The record is on screen before the sync stack (httpx, the engine) has finished loading
        # in the background; the controller starts once it has (desktop.views.runtime.prewarm).
        prewarm.when_core_ready(self._start_controller)

    @property
    def journal(self) -> MemoryLog:
        if self._journal is None:
            from desktop.diagnostics.logging_setup import MemoryLog

            self._journal = MemoryLog().attach("frmr.sync")
        return self._journal

    def _start_controller(self) -> None:
        vault, store = self.session.vault, self.session.store
        if vault is None or store is None or self.controller is not None:
            return  # locked again meanwhile
        _ = self.journal  # recording from the first sync on
        from desktop.views.sync.sync_controller import SyncController

        ctl = self.controller = SyncController(vault, self, worker=store.worker)
        ctl.state_changed.connect(self._state)
        ctl.pending_changed.connect(self.window.set_pending)
        ctl.problem.connect(self._on_problem)
        ctl.synced.connect(self._synced)
        ctl.progress.connect(self._progress)
        ctl.running_changed.connect(self._running)
        # A local write (any op that says it touched the outbox) is followed by a sync once the
        # person pauses; the controller's own syncs announce the same and are not an edit.
        # Not before the controller is started: in the demo the server is still starting and
        # logging the doctor in, and a sync then would only report «Сервер не задан».
        subscribe(ctl, lambda changes, initiator: ctl.notify_edit()
                  if changes.outbox and initiator is not ctl and ctl.started else None)
        if self.demo and self.demo_server is None:
            from desktop.sync.embedded import start_demo

            folder = self.session.profile.folder
            # The HR clerk's and the manager's demo profiles name their account (desktop/demo.py).
            login = str(self.session.profile.extra.get("demo_login") or "doctor")
            self.window.set_sync_state(None, tr("Запуск демонстрационного сервера…"))
            Op(self, lambda: start_demo(folder, vault, login), pool=True).success(self._demo_started).failure(
                lambda exc: self._on_problem(f"{tr('Демонстрационный сервер не запущен')}: {describe_error(exc)}",
                                             "retry")).run()
        else:
            ctl.start()

    def _demo_started(self, demo: Any) -> None:
        self.demo_server = demo
        if self.controller is not None:
            self.controller.start()

    def _retranslated(self) -> None:
        self.views = []  # the rebuilt record makes its own conflict and rejection views
        if self.controller is not None:
            self.controller.refresh_status()  # its status line, in the new language

    def _locked(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller.deleteLater()
            self.controller = None
        self.views = []
        if self.demo_server is not None:
            demo, self.demo_server = self.demo_server, None
            Op(None, demo.stop, pool=True).failure(lambda _e: None).run()  # nothing left to show it on

    # -- actions -------------------------------------------------------------------------------
    def sync_now(self) -> None:
        if self.controller is not None:
            self.controller.sync_now()

    def login(self) -> None:
        """System browser + loopback redirect; tokens go into the vault from the DB worker."""
        store = self.session.store
        if store is None:
            return
        from desktop.sync.engine import sync_status

        vault = store.repo.vault
        # The server's address is in the vault: read on the DB worker, then ask.
        Op(self, lambda: sync_status(vault).get("server") or "", worker=store.worker).success(self._ask_server).run()

    def _ask_server(self, current: str) -> None:
        url, ok = QInputDialog.getText(self.window, tr("Вход на сервер"), tr("Адрес сервера ФРМР:"),
                                       text=current or "https://")
        if not ok or not url.strip():
            return
        server = url.strip().rstrip("/")

        def got(answer: dict[str, Any]) -> None:
            from desktop.sync.auth import remember_login

            s = self.session.store
            if s is not None:
                vault = s.repo.vault
                Op(self, lambda: remember_login(vault, server, answer), worker=s.worker).changes(
                    OpChanges(sync=True)).success(lambda _t: self.sync_now()).run()

        from desktop.sync.auth import login_browser

        self.window.set_sync_state(None, tr("Вход: завершите его в открывшемся окне браузера…"))
        Op(self, lambda: login_browser(server), pool=True).success(got).failure(
            lambda exc: self._on_problem(f"{tr('Вход не выполнен')}: {describe_error(exc)}", "login")).run()

    def _decided(self) -> None:
        for v in self.views:
            v.reload()
        if self.controller is not None:
            self.controller.notify_edit()

    def show_journal(self) -> None:
        from desktop.views.sync.sync_journal import SyncJournal

        dialog = SyncJournal(self.journal, self.window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # -- quitting with changes not sent ----------------------------------------------------------
    def _may_close(self) -> bool:
        """The session's close guard: False keeps the window open (a sync runs first, or the
        person chose to stay)."""
        ctl = self.controller
        if self._closing_ok or ctl is None or not ctl.vault.is_open:
            return True
        pending = int(ctl.status.get("pending", 0))
        if pending <= 0 or not ctl.status.get("server"):
            return True  # nothing to send, or nowhere to send it: the changes wait in the vault
        box = QMessageBox(QMessageBox.Icon.Question, tr("Выход"), trn(
            "{n} изменение не отправлено. Оно сохранено на этом компьютере и уйдёт на сервер при "
            "следующей синхронизации.",
            "{n} изменения не отправлены. Они сохранены на этом компьютере и уйдут на сервер при "
            "следующей синхронизации.",
            "{n} изменений не отправлено. Они сохранены на этом компьютере и уйдут на сервер при "
            "следующей синхронизации.", pending).format(n=pending), parent=self.window)
        box.setObjectName("quit_unsent")
        sync_quit = box.addButton(tr("Синхронизировать и выйти"), QMessageBox.ButtonRole.AcceptRole)
        just_quit = box.addButton(tr("Выйти без синхронизации"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("Отмена"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(sync_quit)
        box.exec()
        if box.clickedButton() is just_quit:
            return True
        if box.clickedButton() is sync_quit:
            self._quit_after_sync = True
            self.window.set_sync_state(None, tr("Синхронизация перед выходом…"))
            ctl.sync_now()
        return False

    def _finish_quit(self, report: dict[str, Any]) -> None:
        self._quit_after_sync = False
        if report["outcome"] != "converged":
            box = QMessageBox(QMessageBox.Icon.Warning, tr("Выход"), tr(
                "Синхронизация не завершена: {why}\nИзменения сохранены на этом компьютере и будут "
                "отправлены при следующем запуске.").format(why=report.get("message") or report["outcome"]),
                parent=self.window)
            box.setObjectName("quit_sync_failed")
            leave = box.addButton(tr("Выйти"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(tr("Остаться"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            if box.clickedButton() is not leave:
                return
        self._closing_ok = True
        # Next turn: this runs inside the sync op's callbacks, and the op still announces what it
        # changed to the views; closing (and locking) first would hand them a cleared store.
        QTimer.singleShot(0, self.window.close)

    # -- status bar ------------------------------------------------------------------------------
    def _running(self, running: bool) -> None:
        self._pages, self._phase = 0, ""
        self.progress_label.setVisible(running)
        self.progress_label.setText(tr("Синхронизация…") if running else "")

    def _progress(self, phase: str, done: int, total: int) -> None:
        # One report per page received (pull) or batch sent (push): count them as pages.
        if phase != self._phase:
            self._phase, self._pages = phase, 0
        self._pages += 1
        what = tr(PHASES.get(phase, phase))
        if phase == "check":
            text = tr("Синхронизация: {what}").format(what=what)
        elif total > 0:
            text = tr("Синхронизация: {what} — {done} из {total} (страница {page})").format(
                what=what, done=done, total=total, page=self._pages)
        else:
            text = tr("Синхронизация: {what} — {done} (страница {page})").format(
                what=what, done=done, page=self._pages)
        self.progress_label.setText(text)
        self.progress_label.show()

    def _state(self, online: bool | None, text: str) -> None:
        if self._problem and online is not None:
            msg, action = self._problem
            link = f"<a href='{action}'>{tr(HINTS.get(action, action))}</a>"
            text = f"{text} — {msg} {link}" if msg else f"{text} — {link}"
        self.window.set_sync_state(online, text)

    def _on_problem(self, text: str, action: str) -> None:
        if action == "login" and self.controller is not None and not self.controller.status.get("server"):
            # The engine's text names the CLI command; here the link «Войти…» does the login.
            text = ""
        self._problem = (text, action)
        if self.controller is not None:
            self.controller.refresh_status()
        else:
            self.window.set_sync_state(False, f"{text} <a href='{action}'>{tr(HINTS.get(action, action))}</a>".strip())

    def _link(self, action: str) -> None:
        if action == "login":
            self.login()
        elif action in ("conflicts", "rejected"):
            page = self.window.record
            title = tr(CONFLICTS) if action == "conflicts" else tr(REJECTED)
            if page is not None and hasattr(page, "nav"):
                for i in range(page.nav.count()):
                    if page.nav.item(i).text().startswith(title):
                        page.nav.setCurrentRow(i)
        else:
            self.sync_now()

    def _synced(self, report: dict[str, Any]) -> None:
        if self._quit_after_sync:
            self._finish_quit(report)
        if report["outcome"] in ("converged",):
            self._problem = None
            if self.controller is not None:
                self.controller.refresh_status()
        # The echo of our own edits (``echoes``) left the vault as it was: nothing to re-read.
        changed = (report["pulled"] > report.get("echoes", 0) or report["conflicts_new"] or report["rejected_new"]
                   or report["repulled"])
        store = self.session.store
        if changed and store is not None and store.is_loaded:
            # Re-read in the DB worker; only the tables whose rows moved are refreshed.
            store.reload()
        for v in self.views:
            v.reload()


def attach_sync(session: Any, window: Any, *, demo: bool = False) -> SyncWiring:
    wiring = SyncWiring(session, window, demo)
    window.sync_wiring = wiring
    return wiring
