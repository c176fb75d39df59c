"""The dialogs in English (issue 16, item 10): the sections' walk (test_english_walk.py) reads the
window; these are built on demand, so each is built here over a real vault, in English, and
read the same way — no Russian except record data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desktop.diagnostics.logging_setup import MemoryLog
from desktop.i18n import LANGUAGES
from desktop.models.schema import ENTITIES
from desktop.models.staff import END_REASONS
from desktop.vault.store import Vault
from desktop.vault.unlock import unwrap_data_key
from desktop.views.backup.backup_dialog import BackupDialog
from desktop.views.backup.restore_dialog import RestoreDialog
from desktop.views.documents.cert_dialogs import CertImportDialog, PasswordDialog
from desktop.views.documents.generate_dialog import GenerateDialog
from desktop.views.hr.card_dialog import CardDialog, CloseDialog
from desktop.views.hr.import_wizard import ImportWizard
from desktop.views.hr.person_card import PersonCard
from desktop.views.hr.request_dialog import RequestDialog
from desktop.views.hr.staff_view import AddPersonDialog
from desktop.views.operator.accounts_view import NewAccountDialog
from desktop.views.shell.session import Session
from desktop.views.sync.sync_journal import SyncJournal
from desktop.views.widgets.record_dialog import RecordDialog
from tests.gui.conftest import PASS, Made, unlock
from tests.gui.hr_vault import GKB, make_hr_vault
from tests.gui.test_english_walk import _report, english, record_data, russian_left

__all__ = ["english"]  # the fixture: English before the window is built


def _open(qtbot: QtBot, session: Session, folder: Path) -> None:
    session.start(folder)
    unlock(qtbot, session)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=15_000)


def _check(qtbot: QtBot, dialogs: dict[str, QDialog], folder: Path, extra: list[str]) -> dict[str, list[str]]:
    data = record_data(folder, [*extra, *LANGUAGES.values()])
    found: dict[str, list[str]] = {}
    for name, dialog in dialogs.items():
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.wait(100)
        left = russian_left(dialog, data)
        if left:
            found[name] = left
        dialog.close()
    return found


def test_the_doctors_dialogs_in_english(qtbot: QtBot, english: None, session: Session, made: Made) -> None:
    _open(qtbot, session, made.folder)
    store = session.store
    assert store is not None and session.profile is not None and session.vault is not None
    dialogs: dict[str, QDialog] = {}
    for entity in ENTITIES:
        rows = store.rows(entity)
        dialogs[f"add {entity}"] = RecordDialog(store, entity)
        if rows:
            dialogs[f"edit {entity}"] = RecordDialog(store, entity, rows[0])
    dialogs.update({
        "certificate import": CertImportDialog(), "certificate password": PasswordDialog(3),
        "generate": GenerateDialog(), "sync journal": SyncJournal(MemoryLog()),
        "backup": BackupDialog(session.vault, session.profile, session.worker),
        "restore": RestoreDialog(made.root, session.profile, made.folder),
        "new account": NewAccountDialog(),
    })
    found = _check(qtbot, dialogs, made.folder, ["Тестовый профиль"])
    assert not found, _report(found)


def test_the_hr_dialogs_in_english(qtbot: QtBot, english: None, session: Session, profiles: Path) -> None:
    folder = make_hr_vault(profiles, 20)
    vault = Vault(folder, unwrap_data_key(folder, PASS))
    try:
        with vault.read() as conn:
            person_id = str(conn.exec_driver_sql("SELECT id FROM rec_person LIMIT 1").scalar())
    finally:
        vault.close()
    _open(qtbot, session, folder)
    store = session.store
    assert store is not None
    nsi = store.nsi

    def save(_values: dict[str, Any]) -> None:
        return None

    dialogs: dict[str, QDialog] = {
        "add person": AddPersonDialog(store), "import": ImportWizard(store),
        "request": RequestDialog(store, [person_id], "1"),
        "card": CardDialog(nsi, "hr", save, org_name=GKB["name"]),  # type: ignore[arg-type]
        "close card": CloseDialog("1", transfer=False, nsi=nsi, positions=[], subdivisions=[]),
        "transfer": CloseDialog("1", transfer=True, nsi=nsi, positions=[], subdivisions=[]),
        "person card": PersonCard(store, person_id, GKB["inn"], GKB["name"], read_only=False),
    }
    # The dismissal reasons offered are the Labour Code's wording, saved into the card as typed:
    # record data in Russian, like the rest of the card (docs/i18n.md).
    found = _check(qtbot, dialogs, folder, ["Кадровик", *END_REASONS, "Перевод на другую должность"])
    assert not found, _report(found)
