"""The dashboards' sections, found by the shell (``views/shell/registry.py``) like every
workspace: the manager's «Показатели» (issue 15). It comes after the staff list, which stays
the manager's first section."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.views.shell.registry import Section, SectionContext

MANAGER = frozenset({"manager"})


def figures(ctx: SectionContext) -> QWidget:
    from desktop.views.dashboards.manager_view import ManagerDashboard

    orgs = [(o.inn, o.name) for o in ctx.account.organizations if o.inn]
    return ManagerDashboard(ctx.vault, orgs)


SECTIONS: tuple[Section, ...] = (
    Section("dashboard", "Показатели", MANAGER, figures, order=30),
)
