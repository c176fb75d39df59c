"""The local journal records unlocks and the failed unlocks before them (issue 18), through the
real unlock screen; the failures are journaled at the next successful unlock, since a closed
vault cannot be written."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.models.journal import local_entries
from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.session import Session
from tests.gui.conftest import Made, unlock, wait_worker_idle


def test_failed_unlocks_then_unlock_are_journaled(qtbot: QtBot, session: Session, made: Made) -> None:
    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    for n in (1, 2):
        view.passphrase.setText("совсем-не-та-фраза")
        view.unlock_button.click()
        shown = f"неудачных попыток: {n}"
        qtbot.waitUntil(lambda: shown in view.status.text(), timeout=10_000)  # noqa: B023 (waited on here)
    unlock(qtbot, session)
    wait_worker_idle(qtbot, session)
    assert session.store is not None
    entries = local_entries(session.store.repo)
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["unlock", "unlock_failed"], actions[:5]
    assert entries[1]["fields"] == ["попыток: 2"] and entries[1]["kind"] == "login"
    assert entries[0]["fields"] == ["passphrase"]
    assert session.store.repo.verify_journal().ok
