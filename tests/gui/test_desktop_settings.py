"""Issue 16 item 1: a bad ``settings.json`` never locks a person out, and any failure after the
passphrase was accepted gives back a usable unlock screen."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from tests.gui.conftest import PASS, Made, unlock


def _warning_box() -> QMessageBox | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.objectName() == "settings_warnings" and w.isVisible():
            return w
    return None


def test_a_hand_written_bad_auto_lock_opens_the_record_and_says_which_value(
        qtbot: QtBot, session: Session, made: Made) -> None:
    (made.folder / "settings.json").write_text(
        json.dumps({"auto_lock_minutes": "15 мин", "language": "ru"}, ensure_ascii=False), encoding="utf-8")
    session.start(made.folder)
    unlock(qtbot, session)
    assert isinstance(session.window.current_page(), RecordPage)
    assert session.settings["auto_lock_minutes"] == 15
    assert session.idle._timer.interval() == 15 * 60_000
    qtbot.waitUntil(lambda: _warning_box() is not None, timeout=5_000)
    box = _warning_box()
    assert box is not None
    assert "auto_lock_minutes" in box.text() and "15 мин" in box.text()
    box.close()


def test_a_failure_after_unlock_gives_back_a_usable_unlock_screen(
        qtbot: QtBot, session: Session, made: Made, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.views.record import record_store

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("сбой при открытии записи")

    session.start(made.folder)
    monkeypatch.setattr(record_store.RecordStore, "__init__", broken)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText(PASS)
    view.unlock_button.click()
    assert view.status.text() == "Проверка парольной фразы…"

    def back() -> bool:
        page = session.window.current_page()
        return isinstance(page, UnlockView) and page is not view and bool(page.status.text())

    qtbot.waitUntil(back, timeout=10_000)
    again = session.window.current_page()
    assert isinstance(again, UnlockView)
    assert again.unlock_button.isEnabled() and again.passphrase.isEnabled()
    assert "Проверка парольной фразы" not in again.status.text()
    assert session.vault is None and session.store is None
    # The cause gone, the same screen unlocks.
    monkeypatch.undo()
    unlock(qtbot, session)
    assert isinstance(session.window.current_page(), RecordPage)
