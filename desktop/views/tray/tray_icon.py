"""The icon in the system tray (issue 14): it tells the person of a new notification while the
window is hidden behind others, shows the connection state in its tooltip, and offers
«Синхронизировать», «Заблокировать сейчас», «Открыть» and «Выход».

``attach_tray(session, window, sync=...)`` is called once by the app, after the sync wiring. The
controller's logic does not depend on a tray being there: where the platform has none
(``QSystemTrayIcon.isSystemTrayAvailable()`` false — a bare X server, the offscreen platform) no
icon is made and the app works as before; the menu, the tooltip text and the messages are still
computed, so tests drive them offscreen. The ``tray_icon`` setting (desktop/models/settings.py)
turns icon and messages off.

Personal data: the tooltip says only the connection state and how many notices are unread; a
message carries the notice's own text (an organization's name and a request's kind, a status) —
and nothing at all once the vault is locked: the feed it listens to goes with the record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.i18n import tr, trn
from desktop.views.shell.events import SETTINGS_CHANGED, EventBus
from desktop.views.shell.main_window import APP_TITLE, MainWindow, app_icon
from desktop.views.shell.single_instance import bring_to_front
from desktop.views.widgets import live_text

if TYPE_CHECKING:
    from desktop.views.workflows.notices_panel import NoticesFeed

#: how long a message stays up (ms; the platform may cut it)
MESSAGE_MS = 8000
#: the section a click on a message opens
NOTICES_SECTION = "reminders"
_TAGS = re.compile(r"<[^>]*>")


def plain(text: str) -> str:
    """The status bar's rich text (a link «повторить») as the tooltip's plain words."""
    return " ".join(_TAGS.sub("", text).replace("&nbsp;", " ").split())


class TrayController(QObject):
    """What the tray shows and does; the ``QSystemTrayIcon`` itself only where a tray exists."""

    #: a message was shown (title, text) — the bench and tests wait on it
    notified = Signal(str, str)

    def __init__(self, session: Any, window: MainWindow, sync: Callable[[], None] | None = None,
                 available: bool | None = None) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self._sync = sync
        self.available = QSystemTrayIcon.isSystemTrayAvailable() if available is None else available
        #: the setting: icon and messages on
        self.enabled = True
        self.vault_open = False
        self.sync_text = ""
        self.unread = 0
        self._feed: NoticesFeed | None = None
        #: notice ids already known (None: not yet — the first list read after an unlock is the
        #: baseline, told by the badge, not by a burst of messages)
        self._known: set[str] | None = None
        #: the last message (title, text), for tests and the bench
        self.last_message: tuple[str, str] | None = None

        self.menu = QMenu(window)
        self.menu.setObjectName("tray_menu")
        self.open_action = live_text.bind(QAction(self.menu), "Открыть")
        self.open_action.triggered.connect(self.open_window)
        self.sync_action = live_text.bind(QAction(self.menu), "Синхронизировать")
        self.sync_action.triggered.connect(self.sync_now)
        self.lock_action = live_text.bind(QAction(self.menu), "Заблокировать сейчас")
        self.lock_action.triggered.connect(self.lock_now)
        self.quit_action = live_text.bind(QAction(self.menu), "Выход")
        self.quit_action.triggered.connect(window.close)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.sync_action)
        self.menu.addAction(self.lock_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        self.icon: QSystemTrayIcon | None = None
        if self.available:
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
            self.icon.messageClicked.connect(self.open_notices)
        session.record_shown.connect(self._opened)
        session.locked.connect(self._locked)
        window.sync_state_changed.connect(self._sync_state)
        self._update()

    # -- state ---------------------------------------------------------------------------------
    def tooltip(self) -> str:
        lines = [tr(APP_TITLE)]
        if not self.vault_open:
            lines.append(tr("Хранилище заблокировано"))
        else:
            if self.sync_text:
                lines.append(self.sync_text)
            if self.unread:
                lines.append(trn("{n} непрочитанное уведомление", "{n} непрочитанных уведомления",
                                 "{n} непрочитанных уведомлений", self.unread).format(n=self.unread))
        return "\n".join(lines)

    def _update(self) -> None:
        self.sync_action.setEnabled(self.vault_open and self._sync is not None)
        self.lock_action.setEnabled(self.vault_open)
        if self.icon is not None:
            self.icon.setToolTip(self.tooltip())
            self.icon.setVisible(self.enabled)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self._update()

    def _sync_state(self, _online: object, text: str) -> None:
        self.sync_text = plain(text)
        self._update()

    # -- the open record -----------------------------------------------------------------------
    def _opened(self) -> None:
        self.vault_open = True
        self.enabled = bool(self.session.settings.get("tray_icon", True))
        page = self.window.record
        store = self.session.store
        bus = page.findChild(EventBus) if page is not None else None
        if bus is not None:
            bus.subscribe(SETTINGS_CHANGED, lambda s: self.set_enabled(bool(s.get("tray_icon", True))), page)
        feed = None
        if store is not None:
            from desktop.views.workflows.notices_panel import NoticesFeed

            feed = store.findChild(NoticesFeed)  # the doctor's (views/record/workspace.py); none for other roles
        if feed is not self._feed:
            self._feed = feed
            self._known = {str(i["id"]) for i in feed.items} if feed is not None and feed.loaded else None
            if feed is not None:
                feed.updated.connect(self._notices)
        self.unread = feed.unread() if feed is not None else 0
        self._update()

    def _locked(self) -> None:
        self.vault_open = False
        self._feed = None
        self._known = None
        self.unread = 0
        self._update()

    def _notices(self) -> None:
        feed = self._feed
        if feed is None or not shiboken6.isValid(feed) or not self.vault_open:
            return
        items = feed.items
        self.unread = feed.unread()
        ids = {str(i["id"]) for i in items}
        if self._known is None:
            self._known = ids
            self._update()
            return
        fresh = [i for i in items if str(i["id"]) not in self._known and not i["read"]]
        self._known |= ids
        self._update()
        if fresh:
            self.notify(fresh)

    def notify(self, fresh: list[dict[str, Any]]) -> None:
        """One message for what one refresh brought (newest first in the list)."""
        if not self.enabled:
            return
        if len(fresh) == 1:
            title, text = tr("Новое уведомление"), str(fresh[0]["text"])
        else:
            title = trn("{n} новое уведомление", "{n} новых уведомления", "{n} новых уведомлений",
                        len(fresh)).format(n=len(fresh))
            text = "\n".join(str(i["text"]) for i in fresh[:3]) + ("\n…" if len(fresh) > 3 else "")
        self.last_message = (title, text)
        if self.icon is not None and self.icon.isVisible():
            self.icon.showMessage(title, text, app_icon(), MESSAGE_MS)
        self.notified.emit(title, text)

    # -- actions ---------------------------------------------------------------------------------
    def open_window(self) -> None:
        bring_to_front(self.window)

    def open_notices(self) -> None:
        """A click on a message: the window, on «Уведомления»."""
        self.open_window()
        page = self.window.record
        if page is not None and NOTICES_SECTION in page.ids:
            page.select(NOTICES_SECTION)

    def sync_now(self) -> None:
        if self.vault_open and self._sync is not None:
            self._sync()

    def lock_now(self) -> None:
        if self.vault_open:
            self.session.lock()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_window()


def attach_tray(session: Any, window: MainWindow, sync: Callable[[], None] | None = None) -> TrayController:
    tray = TrayController(session, window, sync)
    window.tray = tray  # type: ignore[attr-defined]
    return tray
