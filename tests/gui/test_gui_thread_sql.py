"""The GUI thread runs no SQL: every statement on the vault's connections (SQLCipher's own trace,
so raw connections and SQLAlchemy's alike) is recorded with its thread during unlock → edit →
save → sync → lock, with the embedded demo server on loopback; any on the GUI thread fails."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from pytestqt.qtbot import QtBot

from desktop.demo import DEMO_PASSPHRASE, PERSON_ID, ensure_demo_profile
from desktop.i18n import set_language
from desktop.vault import store as vault_store
from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.session import Session
from desktop.views.sync.sync_wiring import attach_sync


class _Statements:
    def __init__(self) -> None:
        self.gui = threading.get_ident()
        self.on_gui: list[str] = []
        self.total = 0
        self.lock = threading.Lock()
        #: off while the test builds its demo profile (that is the test's thread, not the app)
        self.armed = False

    def seen(self, sql: str) -> None:
        if not self.armed:
            return
        with self.lock:
            self.total += 1
            if threading.get_ident() == self.gui:
                # The key never goes into a report.
                self.on_gui.append("PRAGMA key = …" if "key" in sql.lower() else sql[:160])


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> _Statements:
    seen = _Statements()
    real = sqlcipher3.connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        seen.seen("<connect>")
        conn = real(*args, **kwargs)
        conn.set_trace_callback(seen.seen)
        return conn

    monkeypatch.setattr(vault_store.sqlcipher3, "connect", connect)
    return seen


def test_no_sql_on_the_gui_thread(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  statements: _Statements) -> None:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    root = tmp_path / "profiles"
    monkeypatch.setenv("FRMR_PROFILES_DIR", str(root))
    set_language("ru")
    folder = ensure_demo_profile(root)
    statements.armed = True
    window = MainWindow()
    qtbot.addWidget(window)
    session = Session(window, root)
    wiring = attach_sync(session, window, demo=True)
    window.show()
    try:
        session.start(folder)
        view = window.current_page()
        assert isinstance(view, UnlockView)
        view.passphrase.setText(DEMO_PASSPHRASE)
        with qtbot.waitSignal(session.record_shown, timeout=20_000):
            view.unlock_button.click()
        qtbot.waitUntil(lambda: wiring.controller is not None, timeout=10_000)
        ctl = wiring.controller
        assert ctl is not None
        qtbot.waitUntil(lambda: wiring.demo_server is not None, timeout=20_000)
        qtbot.waitUntil(lambda: not ctl.running, timeout=30_000)
        page = window.record
        assert page is not None
        qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)  # every section built

        # An edit, saved; the sync that follows it; then a sync by hand.
        store = session.store
        assert store is not None
        with qtbot.waitSignal(ctl.synced, timeout=30_000):
            store.save("person", PERSON_ID, {"email": "no-gui-sql@example.ru"})
        with qtbot.waitSignal(ctl.synced, timeout=30_000):
            wiring.sync_now()
        qtbot.waitUntil(lambda: not session.worker.busy, timeout=10_000)

        demo = wiring.demo_server
        session.lock()
        qtbot.waitUntil(lambda: not session.worker.busy, timeout=10_000)
        if demo is not None:
            qtbot.waitUntil(lambda: not demo.running, timeout=15_000)
    finally:
        window.close()
        session.idle.stop()
    assert statements.total > 0  # the hook saw the vault at work
    assert statements.on_gui == [], f"{len(statements.on_gui)} statements on the GUI thread: {statements.on_gui[:30]}"
