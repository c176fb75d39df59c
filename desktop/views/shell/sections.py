"""The sections every workspace has (settings), and the placeholder of a role whose workspace
has not shipped yet.

Kept out of ``session`` so that the first screen (profile chooser, unlock) does not import
the record stack behind them; the workspaces' own sections live in their packages
(``views/record/workspace.py`` for the doctor) and are found by ``SectionRegistry.discover``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.i18n import N_, tr
from desktop.views.shell.events import SETTINGS_CHANGED
from desktop.views.shell.notifications_view import NotificationsModel
from desktop.views.shell.registry import ROLES, Section, SectionContext

__all__ = ["COMMON", "PLACEHOLDER_TEXTS", "NotificationsModel", "placeholder_section"]

#: what an account of a role whose workspace is a later version sees instead of it
PLACEHOLDER_TEXTS: dict[str, str] = {
    "doctor": N_("Рабочее место медицинского работника недоступно в этой версии"),
    "hr": N_("Рабочее место кадровика появится в следующей версии"),
    "manager": N_("Рабочее место руководителя организации появится в следующей версии"),
    "admin": N_("Рабочее место оператора регистра появится в следующей версии"),
}
ROLE_NAMES: dict[str, str] = {
    "doctor": N_("медицинский работник"),
    "hr": N_("кадровая служба"),
    "manager": N_("руководитель организации"),
    "admin": N_("оператор регистра"),
}
PLACEHOLDER_TITLE = N_("Рабочее место")


def settings(ctx: SectionContext) -> QWidget:
    from collections.abc import Callable
    from typing import Any

    from desktop.vault.integrity import check_vault
    from desktop.vault.passphrase import personal_inputs
    from desktop.views.access.settings_view import SettingsView
    from desktop.views.runtime.ops import Op

    store, vault = ctx.store, ctx.vault
    repo = store.repo

    def start_check(done: Callable[[Any], None], failed: Callable[[BaseException], None]) -> None:
        # The DB worker: every page of the file is read, which the GUI thread must not wait on.
        Op(view, lambda: check_vault(vault, repo), worker=store.worker).success(done).failure(failed).run()

    view = SettingsView(ctx.folder, ctx.settings, vault.change_passphrase, check_vault=start_check)
    # A new passphrase is rated against the person's own name and birth date (held in memory).
    view.new.set_user_inputs(personal_inputs(store.person()))
    view.settings_changed.connect(lambda s: ctx.events.publish(SETTINGS_CHANGED, s))
    return view


class WorkspacePlaceholder(QWidget):
    """Says plainly that this account's workspace is not in this version (instead of showing
    it an empty «Профиль» of a medical worker)."""

    def __init__(self, ctx: SectionContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        role = ctx.role
        self.headline = QLabel(tr(PLACEHOLDER_TEXTS.get(role, PLACEHOLDER_TEXTS["admin"])))
        self.headline.setObjectName("workspace_placeholder")
        self.headline.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.headline.setWordWrap(True)
        lines = [tr("Учётная запись этого хранилища: {role}.").format(role=tr(ROLE_NAMES.get(role, role)))]
        if ctx.account.organizations:
            names = ", ".join(tr("{name} (ИНН {inn})").format(name=o.name, inn=o.inn)
                              for o in ctx.account.organizations)
            lines.append(tr("Организации: {names}.").format(names=names))
        lines.append(tr("Данные синхронизируются и хранятся зашифрованными на этом компьютере; "
                        "настройки и синхронизация доступны в своих разделах."))
        self.details = QLabel("\n".join(lines))
        self.details.setObjectName("workspace_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.headline)
        layout.addWidget(self.details)
        layout.addStretch(2)


def placeholder_section(role: str) -> Section:
    return Section("workspace", PLACEHOLDER_TITLE, frozenset({role}), WorkspacePlaceholder, order=0)


#: the shell's own sections, seen by every role
COMMON: tuple[Section, ...] = (
    Section("settings", N_("Настройки"), ROLES, settings, order=900, common=True),
)
