"""The tray icon's controller (issue 14) on real widgets over a real vault (the demo record):
the tooltip follows the sync state and the lock, a notice that a sync brings becomes one
message, the menu's «Синхронизировать» / «Заблокировать сейчас» / «Открыть» act on the window,
and the ``tray_icon`` setting turns the messages off. Offscreen there is no tray
(``isSystemTrayAvailable()`` false): no icon is made and the app works without it; the logic
is the same."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from desktop.i18n import trn
from desktop.models.checkdigits import make_inn10
from desktop.views.runtime.ops import Op
from desktop.views.shell.events import SETTINGS_CHANGED, EventBus
from desktop.views.shell.session import Session
from desktop.views.tray.tray_icon import TrayController, plain
from desktop.views.workflows.notices_panel import NoticesFeed
from tests.gui.conftest import Made, unlock, wait_worker_idle

INN = make_inn10("770212345")


def _open(qtbot: QtBot, session: Session, made: Made, syncs: list[int]) -> TrayController:
    tray = TrayController(session, session.window, sync=lambda: syncs.append(1),
                          available=QSystemTrayIcon.isSystemTrayAvailable())
    assert "Хранилище заблокировано" in tray.tooltip()
    assert not tray.lock_action.isEnabled() and not tray.sync_action.isEnabled()
    session.start(made.folder)
    unlock(qtbot, session)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    return tray


def _reread(store: Any) -> None:
    store.reload()


def _a_sync_brings_a_request(session: Session, kind: str) -> None:
    """What a pull writes (the server's row), then the re-read the sync wiring asks for."""
    store = session.store
    assert store is not None
    repo = store.repo
    person = repo.person_id()

    def pull() -> None:
        repo.load_synced({"request": [{"id": str(uuid.uuid4()), "person_id": person, "org_name": "ГКБ № 7",
                                       "org_inn": INN, "kind": kind, "status": "new",
                                       "received_at": dt.date.today().isoformat(), "text": "Просим"}]})

    Op(session, pull, worker=store.worker).success(lambda _r: _reread(store)).run()


def test_tray_follows_sync_state_lock_and_notices(qtbot: QtBot, session: Session, made: Made) -> None:
    syncs: list[int] = []
    tray = _open(qtbot, session, made, syncs)
    if not QSystemTrayIcon.isSystemTrayAvailable():
        assert tray.icon is None  # the app runs on without one
    assert tray.vault_open and tray.lock_action.isEnabled() and tray.sync_action.isEnabled()
    assert "заблокировано" not in tray.tooltip()

    session.window.set_sync_state(False, "Нет связи — сервер недоступен <a href='retry'>повторить</a>")
    assert "Нет связи — сервер недоступен повторить" in tray.tooltip() and "<a" not in tray.tooltip()

    tray.sync_action.trigger()
    assert syncs == [1]

    store = session.store
    assert store is not None
    feed = store.findChild(NoticesFeed)
    assert feed is not None
    qtbot.waitUntil(lambda: feed.loaded, timeout=10_000)
    wait_worker_idle(qtbot, session)
    # The demo's waiting request was a notice before this run: the badge tells it, not a message.
    assert tray.last_message is None
    assert tray.unread == feed.unread() >= 1
    assert trn("{n} непрочитанное уведомление", "{n} непрочитанных уведомления", "{n} непрочитанных уведомлений",
               feed.unread()).format(n=feed.unread()) in tray.tooltip()

    with qtbot.waitSignal(tray.notified, timeout=10_000) as got:
        _a_sync_brings_a_request(session, "Запрос справки о стаже")
    title, text = got.args
    assert title == "Новое уведомление" and "Запрос справки о стаже" in text and "ГКБ № 7" in text
    assert tray.unread == feed.unread()

    # The message clicked: the window on «Уведомления».
    tray.open_notices()
    page = session.window.record
    assert page is not None and page.current_id() == "reminders"

    # The setting off: no message (and no icon where there is a tray).
    bus = page.findChild(EventBus)
    assert bus is not None
    bus.publish(SETTINGS_CHANGED, {**session.settings, "tray_icon": False})
    assert not tray.enabled
    shown: list[str] = []
    tray.notified.connect(lambda _t, x: shown.append(x))
    _a_sync_brings_a_request(session, "Запрос копии трудовой")
    qtbot.waitUntil(lambda: any("Запрос копии трудовой" in str(i["text"]) for i in feed.items), timeout=10_000)
    assert shown == []
    if tray.icon is not None:
        assert not tray.icon.isVisible()

    # «Заблокировать сейчас»: the record goes, the tray says locked and offers no sync.
    with qtbot.waitSignal(session.locked, timeout=10_000):
        tray.lock_action.trigger()
    assert not tray.vault_open and session.store is None
    assert "Хранилище заблокировано" in tray.tooltip() and "непрочитан" not in tray.tooltip()
    assert not tray.lock_action.isEnabled() and not tray.sync_action.isEnabled()
    tray.sync_action.trigger()
    assert syncs == [1]


def test_several_notices_at_once_are_one_message(qtbot: QtBot, session: Session, made: Made) -> None:
    tray = _open(qtbot, session, made, [])
    store = session.store
    assert store is not None
    feed = store.findChild(NoticesFeed)
    assert feed is not None
    qtbot.waitUntil(lambda: feed.loaded, timeout=10_000)
    wait_worker_idle(qtbot, session)
    repo = store.repo
    person = repo.person_id()

    def pull() -> None:
        repo.load_synced({"request": [{"id": str(uuid.uuid4()), "person_id": person, "org_name": f"ГКБ № {i}",
                                       "org_inn": INN, "kind": f"Запрос {i}", "status": "new",
                                       "received_at": dt.date.today().isoformat()} for i in range(5)]})

    with qtbot.waitSignal(tray.notified, timeout=10_000) as got:
        Op(session, pull, worker=store.worker).success(lambda _r: _reread(store)).run()
    title, text = got.args
    assert title == "5 новых уведомлений"
    assert text.count("\n") == 3 and text.endswith("…")  # three named, the rest summed up


def test_open_raises_the_window_and_quit_closes_it(qtbot: QtBot, session: Session, made: Made) -> None:
    tray = _open(qtbot, session, made, [])
    session.window.showMinimized()
    tray.open_action.trigger()
    assert not session.window.isMinimized() and session.window.isVisible()
    with qtbot.waitSignal(session.locked, timeout=10_000):  # closing an open vault locks it first
        tray.quit_action.trigger()
    assert not session.window.isVisible()


def test_plain_text_of_the_status_line() -> None:
    assert plain("<span style='color:#0a0'>●</span> В сети · синхронизировано: 02.12.2026 17:00") == \
        "● В сети · синхронизировано: 02.12.2026 17:00"
    assert plain("Вход&nbsp;не выполнен <a href='login'>Войти…</a>") == "Вход не выполнен Войти…"


def test_app_attaches_the_tray(tmp_path: Path) -> None:
    """The app module wires the tray after sync (a refactor that drops it fails here)."""
    source = (Path(__file__).resolve().parents[2] / "desktop" / "app.py").read_text(encoding="utf-8")
    assert "attach_tray(session, window, sync=wiring.sync_now)" in source
