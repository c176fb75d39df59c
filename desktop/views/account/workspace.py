"""The account section, seen by every role (found by ``SectionRegistry.discover``)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.i18n import N_
from desktop.views.shell.registry import ROLES, Section, SectionContext


def account(ctx: SectionContext) -> QWidget:
    import shiboken6

    from desktop.views.account.account_view import AccountView, expiry_reminder
    from desktop.views.account.place import AccountPlace

    view = AccountView(AccountPlace(ctx.vault, ctx.store.repo, ctx.store.worker))
    notifications = ctx.notifications
    # A password about to expire joins the reminders when the record opens (signed in and
    # online only; otherwise nothing is said here — the section says it when opened).
    view.me_loaded.connect(lambda me: notifications.set_extra("server_password", expiry_reminder(me))
                           if shiboken6.isValid(notifications) else None)
    view.refresh_me()
    return view


SECTIONS: tuple[Section, ...] = (
    Section("account", N_("Учётная запись и безопасность"), ROLES, account, order=890, common=True),
)
