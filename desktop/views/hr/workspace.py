"""The HR clerk's workspace (``hr``) and the organization manager's (``manager``, read-only).

Found by the shell (``views/shell/registry.py``) like the doctor's ``views/record/workspace.py``;
each factory imports its own section's module when the section is first built.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.i18n import N_
from desktop.views.shell.registry import Section, SectionContext

STAFF_ROLES = frozenset({"hr", "manager"})


def _save_settings(ctx: SectionContext, settings: dict[str, Any]) -> None:
    from desktop.vault.profiles import save_settings
    from desktop.views.runtime.ops import Op

    folder, values = ctx.folder, dict(settings)
    # A file write: off the GUI thread like every other piece of work.
    Op(None, partial(save_settings, folder, values), pool=True).failure(lambda _e: None).run()


def staff(ctx: SectionContext) -> QWidget:
    from desktop.views.hr.staff_view import StaffView

    orgs = [(o.inn, o.name) for o in ctx.account.organizations if o.inn]
    return StaffView(ctx.store, orgs, ctx.settings, read_only=ctx.role != "hr",
                     save_settings=partial(_save_settings, ctx))


def deadlines(ctx: SectionContext) -> QWidget:
    from desktop.views.hr.deadlines_view import DeadlinesView

    orgs = [o.inn for o in ctx.account.organizations if o.inn]
    return DeadlinesView(ctx.store, orgs[0] if orgs else None)


def confirmations(ctx: SectionContext) -> QWidget:
    from desktop.views.hr.confirmations_view import ConfirmationsView

    return ConfirmationsView(ctx.store, ctx.vault)


SECTIONS: tuple[Section, ...] = (
    Section("staff", N_("Сотрудники"), STAFF_ROLES, staff, order=10),
    # the decision is the clerk's (the server refuses it from a manager)
    Section("confirmations", N_("Подтверждение трудоустройства"), frozenset({"hr"}), confirmations, order=15),
    Section("deadlines", N_("Сроки"), STAFF_ROLES, deadlines, order=20),
)
