"""The window with sync attached, as ``frmr-desktop --demo`` runs it: the embedded demo server
starts, the demo doctor is logged in, the status bar goes online, an edit goes out, a card the
clerk changed on the server shows in «Трудовая деятельность», and a relock/unlock (a second
demo start) keeps the port and pulls nothing again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from desktop.demo import DEMO_PASSPHRASE, ORG_GKB, PERSON_ID, _id, ensure_demo_profile
from desktop.i18n import set_language
from desktop.sync.embedded import DemoServer
from desktop.views.access.unlock_view import UnlockView
from desktop.views.record.employment_view import EmploymentView
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.session import Session
from desktop.views.sync.sync_wiring import SyncWiring, attach_sync
from tests.sync.world import Replica


def _unlock(qtbot: QtBot, window: MainWindow, session: Session) -> None:
    view = window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText(DEMO_PASSPHRASE)
    with qtbot.waitSignal(session.record_shown, timeout=20_000):
        view.unlock_button.click()


def _clerk_closes_card(demo: DemoServer, folder: Path, card: str) -> None:
    """The HR clerk of the ГКБ, on its own desktop, closes the doctor's card there."""
    import pyotp

    acc = demo.accounts["hr1"]
    hr = Replica(folder, demo.base_url)
    try:
        hr.login("hr1", acc["password"], pyotp.TOTP(acc["totp_secret"]).now())
        assert hr.sync().outcome == "converged"
        hr.repo.edit("employment", card, {"end_date": "2025-12-31", "end_reason": "перевод"})
        assert hr.sync().outcome == "converged"
    finally:
        hr.close()


def _after_unlock_sync(qtbot: QtBot, wiring: SyncWiring) -> dict[str, object]:
    qtbot.waitUntil(lambda: wiring.controller is not None, timeout=5_000)
    ctl = wiring.controller
    assert ctl is not None
    with qtbot.waitSignal(ctl.synced, timeout=30_000) as got:
        pass
    report: dict[str, object] = got.args[0]
    assert report["outcome"] == "converged", report
    return report


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
        _unlock(qtbot, window, session)
        _after_unlock_sync(qtbot, wiring)
        ctl = wiring.controller
        assert ctl is not None
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


        # A pull brings the clerk's change: the visible table and the стаж follow it.
        employment = session.views["employment"]
        assert isinstance(employment, EmploymentView)
        card = _id("employment-1")
        row = employment.model.row_at(employment.model.row_of(card))
        assert row is not None and row["org_inn"] == ORG_GKB["org_inn"] and not row["end_date"]
        seniority = employment.total_label.text()
        demo = wiring.demo_server
        _clerk_closes_card(demo, tmp_path / "hr", card)
        with qtbot.waitSignal(ctl.synced, timeout=30_000) as got:
            wiring.sync_now()
        assert got.args[0]["pulled"] >= 1, got.args[0]
        proxy = employment.table.proxy
        qtbot.waitUntil(lambda: any(proxy.index(r, c).data() == "31.12.2025" for r in range(proxy.rowCount())
                                    for c in range(proxy.columnCount())), timeout=10_000)
        assert employment.total_label.text() != seniority

        port = demo.port
        session.lock()
        qtbot.waitUntil(lambda: not demo.running, timeout=15_000)

        # A second demo start (unlock again): the same port, so nothing is pulled afresh.
        _unlock(qtbot, window, session)
        report = _after_unlock_sync(qtbot, wiring)
        assert wiring.demo_server is not None and wiring.demo_server.port == port
        assert report["pulled"] == 0, report
        demo = wiring.demo_server
        session.lock()
        qtbot.waitUntil(lambda: not demo.running, timeout=15_000)
    finally:
        window.close()
        session.idle.stop()  # a test that never locked leaves no filter on the next test's windows
