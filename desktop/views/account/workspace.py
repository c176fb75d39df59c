"""The account section, seen by every role (found by ``SectionRegistry.discover``)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.views.shell.registry import ROLES, Section, SectionContext


def account(ctx: SectionContext) -> QWidget:
    from desktop.views.account.account_view import AccountView
    from desktop.views.account.place import AccountPlace

    return AccountView(AccountPlace(ctx.vault, ctx.store.repo, ctx.store.worker))


SECTIONS: tuple[Section, ...] = (
    Section("account", "Учётная запись и безопасность", ROLES, account, order=890, common=True),
)
