"""The sections a workspace is made of, registered by stable id and role.

A section is a ``Section``: an id that never changes (never its Russian title — titles are
translated and reworded), the roles that see it, a factory that builds its widget from a
typed ``SectionContext``, and optionally a badge (a count beside its title). The shell shows
the sections of the open vault's role, in ``order``.

A workspace plugs in without touching the shell: a package under ``desktop/views/`` with a
``workspace`` module that defines ``SECTIONS`` (a sequence of ``Section``) is found by
``SectionRegistry.discover()`` when a record opens (``views/record/workspace.py`` is the
doctor's). Other parts of the app add sections at run time with ``register`` (sync's
«Конфликты»). A role with no section of its own gets the shell's placeholder.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.views.shell.events import EventBus

if TYPE_CHECKING:  # the record stack is imported once a vault opens, not for the first screen
    from PySide6.QtWidgets import QWidget

    from desktop.vault.store import Vault
    from desktop.views.record.record_store import RecordStore
    from desktop.views.shell.notifications_view import NotificationsModel

#: the roles of docs/security.md; ``admin`` is the registry operator
ROLES: frozenset[str] = frozenset({"doctor", "hr", "manager", "admin"})
#: the package whose subpackages may bring a ``workspace`` module
VIEWS_PACKAGE = "desktop.views"


@dataclass(frozen=True)
class Organization:
    inn: str
    name: str


@dataclass(frozen=True)
class Account:
    """Who the open vault belongs to, as stored at login (``desktop.models.repository``)."""

    role: str = "doctor"
    organizations: tuple[Organization, ...] = ()
    person_id: str | None = None


@dataclass(frozen=True)
class SectionContext:
    """Everything a section may use; nothing else is reachable from the window."""

    account: Account
    #: the open record: its repository (``store.repo``), the DB worker (``store.worker``), НСИ
    store: RecordStore
    vault: Vault
    #: the profile's folder (settings, files next to the vault)
    folder: Path
    settings: dict[str, Any]
    events: EventBus
    #: the shell's reminders, which sections may add to (the signing certificate's expiry)
    notifications: NotificationsModel

    @property
    def role(self) -> str:
        return self.account.role


SectionFactory = Callable[[SectionContext], "QWidget"]
#: ``badge(context, set_count)``: connect whatever changes the count, call ``set_count(n)``
Badge = Callable[[SectionContext, Callable[[int], None]], None]


@dataclass(frozen=True)
class Section:
    id: str
    #: Russian; translated when the page is built
    title: str
    roles: frozenset[str]
    factory: SectionFactory = field(compare=False)
    badge: Badge | None = field(default=None, compare=False)
    #: position in the list; workspaces use 0–899, sections every role sees 900 and up
    order: int = 500
    #: seen by every role whatever its workspace (settings, sync): it does not make a workspace
    common: bool = False


class SectionRegistry:
    def __init__(self, sections: Iterable[Section] = ()) -> None:
        self._sections: dict[str, Section] = {}
        self._discovered = False
        for s in sections:
            self.register(s)

    def register(self, section: Section) -> None:
        if section.id in self._sections:
            raise ValueError(f"section {section.id!r} is registered twice")
        unknown = section.roles - ROLES
        if unknown:
            raise ValueError(f"section {section.id!r}: unknown roles {sorted(unknown)}")
        self._sections[section.id] = section

    def get(self, section_id: str) -> Section:
        return self._sections[section_id]

    def __contains__(self, section_id: object) -> bool:
        return section_id in self._sections

    def for_role(self, role: str) -> list[Section]:
        """The role's sections in list order (registration order among equal ``order``)."""
        return sorted((s for s in self._sections.values() if role in s.roles), key=lambda s: s.order)

    def has_workspace(self, role: str) -> bool:
        return any(not s.common for s in self.for_role(role))

    def discover(self) -> None:
        """Register the ``SECTIONS`` of every ``desktop.views.<package>.workspace`` module (once)."""
        if self._discovered:
            return
        self._discovered = True
        views = importlib.import_module(VIEWS_PACKAGE)
        for info in sorted(pkgutil.iter_modules(views.__path__), key=lambda i: i.name):
            name = f"{VIEWS_PACKAGE}.{info.name}.workspace"
            if not info.ispkg or importlib.util.find_spec(name) is None:
                continue
            for section in getattr(importlib.import_module(name), "SECTIONS", ()):
                if section.id not in self._sections:
                    self.register(section)
