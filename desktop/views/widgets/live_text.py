"""Texts of the long-lived parts of the window (menus, their actions, the title) that follow the
interface language while the app runs.

Pages and sections are rebuilt in the new language instead (``Session.retranslate``): their
texts are set in many places, and building them again is what the app does on every unlock
anyway. These few objects live as long as the window, so they keep their source text here.
"""

from __future__ import annotations

from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject

from desktop.i18n import tr

T = TypeVar("T", bound=QObject)

_bound: list[tuple[QObject, str, str]] = []


def bind(obj: T, source: str, setter: str = "setText") -> T:
    """Give ``obj`` the translation of ``source`` now, and again after every language change."""
    getattr(obj, setter)(tr(source))
    _bound.append((obj, setter, source))
    return obj


def retranslate() -> None:
    # Menus of windows closed since (earlier sessions) are gone: forget them here.
    _bound[:] = [b for b in _bound if shiboken6.isValid(b[0])]
    for obj, setter, source in _bound:
        getattr(obj, setter)(tr(source))
