"""The window with sync attached, as ``frmr-desktop --demo`` runs it: the embedded demo server
starts, the demo doctor is logged in, the status bar goes online, an edit goes out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from desktop.demo import DEMO_PASSPHRASE, PERSON_ID, ensure_demo_profile
from desktop.i18n import set_language
from desktop.views.main_window import MainWindow
from desktop.views.session import Session
from desktop.views.sync_wiring import attach_sync
from desktop.views.unlock_view import UnlockView


def test_demo_window_syncs_with_embedded_server(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
    try:
        session.start(folder)
        view = window.current_page()
        assert isinstance(view, UnlockView)
        view.passphrase.setText(DEMO_PASSPHRASE)
        with qtbot.waitSignal(session.record_shown, timeout=20_000):
            view.unlock_button.click()
        qtbot.waitUntil(lambda: wiring.controller is not None, timeout=5_000)
        ctl = wiring.controller
        assert ctl is not None
        with qtbot.waitSignal(ctl.synced, timeout=30_000) as got:
            pass
        assert got.args[0]["outcome"] == "converged", got.args[0]
        assert wiring.demo_server is not None and wiring.demo_server.running
        text = window.statusbar_widgets["sync"].text()
        assert "В сети" in text and "синхронизировано" in text
        store = session.store
        assert store is not None
        with qtbot.waitSignal(ctl.synced, timeout=30_000) as got:
            store.save("person", PERSON_ID, {"email": "demo-gui@example.ru"})
        assert got.args[0]["applied"] == 1
        record = window.record
        assert record is not None
        titles = [record.nav.item(i).text() for i in range(record.nav.count())]
        assert any(t.startswith("Конфликты") for t in titles)
        assert any(t.startswith("Отклонено сервером") for t in titles)
        demo = wiring.demo_server
        session.lock()
        qtbot.waitUntil(lambda: not demo.running, timeout=15_000)
    finally:
        window.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(session.idle)
