"""The controller: which page the window shows, and the life of an unlocked vault.

profile chooser → (first start | unlock) → [consent] → the workspace → (auto-)lock → unlock …

The workspace is the open vault's role's (stored at login, ``desktop.models.repository``):
the sections of the window's ``SectionRegistry`` for that role, each built from one typed
``SectionContext``; a role whose workspace is not in this version gets a placeholder.

It owns the one DB worker thread. Unlocking (Argon2id) and vault creation run in the thread
pool; everything that touches an open vault runs in the DB worker. On lock it drops the
store, the repository and every section widget, then closes the vault in the worker (after
any write still queued), so no personal data stays in memory-backed widgets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QVBoxLayout, QWidget

from desktop.i18n import language, set_language, tr
from desktop.models.settings import read_settings
from desktop.vault.profiles import Profile, list_profiles, read_profile
from desktop.views.access.consent_view import ConsentView
from desktop.views.access.first_start import FirstStartWizard
from desktop.views.access.profile_chooser import ProfileChooser
from desktop.views.access.unlock_view import UnlockView
from desktop.views.runtime import heap, turns
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.idle import IdleWatcher
from desktop.views.runtime.ops import Op
from desktop.views.runtime.workers import DbWorker
from desktop.views.shell import help_menu as help_menu_items
from desktop.views.shell import shortcuts, window_state
from desktop.views.shell.events import SETTINGS_CHANGED, EventBus
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.registry import Account, Organization, SectionContext
from desktop.views.widgets import live_text

if TYPE_CHECKING:
    # The record stack (SQLAlchemy, SQLCipher, the section views) is imported only once a vault
    # opens — and warmed up in the pool while the unlock screen waits — so the first screen
    # appears without paying for it.
    from desktop.models.repository import RecordRepository
    from desktop.vault.locks import InstanceLock
    from desktop.vault.store import Vault
    from desktop.views.record.record_store import RecordStore
    from desktop.views.shell.notifications_view import NotificationsModel



@dataclass(frozen=True)
class _AccountRead:
    role: str
    organizations: list[dict[str, str]]
    person_id: str | None

    def account(self) -> Account:
        orgs = tuple(Organization(o["inn"], o["name"]) for o in self.organizations)
        return Account(self.role, orgs, self.person_id)


def _read_account(repo: RecordRepository) -> _AccountRead:
    """In the DB worker: who the vault belongs to, as stored at login."""
    return _AccountRead(repo.role(), repo.organizations(), repo.person_id())


def _open(folder: Path, passphrase: str) -> tuple[Vault, RecordRepository]:
    from desktop.models.journal import failed_unlocks, record_unlock
    from desktop.vault.unlock import unwrap_data_key

    before = failed_unlocks(folder)  # a successful unlock resets the counter: journaled below
    # The KDF first: it needs no SQLAlchemy, so it overlaps the background import of the
    # database stack (desktop.views.runtime.prewarm) instead of waiting for it.
    key = unwrap_data_key(folder, passphrase)
    from desktop.models.repository import RecordRepository
    from desktop.vault.store import Vault

    vault = Vault(folder, key)
    repo = RecordRepository(vault)
    record_unlock(repo, before)
    return vault, repo


def _recover(folder: Path, key: str, new: str) -> tuple[Vault, RecordRepository]:
    from desktop.models.journal import failed_unlocks, record_unlock
    from desktop.models.repository import RecordRepository
    from desktop.vault.store import Vault

    before = failed_unlocks(folder)
    vault = Vault.open_with_recovery(folder, key, new)
    repo = RecordRepository(vault)
    record_unlock(repo, before, "recovery_key")
    return vault, repo


def _release_heap() -> bool:
    heap.release()
    return False  # one step


class SectionViews(dict[str, QWidget]):
    """Built section widgets by section id; asking for one on the page not built yet builds it."""

    def __init__(self, page: RecordPage | None = None) -> None:
        super().__init__()
        self._page = page

    def __missing__(self, section_id: str) -> QWidget:
        if self._page is None or section_id not in self._page.ids:
            raise KeyError(section_id)
        widget = self._page.build(section_id)
        self[section_id] = widget
        return widget


class Session(QObject):
    #: the record page is built and its data shown (benchmarks and tests wait on this)
    record_shown = Signal()
    locked = Signal()
    #: the interface language changed and the open record was rebuilt in it
    retranslated = Signal()

    def __init__(self, window: MainWindow, root: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.root = root
        self.worker = DbWorker(self)
        self.profile: Profile | None = None
        self.vault: Vault | None = None
        self.store: RecordStore | None = None
        self.settings: dict[str, Any] = {}
        #: what was wrong in settings.json at the last unlock (shown once the record is on screen)
        self.settings_warnings: list[str] = []
        self.views: SectionViews = SectionViews()
        #: who the open vault belongs to (read from the vault when it opens)
        self.account = Account()
        #: this app's claim on the unlocked profile (desktop.vault.locks): held from the unlock
        #: attempt to the lock, so a second copy of the app cannot unlock the same vault meanwhile
        self.instance_lock: InstanceLock | None = None  # imported at the first unlock (filelock: 35 ms)
        self._attempt = itertools.count(1)
        self._current_attempt = 0
        self.idle = IdleWatcher(15, self)
        self.idle.timeout.connect(self.lock)
        heap.install()  # widgets die in reference cycles: collect them on this thread only
        #: asked in turn when the window closes; one returning False keeps it open (the sync
        #: wiring's «Синхронизировать и выйти» closes it again once the sync is over)
        self.close_guards: list[Callable[[], bool]] = []
        window.close_handler = self._on_close
        self._build_menu()

    def _build_menu(self) -> None:
        bar = self.window.menuBar()
        menu = live_text.bind(bar.addMenu(""), "&Файл", "setTitle")
        self.lock_action = live_text.bind(QAction(self.window), "Заблокировать")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.lock_action.setEnabled(False)
        switch = live_text.bind(QAction(self.window), "Сменить профиль")
        switch.triggered.connect(self.switch_profile)
        quit_action = live_text.bind(QAction(self.window), "Выход")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.window.close)
        menu.addAction(self.lock_action)
        menu.addAction(switch)
        from desktop.views.backup.actions import BackupActions

        self.backup_actions = BackupActions(self, menu)  # «Резервная копия…», «Восстановить…»
        menu.addSeparator()
        menu.addAction(quit_action)
        help_menu = self.help_menu = live_text.bind(bar.addMenu(""), "Спр&авка", "setTitle")
        about = live_text.bind(QAction(self.window), "&О программе")
        about.triggered.connect(self._about)
        help_menu.addAction(about)
        help_menu_items.populate(self.window, help_menu, about)  # F1 guide, the log folder
        shortcuts.install(self.window)  # Ctrl+F, Ins, Ctrl+P on the section shown

    def help_menu_last(self) -> None:
        """Move «Справка» after menus other parts added (sync), where people look for it."""
        bar = self.window.menuBar()
        bar.removeAction(self.help_menu.menuAction())
        bar.addAction(self.help_menu.menuAction())

    def _about(self) -> None:
        from desktop.diagnostics.logging_setup import app_version

        QMessageBox.about(self.window, tr("О программе"), tr(
            "ФРМР — кабинет медицинского работника.\nСведения Федерального регистра медицинских работников "
            "на этом компьютере: в зашифрованном хранилище, с работой без сети.") + "\n\n"
            + tr("Версия {version}").format(version=app_version()))

    # -- start -----------------------------------------------------------------------------
    def start(self, folder: Path | None = None) -> None:
        if folder is not None:
            self.open_profile(read_profile(folder), explicit_folder=True)
            return
        profiles = list_profiles(self.root)
        if not profiles:
            self.show_wizard(None)
        else:
            self.show_chooser()

    def show_chooser(self) -> None:
        chooser = ProfileChooser(list_profiles(self.root))
        chooser.chosen.connect(self.open_profile)
        chooser.create_requested.connect(lambda: self.show_wizard(None))
        self.window.show_page(chooser)

    def switch_profile(self) -> None:
        self.lock()
        self.show_chooser()

    def open_profile(self, profile: Profile, explicit_folder: bool = False) -> None:
        self.profile = profile
        if profile.folder.is_dir():
            window_state.restore_window(self.window, profile.folder)  # as this person left it
        if profile.has_vault:
            self.show_unlock()
        else:
            self.show_wizard(profile.folder if explicit_folder or profile.folder.exists() else None)

    def show_wizard(self, folder: Path | None) -> None:
        wizard = FirstStartWizard(self.root, folder)
        wizard.completed.connect(self._wizard_done)
        wizard.cancelled.connect(self.show_chooser)
        wizard.declined.connect(self._wizard_declined)
        self.window.show_page(wizard)

    def _wizard_done(self, profile: Profile, vault: Vault) -> None:
        from desktop.models.repository import RecordRepository

        self.profile = profile
        try:
            self._claim_profile()
        except Exception:  # a profile made a moment ago: nobody else can have it; the vault is open anyway
            pass
        self._opened(vault, RecordRepository(vault), record_consent=True)

    def _wizard_declined(self, profile: Profile, vault: Vault) -> None:
        self.profile = profile
        Op(self, vault.close, worker=self.worker).run()
        self.show_unlock()
        view = self.window.current_page()
        if isinstance(view, UnlockView):
            view.status.setText(tr("Без согласия на обработку персональных данных вести запись нельзя."))

    # -- unlock ----------------------------------------------------------------------------
    def show_unlock(self) -> None:
        assert self.profile is not None
        view = UnlockView(self.profile)
        view.unlock_requested.connect(self._unlock)
        view.recover_requested.connect(self._recover)
        view.other_profile.connect(self.show_chooser)
        self.window.show_page(view)
        view.passphrase.setFocus()

    def _unlock(self, passphrase: str) -> None:
        assert self.profile is not None
        folder = self.profile.folder
        self._run_unlock(lambda: _open(folder, passphrase))

    def _recover(self, key: str, new: str) -> None:
        assert self.profile is not None
        folder = self.profile.folder
        self._run_unlock(lambda: _recover(folder, key, new))

    def _claim_profile(self) -> None:
        """Raises ProfileBusy when another copy of the app has this profile unlocked."""
        assert self.profile is not None
        if self.instance_lock is not None and self.instance_lock.folder != self.profile.folder:
            self._release_profile()
        if self.instance_lock is None:
            from desktop.vault.locks import InstanceLock

            self.instance_lock = InstanceLock(self.profile.folder)
        self.instance_lock.acquire()

    def _release_profile(self) -> None:
        if self.instance_lock is not None:
            self.instance_lock.release()
            self.instance_lock = None

    def _run_unlock(self, fn: Any) -> None:
        attempt = self._current_attempt = next(self._attempt)
        view = self.window.current_page()
        try:
            self._claim_profile()
        except Exception as exc:  # ProfileBusy, or a folder the lock file cannot be made in
            if isinstance(view, UnlockView):
                view.show_error(exc)
            return

        def ok(result: tuple[Vault, RecordRepository]) -> None:
            if attempt != self._current_attempt or self.window.current_page() is not view:
                result[0].close()  # the person went elsewhere meanwhile
                if self.vault is None:
                    self._release_profile()
                return
            try:
                self._opened(*result)
            except Exception as exc:  # whatever broke, the person gets the unlock screen back
                self._open_failed(exc)

        def err(exc: BaseException) -> None:
            if self.vault is None:
                self._release_profile()
            if isinstance(view, UnlockView) and self.window.current_page() is view:
                view.show_error(exc)

        Op(self, fn, pool=True).success(ok).failure(err).run()

    def _opened(self, vault: Vault, repo: RecordRepository, record_consent: bool = False) -> None:
        from desktop.views.record.record_store import RecordStore

        assert self.profile is not None
        self.vault = vault
        loaded = read_settings(self.profile.folder)
        self.settings = loaded.values
        self.settings_warnings = loaded.warnings
        self.idle.set_minutes(float(self.settings["auto_lock_minutes"]))
        store = self.store = RecordStore(self.worker, repo, self.profile.folder, self.settings, self)
        store.pending_changed.connect(self.window.set_pending)
        if record_consent:
            store.record_consent()
        store.loaded.connect(self._after_load)
        # Queued before the snapshot: the account is known when the record is shown.
        self.account = Account()
        Op(self, partial(_read_account, repo), worker=self.worker).success(self._account_read).failure(
            self._load_failed).run()
        store.load(self._load_failed)
        # A login (or a sync after one) may have changed whose vault this is.
        store.reloaded.connect(self._check_account)
        loading = QWidget()
        QVBoxLayout(loading).addWidget(QLabel(tr("Открытие записи…")), 0, Qt.AlignmentFlag.AlignCenter)
        self.window.show_page(loading)
        self.window.set_vault_state(True)
        self.lock_action.setEnabled(True)
        self.idle.start()
        self.backup_actions.vault_opened()  # the scheduled copy, if one is due

    def _open_failed(self, exc: BaseException) -> None:
        """Opening the record failed after the passphrase was right: log it, close what was
        opened, and give the unlock screen back usable, with the reason."""
        import logging

        logging.getLogger("frmr.session").error("opening the record failed", exc_info=exc)
        self._load_failed(exc)

    def _load_failed(self, exc: BaseException) -> None:
        text = describe_error(exc)
        self.lock()
        view = self.window.current_page()
        if isinstance(view, UnlockView):
            view.status.setText(text)

    def _after_load(self) -> None:
        store = self.store
        if store is None:
            return
        if store.consent is None:
            consent = ConsentView()
            consent.accepted.connect(self._consent_given)
            consent.declined.connect(self._consent_declined)
            self.window.show_page(consent)
            return
        self.show_record()

    def _consent_given(self) -> None:
        if self.store is not None:
            self.store.record_consent()
            self.show_record()

    def _consent_declined(self) -> None:
        self.lock()
        view = self.window.current_page()
        if isinstance(view, UnlockView):
            view.status.setText(tr("Без согласия на обработку персональных данных вести запись нельзя."))

    # -- the workspace ---------------------------------------------------------------------
    def _account_read(self, read: _AccountRead) -> None:
        if self.store is not None:
            self.account = read.account()

    def _check_account(self, _changed: list[str]) -> None:
        store = self.store
        if store is None:
            return
        repo = store.repo

        def got(read: _AccountRead) -> None:
            if self.store is not store or self.window.record is None:
                return
            account = read.account()
            if account != self.account:
                self.account = account
                self._rebuild()

        Op(self, partial(_read_account, repo), worker=self.worker).success(got).failure(lambda _e: None).run()

    def context(self, events: EventBus, notifications: NotificationsModel) -> SectionContext:
        store = self.store
        assert store is not None and self.vault is not None and self.profile is not None
        return SectionContext(account=self.account, store=store, vault=self.vault, folder=self.profile.folder,
                              settings=self.settings, events=events, notifications=notifications)

    def show_record(self) -> None:
        store = self.store
        assert store is not None and self.vault is not None and self.profile is not None
        from desktop.views.shell.sections import COMMON, NotificationsModel, placeholder_section

        registry = self.window.sections
        registry.discover()
        for common in COMMON:
            if common.id not in registry:
                registry.register(common)
        role = self.account.role
        sections = registry.for_role(role)
        if not registry.has_workspace(role):
            sections = [placeholder_section(role), *sections]

        page = RecordPage()
        self.views = SectionViews(page)
        # One event bus per page: subscriptions of its sections end with them.
        events = EventBus(page)
        # Models that other parts listen to exist from the start; section widgets are built lazily.
        notifications = NotificationsModel(store)
        ctx = self.context(events, notifications)
        events.subscribe(SETTINGS_CHANGED, self._settings_changed, page)
        events.subscribe(SETTINGS_CHANGED, lambda _s: notifications.reload(), page)
        self.window.sync_state_changed.connect(events.connection_changed)

        folder = self.profile.folder

        def built(section_id: str, widget: QWidget) -> None:
            self.views[section_id] = widget
            window_state.restore_splitters(widget, folder)

        page.on_built = built
        for section in sections:
            page.add_lazy_section(section.id, tr(section.title), partial(section.factory, ctx))
        for section in sections:
            if section.badge is not None:
                section.badge(ctx, partial(page.set_badge, section.id))
        self.window.show_page(page)
        page.fit_nav()
        window_state.restore_splitters(page, folder)
        page.nav.setFocus()
        self.record_shown.emit()
        if self.settings_warnings:
            warnings, self.settings_warnings = self.settings_warnings, []
            box = QMessageBox(QMessageBox.Icon.Warning, tr("Настройки"), "\n".join(warnings), parent=self.window)
            box.setObjectName("settings_warnings")
            box.setInformativeText(tr("Исправьте их в разделе «Настройки» и сохраните."))
            box.open()  # not exec(): the record is already usable behind it
        turns.later(lambda: self._build_next_section(page), page)

    def _build_next_section(self, page: RecordPage) -> bool:
        """One section per step (``turns``), so input is handled between them."""
        if self.window.record is not page:
            return False
        if page.build_next():
            return True
        heap.settle()  # every section is built: keep the collector off this long-lived heap
        return False

    def _settings_changed(self, settings: dict[str, Any]) -> None:
        self.idle.set_minutes(float(settings["auto_lock_minutes"]))
        lang = str(settings.get("language", language()))
        if lang != language():
            set_language(lang)
            # The settings view that asked is part of the page about to be rebuilt: not from its slot.
            QTimer.singleShot(0, self._retranslate_from_settings)

    def _retranslate_from_settings(self) -> None:
        from desktop.views.access.settings_view import SettingsView

        self.retranslate()
        view = self.views.get("settings")
        if isinstance(view, SettingsView):
            view.saved_label.setText(tr("Настройки сохранены."))

    def retranslate(self) -> None:
        """Show the window in the current interface language: menus and status bar in place, the
        open record rebuilt (its sections are built from their factories, as on every unlock)
        on the section that was shown."""
        live_text.retranslate()
        self.window.retranslate()
        self._rebuild()
        self.retranslated.emit()

    def _rebuild(self) -> None:
        """Build the open workspace again (a language change, another account), on the section
        that was shown if the new one has it."""
        page, store = self.window.record, self.store
        if page is None or store is None:
            return
        shown = page.current_id()
        # The old sections' models hang off the store and listen to it; they go with their page.
        old_models = [m for m in store.children() if isinstance(m, QAbstractItemModel)]
        self.show_record()
        for m in old_models:
            m.deleteLater()
        new = self.window.record
        if shown is not None and new is not None and shown in new.ids:
            new.select(shown)

    # -- lock ------------------------------------------------------------------------------
    def lock(self) -> None:
        """Hide every personal datum now; close the vault once queued writes are done."""
        self.idle.stop()
        self.lock_action.setEnabled(False)
        self.remember_window()
        store, vault = self.store, self.vault
        self.store = None
        self.vault = None
        self.views = SectionViews()
        self.account = Account()
        for w in QApplication.topLevelWidgets():  # open dialogs (an edit form, a confirmation)
            if w is not self.window and w.isVisible() and w.parent() is not None:
                w.close()
        if store is not None:
            store.clear()
            store.deleteLater()
        if vault is not None:
            Op(self, vault.close, worker=self.worker).run()
        self.window.set_vault_state(False)
        self.window.set_pending(None)
        self._release_profile()
        if self.profile is not None and self.profile.has_vault:
            self.show_unlock()
        else:
            self.show_chooser()
        self.locked.emit()
        # The record's widgets and rows may be collected now: a full collection (tens of ms), in a
        # later turn, once the unlock screen has replaced the record on screen.
        turns.later(_release_heap)

    def remember_window(self) -> None:
        """The window's place and the open record's splitters, for this profile's next start."""
        if self.profile is not None and self.profile.folder.is_dir():
            window_state.remember(self.window, self.profile.folder, self.window.record)

    def _on_close(self) -> bool:
        if not all(guard() for guard in list(self.close_guards)):
            return False
        if self.vault is None:
            self.remember_window()  # locking remembers it otherwise
        if self.vault is not None:
            self.lock()
        self.worker.stop()
        self._release_profile()
        return True
