"""The role-aware shell: the vault's role (stored at login) decides the workspace; a section
registered for a role appears for that role only, without touching the shell; a role whose
workspace is not in this version gets a clear placeholder, not an empty doctor's «Профиль»;
the forms offer only what the shared workflow rules allow the role."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.models.repository import RecordRepository, remember_account
from desktop.vault.store import Vault
from desktop.vault.unlock import unwrap_data_key
from desktop.views.record.employment_view import EmploymentView
from desktop.views.shell.events import SETTINGS_CHANGED, EventBus
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.registry import Section, SectionContext, SectionRegistry
from desktop.views.shell.sections import WorkspacePlaceholder
from desktop.views.shell.session import Session
from desktop.views.widgets.record_dialog import RecordDialog
from desktop.views.widgets.record_form import EnumCombo
from tests.gui.conftest import PASS, Made, unlock, wait_worker_idle

# home: views/dashboards (issue 15); application, programmes: views/workflows (issue 14)
DOCTOR_IDS = ["home", "profile", "education", "qualification", "application", "employment", "nmo", "programmes",
              "documents", "requests", "reminders", "account", "settings"]


def set_role(folder: Path, role: str, orgs: list[dict[str, str]] | None = None) -> None:
    """As ``frmr login`` leaves the vault of an account of that role."""
    vault = Vault(folder, unwrap_data_key(folder, PASS))
    try:
        with vault.begin() as conn:
            remember_account(conn, role, orgs or [])
    finally:
        vault.close()


class HrDummy(QLabel):
    def __init__(self, ctx: SectionContext) -> None:
        super().__init__(f"{ctx.role}: {', '.join(o.inn for o in ctx.account.organizations)}")
        self.ctx = ctx


def register_hr_dummy(session: Session) -> None:
    # What the HR workspace of a later issue does from its own package: no shell code changes.
    session.window.register_section(Section("hr_staff", "Сотрудники", frozenset({"hr"}), HrDummy, order=10))


def open_vault(qtbot: QtBot, session: Session, made: Made) -> RecordPage:
    session.start(made.folder)
    unlock(qtbot, session)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    return page


def test_doctor_vault_opens_the_doctors_workspace(qtbot: QtBot, session: Session, made: Made) -> None:
    register_hr_dummy(session)
    page = open_vault(qtbot, session, made)
    assert session.account.role == "doctor"  # a vault that never stored a role
    assert page.ids == DOCTOR_IDS  # (sync adds its own two in the app)
    assert "hr_staff" not in page.ids and "workspace" not in page.ids
    assert isinstance(session.views["employment"], EmploymentView)


def test_hr_vault_shows_a_section_registered_for_hr(qtbot: QtBot, session: Session, made: Made) -> None:
    set_role(made.folder, "hr", [{"inn": "7707083893", "name": "ГКБ № 1"}])
    register_hr_dummy(session)
    page = open_vault(qtbot, session, made)
    # the HR workspace (views/hr/workspace.py), the one registered at run time, the common ones
    assert {"staff", "deadlines", "hr_staff", "settings"} <= set(page.ids)
    view = session.views["hr_staff"]
    assert isinstance(view, HrDummy)
    assert view.text() == "hr: 7707083893"  # the typed context carries the account
    assert view.ctx.store is session.store and view.ctx.role == "hr"
    assert "workspace" not in page.ids and "profile" not in page.ids  # not an empty doctor's «Профиль»


def test_the_operator_gets_the_console(qtbot: QtBot, session: Session, made: Made) -> None:
    """issue 15: the operator's workspace (views/operator) replaced the placeholder."""
    set_role(made.folder, "admin")
    page = open_vault(qtbot, session, made)
    assert page.ids[:4] == ["op_applications", "op_nmo", "op_accounts", "op_audit"]
    assert "workspace" not in page.ids
    assert not any(isinstance(v, WorkspacePlaceholder) for v in session.views.values())


