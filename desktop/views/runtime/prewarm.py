"""Import the heavy stacks where nobody waits for them, and keep the GC off them after.

The first screen (profile chooser, unlock) imports neither SQLAlchemy nor httpx. Once it is
shown, a background thread imports the Qt-free core (SQLAlchemy/SQLModel, the repository, the
sync engine, httpx) while the person types and while the KDF runs (Argon2id releases the GIL,
so the two overlap on a second core). When it is done, the Qt section modules are imported on
the GUI thread one per event-loop turn: by then their imports of the core are dictionary
lookups, and no turn is long enough to be felt.

Only Qt-free modules are ever imported off the GUI thread. An earlier background thread that
also imported Qt view modules crashed the interpreter in about 1 of 5 GUI test runs (shiboken
creating wrapper types on two threads); the unlock job imports what it needs itself, waiting on
the module locks if the preload is still busy with them.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Signal

from desktop.views.runtime import heap, turns

#: Qt-free; safe to import on any thread
CORE_MODULES: tuple[str, ...] = (
    "desktop.vault.store", "desktop.models.repository", "desktop.models.seniority", "desktop.sync.api",
    "desktop.sync.engine", "desktop.sync.decisions", "desktop.sync.auth",
    # 0.1 s to import: the first phone number shown (the profile, as the record opens) needs it
    "phonenumbers",
    # the rotating log's handler, started once the core is in (desktop.app)
    "logging.handlers",
)
#: Qt; imported on the GUI thread only, leaves first so that each turn imports one module
VIEW_MODULES: tuple[str, ...] = (
    "desktop.views.record.record_table_model", "desktop.views.record.record_store",
    "desktop.views.widgets.id_list_model", "desktop.views.widgets.id_table_model", "desktop.models.listing",
    "desktop.views.widgets.record_form", "desktop.views.widgets.record_dialog",
    "desktop.views.widgets.entity_table", "desktop.models.formatting",
    "desktop.views.record.profile_view", "desktop.views.record.education_view",
    "desktop.views.record.qualification_view", "desktop.views.record.employment_view",
    "desktop.views.documents.nmo_export", "desktop.views.record.nmo_view",
    "desktop.models.reminders", "desktop.views.documents.cert_dialogs",
    "desktop.views.documents.verify_dialog", "desktop.views.widgets.pdf_preview",
    "desktop.views.documents.document_tasks", "desktop.views.documents.documents_model",
    "desktop.views.documents.generate_dialog", "desktop.views.documents.documents_remote",
    "desktop.views.documents.documents_signing", "desktop.views.documents.documents_view",
    "desktop.views.workflows.steps", "desktop.views.workflows.requests_model",
    "desktop.views.workflows.notices_panel", "desktop.views.workflows.confirm_dialog",
    "desktop.views.workflows.application_view", "desktop.views.workflows.programmes_model",
    "desktop.views.workflows.programmes_view",
    "desktop.views.workflows.workspace",
    "desktop.views.shell.notifications_view", "desktop.views.workflows.requests_view",
    "desktop.views.access.settings_view", "desktop.views.shell.sections", "desktop.views.record.workspace",
    "desktop.views.sync.sync_controller", "desktop.views.sync.conflicts_view",
    "desktop.views.sync.rejected_view", "desktop.views.runtime.stall",
    "desktop.views.hr.styles", "desktop.views.hr.card_tasks", "desktop.views.hr.staff_model",
    "desktop.views.hr.card_dialog", "desktop.views.hr.person_card", "desktop.views.hr.staff_view",
    "desktop.views.hr.deadlines_view", "desktop.views.hr.import_wizard", "desktop.views.hr.confirm_tasks",
    "desktop.views.hr.confirmations_view", "desktop.views.hr.request_dialog", "desktop.views.hr.document_viewer",
    "desktop.views.hr.workspace",
    "desktop.views.shell.single_instance",  # imported by the app before the window: here for the check
    "desktop.views.tray.tray_icon",  # imported by the app before the window: here for the check
    "desktop.views.widgets.file_drop", "desktop.views.widgets.file_viewer", "desktop.views.sync.sync_journal",
    "desktop.views.backup.actions",  # imported by the session when it builds the menu: here for the check
    "desktop.views.backup.backup_dialog", "desktop.views.backup.restore_dialog",
    "desktop.views.widgets.date_input",
    "desktop.views.account.place", "desktop.views.account.rows_model", "desktop.views.account.qr_widget",
    "desktop.views.account.password_page", "desktop.views.account.second_factor_page",
    "desktop.views.account.sessions_page", "desktop.views.account.journal_page",
    "desktop.views.account.consent_page", "desktop.views.account.account_view", "desktop.views.account.workspace",
    "desktop.views.dashboards.charts", "desktop.views.dashboards.rows_model",
    "desktop.views.dashboards.home_model", "desktop.views.dashboards.home_view",
    "desktop.views.dashboards.manager_model", "desktop.views.dashboards.manager_view",
    "desktop.views.dashboards.workspace", "desktop.views.operator.common", "desktop.views.operator.attachment_viewer",
    "desktop.views.operator.applications_view", "desktop.views.operator.queue_model",
    "desktop.views.operator.nmo_view", "desktop.views.operator.accounts_view", "desktop.views.operator.audit_view",
    "desktop.views.operator.catalogue_view", "desktop.views.operator.workspace",
)


def import_all(modules: Iterable[str]) -> None:
    for name in modules:
        importlib.import_module(name)


class Preloader(QObject):
    """Core stack in a background thread, then the Qt section modules one per turn."""

    core_ready = Signal()
    #: every module is imported (tests and the benchmark wait on it)
    done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views = list(VIEW_MODULES)
        self.finished = False
        self.core_loaded = False
        self.core_ready.connect(self._on_core)

    def start(self) -> None:
        global _current
        _current = self
        heap.hold()
        # Not a daemon: a daemon killed at exit in the middle of an import can crash the
        # interpreter's shutdown; the imports take well under a second.
        threading.Thread(target=self._core, name="frmr-preload", daemon=False).start()

    def _core(self) -> None:
        # Every Python call the GUI thread makes (a slot, a model's data()) must take the GIL
        # from this thread first, waiting up to the switch interval (5 ms) each time; painting a
        # table makes hundreds of such calls. A short interval while importing keeps the
        # unlock screen responsive; the default comes back when the imports are done.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        try:
            import_all(CORE_MODULES)
        except Exception:  # the unlock job imports them again and reports a failure properly
            pass
        finally:
            sys.setswitchinterval(interval)
        self.core_ready.emit()  # queued to the GUI thread: this thread is not the receiver's

    def _on_core(self) -> None:
        self.core_loaded = True
        if self._next_view():
            turns.later(self._next_view, self)

    def _next_view(self) -> bool:
        """Import one section module; True while some are left."""
        while self._views:
            name = self._views.pop(0)
            if name in sys.modules:
                continue  # the record opened first and imported it already
            try:
                importlib.import_module(name)
            except Exception:  # built for real when the record opens; it reports then
                continue
            return True
        self.finished = True
        heap.settle_and_resume()  # the modules just imported live as long as the process
        self.done.emit()
        return False


_current: Preloader | None = None


def when_core_ready(fn: Callable[[], None]) -> None:
    """Call ``fn`` on the GUI thread once the background import of the core is over (at once when
    there is none, as in tests): importing a module the preload thread is still busy with would
    make the GUI thread wait on its import lock."""
    pre = _current
    if pre is None or pre.core_loaded:
        fn()
        return

    def once() -> None:
        pre.core_ready.disconnect(once)
        fn()

    pre.core_ready.connect(once)
