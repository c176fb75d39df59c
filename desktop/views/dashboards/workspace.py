"""The dashboards' sections, found by the shell (``views/shell/registry.py``) like every
workspace (issue 15): the doctor's «Главная», first after unlock, and the manager's «Показатели»,
after the staff list, which stays the manager's first section."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.i18n import N_
from desktop.views.shell.registry import Section, SectionContext

MANAGER = frozenset({"manager"})
DOCTOR = frozenset({"doctor"})


def home(ctx: SectionContext) -> QWidget:
    from desktop.views.dashboards.home_view import HomeView

    return HomeView(ctx.store, ctx.settings)


def figures(ctx: SectionContext) -> QWidget:
    from desktop.views.dashboards.manager_view import ManagerDashboard

    orgs = [(o.inn, o.name) for o in ctx.account.organizations if o.inn]
    return ManagerDashboard(ctx.vault, orgs)


SECTIONS: tuple[Section, ...] = (
    # the doctor's first section after unlock
    Section("home", N_("Главная"), DOCTOR, home, order=5),
    Section("dashboard", N_("Показатели"), MANAGER, figures, order=30),
)