def test_a_login_as_another_role_reopens_the_workspace(qtbot: QtBot, opened: Session) -> None:
    store = opened.store
    assert store is not None and opened.window.record is not None
    old = opened.window.record
    store.worker.submit(lambda: _remember(store.repo, "hr"))
    wait_worker_idle(qtbot, opened)
    store.reload()  # what a sync after the login does
    qtbot.waitUntil(lambda: opened.window.record is not old and opened.window.record is not None, timeout=10_000)
    assert opened.account.role == "hr" and store.role == "hr"
    assert opened.window.record.ids[0] == "staff"  # type: ignore[union-attr]


def _remember(repo: RecordRepository, role: str) -> None:
    with repo.vault.begin() as conn:
        remember_account(conn, role, [])


def test_registry_rejects_duplicates_and_unknown_roles() -> None:
    reg = SectionRegistry([Section("a", "А", frozenset({"doctor"}), lambda _c: QWidget())])
    with pytest.raises(ValueError, match="twice"):
        reg.register(Section("a", "Б", frozenset({"hr"}), lambda _c: QWidget()))
    with pytest.raises(ValueError, match="unknown roles"):
        reg.register(Section("b", "В", frozenset({"nurse"}), lambda _c: QWidget()))
    assert not reg.has_workspace("hr") and reg.has_workspace("doctor")


def test_event_subscriptions_end_with_their_owner(qtbot: QtBot) -> None:
    bus = EventBus()
    got: list[object] = []
    owner = QWidget()
    bus.subscribe(SETTINGS_CHANGED, got.append, owner)
    bus.publish(SETTINGS_CHANGED, {"a": 1})
    owner.deleteLater()
    qtbot.waitUntil(lambda: bus.subscribers(SETTINGS_CHANGED) == 0, timeout=2000)
    bus.publish(SETTINGS_CHANGED, {"a": 2})
    assert got == [{"a": 1}]


# -- forms follow the workflow rules ---------------------------------------------------------------
def _dialog(qtbot: QtBot, opened: Session, entity: str, row: dict[str, object] | None) -> RecordDialog:
    assert opened.store is not None
    dialog = RecordDialog(opened.store, entity, row)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


def test_doctor_form_does_not_offer_confirmed(qtbot: QtBot, opened: Session) -> None:
    store = opened.store
    assert store is not None
    new = _dialog(qtbot, opened, "employment", None)
    status = new.form.editors["status"]
    assert isinstance(status, EnumCombo)
    assert status.keys() == ["draft", "submitted"]
    assert "подтверждена" not in [status.itemText(i) for i in range(status.count())]

    draft = dict(store.rows("employment")[0], status="draft")
    edit = _dialog(qtbot, opened, "employment", draft)  # held: the dialog owns the form
    combo = edit.form.editors["status"]
    assert isinstance(combo, EnumCombo) and combo.keys() == ["draft", "submitted"]


def test_registry_fields_are_read_only_and_not_sent(qtbot: QtBot, opened: Session) -> None:
    store = opened.store
    assert store is not None
    app = store.rows("application")[0]  # the demo's decided application
    dialog = _dialog(qtbot, opened, "application", app)
    form = dialog.form
    number = form.editors["confirmation_number"]
    assert number.isReadOnly()  # type: ignore[attr-defined]
    assert number.text() == app["confirmation_number"]  # type: ignore[attr-defined]
    assert "confirmation_number" not in form.values() and "decision_comment" not in form.values()


def test_form_refusal_shows_the_russian_message(qtbot: QtBot, opened: Session) -> None:
    """A status the form does not offer cannot be typed in either: the repository says why."""
    store = opened.store
    assert store is not None
    card = next(r for r in store.rows("employment") if r["status"] == "confirmed")
    dialog = _dialog(qtbot, opened, "employment", card)
    dialog.form.editors["rate"].setText("0.5")  # type: ignore[attr-defined]
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.form.error_labels["status"].text() == "Подтверждённую карточку меняет только кадровая служба"
    wait_worker_idle(qtbot, opened)
    assert next(r for r in store.rows("employment") if r["id"] == card["id"])["rate"] == card["rate"]
