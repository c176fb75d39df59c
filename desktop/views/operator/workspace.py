"""The registry operator's workspace (role ``admin``), found by the shell like every workspace
(``views/shell/registry.py``). Everything in it asks the server: an operator's decision made
offline would only learn at the next sync that a colleague decided first."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.i18n import N_
from desktop.views.operator.common import reload_when_online
from desktop.views.shell.registry import Section, SectionContext

ADMIN = frozenset({"admin"})


def applications(ctx: SectionContext) -> QWidget:
    from desktop.views.operator.applications_view import ApplicationsView

    view = ApplicationsView(ctx.vault)
    return reload_when_online(view, ctx.events, view.reload)


def nmo(ctx: SectionContext) -> QWidget:
    from desktop.views.operator.nmo_view import NmoQueueView

    view = NmoQueueView(ctx.vault)
    return reload_when_online(view, ctx.events, view.reload)


def accounts(ctx: SectionContext) -> QWidget:
    from desktop.views.operator.accounts_view import AccountsView

    view = AccountsView(ctx.vault)
    return reload_when_online(view, ctx.events, view.reload)


def audit(ctx: SectionContext) -> QWidget:
    from desktop.views.operator.audit_view import AuditView

    view = AuditView(ctx.vault)
    return reload_when_online(view, ctx.events, view.reload)


def catalogue(ctx: SectionContext) -> QWidget:
    from desktop.views.operator.catalogue_view import CatalogueView

    view = CatalogueView(ctx.vault)
    return reload_when_online(view, ctx.events, view.reload)


SECTIONS: tuple[Section, ...] = (
    Section("op_applications", N_("Заявления"), ADMIN, applications, order=10),
    Section("op_nmo", N_("Баллы НМО"), ADMIN, nmo, order=20),
    Section("op_accounts", N_("Учётные записи"), ADMIN, accounts, order=30),
    Section("op_audit", N_("Журнал аудита"), ADMIN, audit, order=40),
    Section("op_catalogue", N_("Организации и программы"), ADMIN, catalogue, order=50),
)
