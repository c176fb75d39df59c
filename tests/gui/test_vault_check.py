"""«Проверить хранилище» in «Настройки»: real widgets (offscreen), a real SQLCipher vault, the
check in the DB worker (not the GUI thread), the result in words on a healthy and a damaged vault."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.i18n import set_language
from desktop.vault import store
from desktop.vault.integrity import FileReport
from desktop.vault.store import Vault
from desktop.views.access.settings_view import SettingsView
from desktop.views.shell.session import Session
from tests.gui.conftest import PASS, Made, unlock, wait_worker_idle

PAGE_SIZE = 4096


def _settings(qtbot: QtBot, s: Session) -> SettingsView:
    page = s.window.record
    assert page is not None
    page.select("Настройки")
    view = s.views["settings"]
    assert isinstance(view, SettingsView)
    qtbot.waitUntil(view.isVisible, timeout=5000)
    return view


def _run_check(qtbot: QtBot, view: SettingsView) -> str:
    assert view.check_button.isEnabled()
    qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    assert not view.check_button.isEnabled()  # no second check while one runs
    assert "Проверка хранилища…" in view.check_label.text()
    qtbot.waitUntil(view.check_button.isEnabled, timeout=20_000)
    return view.check_label.text()


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads the page check ran in."""
    seen: list[str] = []
    real = store.check_file

    def spy(db_path: Path, key: bytes) -> FileReport:
        seen.append(threading.current_thread().name)
        return real(db_path, key)

    monkeypatch.setattr(store, "check_file", spy)
    return seen


def test_healthy_vault_is_reported_in_order(qtbot: QtBot, opened: Session, threads: list[str]) -> None:
    view = _settings(qtbot, opened)
    text = _run_check(qtbot, view)
    assert text.startswith("Хранилище в порядке"), text
    assert "структура базы цела" in text and "журнал изменений не нарушен" in text
    # The DB worker ran it; the GUI thread only showed the result.
    assert threads and threads[0] != threading.main_thread().name


def _damage_secrets_table(folder: Path) -> int:
    """One byte of the secrets table's page, found from its root page in the decrypted schema.
    Opening the record does not read that table, so the record opens as if nothing were wrong."""
    with Vault.open(folder, PASS) as v, v.read() as conn:
        page = int(conn.exec_driver_sql("SELECT rootpage FROM sqlite_schema WHERE name = 'secret'").scalar_one())
        assert int(conn.exec_driver_sql("PRAGMA cipher_page_size").scalar_one()) == PAGE_SIZE
    db = folder / "vault.db"
    data = bytearray(db.read_bytes())
    data[(page - 1) * PAGE_SIZE + 300] ^= 0x01
    db.write_bytes(bytes(data))
    return page


def test_damaged_vault_is_reported_with_what_to_do(qtbot: QtBot, session: Session, made: Made) -> None:
    page = _damage_secrets_table(made.folder)
    session.start(made.folder)
    unlock(qtbot, session)
    view = _settings(qtbot, session)
    text = _run_check(qtbot, view)
    assert text.startswith("Хранилище повреждено:"), text
    assert f"Повреждена страница {page} " in text and "таблица secret" in text
    assert "резервной копии" in text and "ключом восстановления" in text
    assert "Traceback" not in text
    # The record stays open; the person decides what to do.
    assert session.window.record is not None


def test_result_in_english(qtbot: QtBot, session: Session, made: Made) -> None:
    _damage_secrets_table(made.folder)
    set_language("en")
    try:
        session.start(made.folder)
        unlock(qtbot, session)
        page = session.window.record
        assert page is not None
        page.select("Settings")
        view = session.views["settings"]
        assert isinstance(view, SettingsView)
        assert view.check_button.text() == "Check the vault"
        qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(view.check_button.isEnabled, timeout=20_000)
        assert view.check_label.text().startswith("The vault is damaged:")
        assert "What to do" in view.check_label.text()
    finally:
        set_language("ru")


def test_lock_while_the_check_runs(qtbot: QtBot, opened: Session) -> None:
    """The vault is locked (auto-lock, Ctrl+L) while the check is queued or running: the
    result arrives for a page that is gone, and nothing breaks."""
    view = _settings(qtbot, opened)
    qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    opened.lock()
    wait_worker_idle(qtbot, opened)
    qtbot.wait(50)
    assert opened.vault is None
