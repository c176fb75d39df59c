"""Issue 16 items 5 and 6: sync a person can trust. The status bar never says «В сети» on a profile
that never logged in and offers «Войти…»; the engine's progress shows in the status bar; closing
with unsent changes offers «Синхронизировать и выйти», which sends them and then closes; the
«Журнал синхронизации» holds each attempt as text that can be copied."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.demo import DEMO_PASSPHRASE, PERSON_ID, ensure_demo_profile
from desktop.i18n import set_language
from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.session import Session
from desktop.views.sync.sync_journal import SyncJournal
from desktop.views.sync.sync_wiring import attach_sync
from tests.gui.conftest import Made, unlock


def test_a_profile_that_never_logged_in_is_not_online_and_offers_login(
        qtbot: QtBot, session: Session, made: Made) -> None:
    wiring = attach_sync(session, session.window)
    session.start(made.folder)
    unlock(qtbot, session)
    qtbot.waitUntil(lambda: wiring.controller is not None, timeout=10_000)
    ctl = wiring.controller
    assert ctl is not None
    qtbot.waitUntil(lambda: "Войти…" in session.window.statusbar_widgets["sync"].text(), timeout=15_000)
    text = session.window.statusbar_widgets["sync"].text()
    assert "В сети" not in text and "Вход на сервер не выполнен" in text
    assert "frmr login" not in text  # no CLI instruction in the window
    assert "href='login'" in text
    # The journal has the attempt; its text is what the clipboard gets.
    assert any("sync: login_needed" in line for line in wiring.journal.lines())
    wiring.show_journal()
    journal = session.window.findChild(SyncJournal)
    assert journal is not None
    assert "login_needed" in journal.text.toPlainText()
    journal.copy()
    assert QApplication.clipboard().text() == journal.text.toPlainText()
    journal.close()
    session.lock()


@pytest.fixture
def demo_window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    root = tmp_path / "profiles"
    monkeypatch.setenv("FRMR_PROFILES_DIR", str(root))
    set_language("ru")
    folder = ensure_demo_profile(root)
    window = MainWindow()
    qtbot.addWidget(window)
    session = Session(window, root)
    wiring = attach_sync(session, window, demo=True)
    window.show()
    yield window, session, wiring, folder
    session.idle.stop()
    if window.isVisible():
        wiring._closing_ok = True
        window.close()


def _click_when_shown(qtbot: QtBot, name: str, button_text: str) -> list[str]:
    """Answers the modal question the window asks (``exec``) as a person would."""
    asked: list[str] = []

    def answer() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible():
                asked.append(w.text())
                button = next(b for b in w.findChildren(QPushButton) if b.text() == button_text)
                button.click()
                return
        timer.start()  # not shown yet

    from PySide6.QtCore import QTimer

    timer = QTimer(singleShot=True, interval=50)
    timer.timeout.connect(answer)
    timer.start()
    return asked


def test_progress_and_sync_then_quit(qtbot: QtBot, demo_window) -> None:  # type: ignore[no-untyped-def]
    window, session, wiring, folder = demo_window
    session.start(folder)
    view = window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText(DEMO_PASSPHRASE)
    with qtbot.waitSignal(session.record_shown, timeout=20_000):
        view.unlock_button.click()
    qtbot.waitUntil(lambda: wiring.controller is not None, timeout=10_000)
    ctl = wiring.controller
    progress: list[str] = []
    ctl.progress.connect(lambda *_a: progress.append(wiring.progress_label.text()))
    with qtbot.waitSignal(ctl.synced, timeout=30_000) as first:  # the sync at start
        pass
    assert first.args[0]["outcome"] == "converged", first.args[0]
    assert progress and all(t.startswith("Синхронизация") for t in progress)
    assert any("страница" in t for t in progress), progress
    assert not wiring.progress_label.isVisible()  # gone once the sync is over
    assert "В сети" in window.statusbar_widgets["sync"].text()

    # Settled (every section built, the conflict and rejection views read): no sync runs on its
    # own until the next timer — reading those views once started one every two seconds.
    page = window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    idle_syncs: list[object] = []
    ctl.synced.connect(idle_syncs.append)
    qtbot.wait(5_000)
    assert idle_syncs == []

    # An edit not sent yet (the debounce is 2 s), then the window is closed.
    store = session.store
    assert store is not None
    with qtbot.waitSignal(store.changed, timeout=5_000):
        store.save("person", PERSON_ID, {"email": "quit-sync@example.ru"})
    ctl.debounce.stop()
    ctl.refresh_status()
    qtbot.waitUntil(lambda: int(ctl.status.get("pending", 0)) == 1, timeout=5_000)
    asked = _click_when_shown(qtbot, "quit_unsent", "Синхронизировать и выйти")
    with qtbot.waitSignal(ctl.synced, timeout=30_000) as last:
        window.close()
        assert window.isVisible()  # kept open while the sync runs
    assert asked and "1 изменение не отправлено" in asked[0]
    assert last.args[0]["outcome"] == "converged" and last.args[0]["applied"] == 1
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert session.vault is None  # locked on the way out


def test_quitting_without_syncing_keeps_the_changes(qtbot: QtBot, demo_window) -> None:  # type: ignore[no-untyped-def]
    window, session, wiring, folder = demo_window
    session.start(folder)
    view = window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText(DEMO_PASSPHRASE)
    with qtbot.waitSignal(session.record_shown, timeout=20_000):
        view.unlock_button.click()
    qtbot.waitUntil(lambda: wiring.controller is not None, timeout=10_000)
    ctl = wiring.controller
    with qtbot.waitSignal(ctl.synced, timeout=30_000):
        pass
    store = session.store
    assert store is not None
    with qtbot.waitSignal(store.changed, timeout=5_000):
        store.save("person", PERSON_ID, {"email": "stay@example.ru"})
    ctl.debounce.stop()
    ctl.refresh_status()
    qtbot.waitUntil(lambda: int(ctl.status.get("pending", 0)) == 1, timeout=5_000)
    # «Отмена» keeps the window; «Выйти без синхронизации» closes it at once.
    _click_when_shown(qtbot, "quit_unsent", "Отмена")
    window.close()
    assert window.isVisible() and session.vault is not None
    _click_when_shown(qtbot, "quit_unsent", "Выйти без синхронизации")
    window.close()
    assert not window.isVisible()
