"""Issue 16 item 4: one instance per profile. A second app start hands over to the first; a
profile unlocked by one copy of the app cannot be unlocked by another; the GUI and ``frmr sync``
share one cross-platform sync lock per profile folder."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.sync.engine import _single_sync
from desktop.vault.locks import INSTANCE_LOCK, InstanceLock, sync_lock
from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from desktop.views.shell.single_instance import InstanceServer, server_name
from tests.gui.conftest import PASS, Made, unlock

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent("""
    import sys
    from desktop.vault.locks import InstanceLock, sync_lock
    folder, which = sys.argv[1], sys.argv[2]
    if which == "instance":
        lock = InstanceLock(folder)
        lock.acquire()
        print("HELD", flush=True)
        sys.stdin.read()
    else:
        with sync_lock(folder) as got:
            print("HELD" if got else "BUSY", flush=True)
            sys.stdin.read()
""")


@contextmanager
def held_by_another_process(folder: Path, which: str) -> Iterator[None]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder), which], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "HELD"
        yield
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def test_a_profile_unlocked_elsewhere_is_refused_with_a_clear_message(
        qtbot: QtBot, session: Session, made: Made) -> None:
    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    with held_by_another_process(made.folder, "instance"):
        view.passphrase.setText(PASS)
        view.unlock_button.click()
        assert "уже открыт в другом окне" in view.status.text()
        assert view.hint.text()  # what to do
        assert view.unlock_button.isEnabled() and view.passphrase.isEnabled()
        assert session.vault is None
    # The other copy closed: the same screen unlocks.
    unlock(qtbot, session)
    assert isinstance(session.window.current_page(), RecordPage)
    assert session.instance_lock is not None and session.instance_lock.held
    # While unlocked here, nobody else gets the profile…
    other = InstanceLock(made.folder)
    try:
        other.acquire()
        raise AssertionError("a second claim on an unlocked profile succeeded")
    except Exception as exc:
        assert "уже открыт" in str(exc)
    # …and once locked, it is free again.
    session.lock()
    other.acquire()
    other.release()
    assert (made.folder / INSTANCE_LOCK).exists()


def test_the_gui_and_frmr_share_the_sync_lock_across_processes(made: Made) -> None:
    with held_by_another_process(made.folder, "sync"):
        with _single_sync(made.folder) as mine:
            assert mine is False  # the engine says «busy» instead of syncing alongside
        with sync_lock(made.folder) as got:
            assert got is False
    with _single_sync(made.folder) as mine:
        assert mine is True
        with sync_lock(made.folder) as got:
            assert got is False  # even within one process, a second holder is refused


def test_a_second_start_brings_the_running_window_to_the_front(qtbot: QtBot, tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    shown: list[bool] = []
    server = InstanceServer(server_name(root), lambda: shown.append(True))
    assert server.listening
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FRMR_PROFILES_DIR": str(root),
           "FRMR_LOG_DIR": str(tmp_path / "logs")}
    proc = subprocess.Popen([sys.executable, "-m", "desktop.app"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)  # the event loop must run to accept it
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "уже запущен" in err
    server.deleteLater()


def test_a_stale_socket_of_a_crashed_copy_is_taken_over(qtbot: QtBot, tmp_path: Path) -> None:
    name = server_name(tmp_path / "profiles")
    first = InstanceServer(name, lambda: None)
    assert first.listening
    # A second server on the same name (as after a crash that left the socket file) still listens.
    second = InstanceServer(name, lambda: None)
    assert second.listening
    first.deleteLater()
    second.deleteLater()
