"""Named events between the shell and its sections, instead of attributes poked into windows.

A section that must react to something another part did (the settings were saved)
subscribes to the event by name with an owner widget; the subscription ends when the owner
is destroyed, so a section that went with its page (a lock, a language change) is never
called again. Callbacks run on the GUI thread,
at once, in the order they subscribed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject

#: the settings were saved; argument: the settings dict
SETTINGS_CHANGED = "settings_changed"
#: the connection indicator changed; argument: True connected, False not, None unknown
CONNECTION_CHANGED = "connection_changed"

Callback = Callable[..., None]


class EventBus(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._subs: dict[str, list[tuple[Callback, QObject | None]]] = {}

    def subscribe(self, name: str, callback: Callback, owner: QObject | None = None) -> None:
        """Call ``callback(*args)`` on every ``publish(name, *args)`` while ``owner`` lives."""
        entry = (callback, owner)
        self._subs.setdefault(name, []).append(entry)
        if owner is not None:
            owner.destroyed.connect(lambda *_: self._drop(name, entry))

    def publish(self, name: str, *args: Any) -> None:
        for callback, owner in list(self._subs.get(name, ())):
            if owner is not None and not shiboken6.isValid(owner):
                continue  # deleted, its ``destroyed`` not delivered yet
            callback(*args)

    def connection_changed(self, online: bool | None, _text: str = "") -> None:
        """A slot for the window's ``sync_state_changed`` (a method of the bus, so the
        connection ends with the page that owns it)."""
        self.publish(CONNECTION_CHANGED, online)

    def _drop(self, name: str, entry: tuple[Callback, QObject | None]) -> None:
        if not shiboken6.isValid(self):
            return
        subs = self._subs.get(name, [])
        if entry in subs:
            subs.remove(entry)

    def subscribers(self, name: str) -> int:
        return len(self._subs.get(name, ()))
