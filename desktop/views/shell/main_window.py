"""The one top-level window. Its central area shows a page — profile chooser, first start,
unlock screen or the open record — and its status bar shows the vault state, the number of
changes not yet sent, and the connection state (driven by the sync part of the project).

Extension points for other parts of the project:
* ``statusbar_widgets`` — name -> QLabel (``vault``, ``pending``, ``sync``);
* ``set_sync_state(online, text)`` — the connection indicator (``sync_state_changed`` tells
  whoever else shows it: the tray icon's tooltip);
* ``register_section(section)`` — a ``registry.Section`` (stable id, roles, a factory of a
  ``SectionContext``), built on every unlock for the roles it names; ``sections`` is the registry.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QWidget

from desktop.i18n import N_, tr, trn
from desktop.paths import resource_dir
from desktop.views.shell import window_state
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.registry import Section, SectionRegistry
from desktop.views.widgets import theme

APP_TITLE = N_("ФРМР — кабинет медицинского работника")
#: what a screen reader calls the status bar's parts
STATUS_NAMES = {"vault": "Состояние хранилища", "pending": "Неотправленные изменения", "sync": "Связь с сервером"}


def app_icon() -> QIcon:
    return QIcon(str(resource_dir() / "icons" / "frmr.svg"))


class MainWindow(QMainWindow):
    #: (online: True | False | None, the status text — may hold a link's markup)
    sync_state_changed = Signal(object, str)

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(tr(APP_TITLE))
        self._vault_open = False
        self._pending: int | None = None
        self.setWindowIcon(app_icon())
        window_state.fit_to_screen(self)  # no fixed size: 1180×760 did not fit 1440×900 at 150 %
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.record: RecordPage | None = None
        #: every section the open vault's workspace may show (workspaces join when a vault opens)
        self.sections = SectionRegistry()
        self.close_handler: Callable[[], bool] | None = None

        bar = self.statusBar()
        self.statusbar_widgets: dict[str, QLabel] = {
            "vault": QLabel(),
            "pending": QLabel(),
            "sync": QLabel(),
        }
        for name, w in self.statusbar_widgets.items():
            w.setObjectName(f"status_{name}")
            w.setAccessibleName(tr(STATUS_NAMES[name]))
            bar.addPermanentWidget(w)
        self.set_vault_state(False)
        self.set_pending(None)
        self.set_sync_state(False, tr("нет связи с сервером"))

    # -- pages -----------------------------------------------------------------------------
    def show_page(self, page: QWidget) -> None:
        """Show ``page``; the previous page is destroyed, so nothing it displayed lingers."""
        old = self.pages.currentWidget()
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)
        if old is not None and old is not page:
            self.pages.removeWidget(old)
            old.hide()
            old.deleteLater()
            if old is self.record:
                self.record = None
        if isinstance(page, RecordPage):
            self.record = page
        page.setFocus()

    def current_page(self) -> QWidget | None:
        return self.pages.currentWidget()

    def section_id(self) -> str:
        """What is on screen, for the stall log: the open workspace's section by its stable
        registry id (``documents``, never its title); another page by its Qt object name
        (or class name: ``UnlockView``, ``ProfileChooser`` …)."""
        page = self.current_page()
        if page is None:
            return "-"
        if page is self.record and self.record is not None:
            return self.record.current_id() or "-"
        return page.objectName() or type(page).__name__

    # -- status bar ------------------------------------------------------------------------
    def retranslate(self) -> None:
        """The title and the status bar in the current language (the sync part re-announces its own)."""
        self.setWindowTitle(tr(APP_TITLE))
        self.set_vault_state(self._vault_open)
        self.set_pending(self._pending)

    def set_vault_state(self, is_open: bool) -> None:
        self._vault_open = is_open
        w = self.statusbar_widgets["vault"]
        w.setText(tr("Хранилище: открыто") if is_open else tr("Хранилище: заблокировано"))
        w.setStyleSheet(theme.text_style("online" if is_open else "muted"))

    def set_pending(self, n: int | None) -> None:
        self._pending = n
        w = self.statusbar_widgets["pending"]
        w.setText("" if n is None else trn("{n} изменение не отправлено", "{n} изменения не отправлены",
                                               "{n} изменений не отправлено", n).format(n=n))

    def set_sync_state(self, online: bool | None, text: str) -> None:
        """online: True connected, False no connection, None unknown/in progress."""
        w = self.statusbar_widgets["sync"]
        mark = {True: "●", False: "○", None: "◌"}[online]
        color = theme.text_color({True: "online", False: "offline", None: "busy"}[online])
        w.setText(f"<span style='color:{color}'>{mark}</span> {text}")
        self.sync_state_changed.emit(online, text)

    # -- sections --------------------------------------------------------------------------
    def register_section(self, section: Section) -> None:
        self.sections.register(section)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_handler is not None and not self.close_handler():
            event.ignore()
            return
        super().closeEvent(event)
