"""«Файл → Резервная копия…» and «Восстановить…» in the real window (offscreen): a copy made
as an op, the schedule, a read-only folder, a truncated copy, restoring over the open vault
refused, restoring after the lock, the scheduled copy at unlock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.vault.backup import SUFFIX, read_manifest
from desktop.vault.backup_schedule import Schedule, load_schedule, save_schedule
from desktop.views.access.profile_chooser import ProfileChooser
from desktop.views.backup.backup_dialog import BackupDialog
from desktop.views.backup.restore_dialog import RestoreDialog
from desktop.views.shell.session import Session
from tests.gui.conftest import PASS, Made, unlock


def _menu_texts(s: Session) -> list[str]:
    file_menu = s.window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    return [a.text() for a in file_menu.actions()]


def _backup_dialog(s: Session) -> BackupDialog:
    s.backup_actions.backup_action.trigger()
    dlg = s.backup_actions.dialog
    assert isinstance(dlg, BackupDialog)
    return dlg


def _restore_dialog(s: Session) -> RestoreDialog:
    s.backup_actions.restore_action.trigger()
    dlg = s.backup_actions.dialog
    assert isinstance(dlg, RestoreDialog)
    return dlg


def _make_copy(qtbot: QtBot, s: Session, folder: Path) -> Path:
    dlg = _backup_dialog(s)
    dlg.folder.setText(str(folder))
    dlg.make_button.click()
    qtbot.waitUntil(lambda: "Копия сохранена" in dlg.status.text(), timeout=15_000)
    dlg.close()
    copies = sorted(folder.glob(f"*{SUFFIX}"))
    assert copies
    return copies[-1]


def test_file_menu_has_backup_and_restore(opened: Session) -> None:
    texts = _menu_texts(opened)
    assert "Резервная копия…" in texts and "Восстановить…" in texts


def test_copy_is_made_as_an_op_and_the_schedule_saved(qtbot: QtBot, opened: Session, made: Made,
                                                      tmp_path: Path) -> None:
    dlg = _backup_dialog(opened)
    dlg.folder.setText(str(tmp_path))
    dlg.scheduled.setChecked(True)
    dlg.every.setValue(3)
    dlg.keep.setValue(4)
    dlg.make_button.click()
    assert not dlg.make_button.isEnabled()  # running, not blocking the window
    qtbot.waitUntil(lambda: "Копия сохранена" in dlg.status.text(), timeout=15_000)
    (copy,) = tmp_path.glob(f"*{SUFFIX}")
    assert read_manifest(copy).profile_name == "Тестовый профиль"
    assert load_schedule(made.folder) == Schedule(str(tmp_path), 3, 4)


def test_read_only_folder_is_named_in_the_dialog(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        target = ro if not os.access(ro, os.W_OK) else Path("/sys")  # root ignores the mode
        dlg = _backup_dialog(opened)
        dlg.folder.setText(str(target))
        dlg.make_button.click()
        qtbot.waitUntil(lambda: "нет прав доступа" in dlg.status.text(), timeout=15_000)
        assert "Выберите другую папку" in dlg.status.text() and dlg.make_button.isEnabled()
    finally:
        ro.chmod(0o755)


def test_restore_over_the_open_vault_is_refused(qtbot: QtBot, opened: Session, made: Made, tmp_path: Path) -> None:
    copy = _make_copy(qtbot, opened, tmp_path)
    dlg = _restore_dialog(opened)
    dlg.file.setText(str(copy))
    dlg.secret.setText(PASS)
    dlg.restore_button.click()
    qtbot.waitUntil(lambda: "Заблокируйте профиль" in dlg.status.text(), timeout=15_000)
    assert "открытого" in dlg.status.text()
    assert opened.vault is not None and opened.vault.is_open


def test_truncated_copy_is_refused_by_the_dialog(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    copy = _make_copy(qtbot, opened, tmp_path)
    cut = tmp_path / f"cut{SUFFIX}"
    cut.write_bytes(copy.read_bytes()[:5000])
    opened.lock()
    dlg = _restore_dialog(opened)
    dlg.file.setText(str(cut))
    dlg._describe()
    qtbot.waitUntil(lambda: "обрезан" in dlg.about.text(), timeout=10_000)
    dlg.secret.setText(PASS)
    dlg.restore_button.click()
    qtbot.waitUntil(lambda: "обрезан" in dlg.status.text(), timeout=15_000)


def test_restore_after_lock_then_unlock_shows_the_copy(qtbot: QtBot, opened: Session, made: Made,
                                                       tmp_path: Path) -> None:
    copy = _make_copy(qtbot, opened, tmp_path)
    opened.lock()
    qtbot.waitUntil(lambda: not (made.folder / "vault.db-wal").exists(), timeout=10_000)
    dlg = _restore_dialog(opened)
    dlg.file.setText(str(copy))
    dlg._describe()
    qtbot.waitUntil(lambda: "Тестовый профиль" in dlg.about.text(), timeout=10_000)
    dlg.secret.setText("не та фраза 2026")
    dlg.restore_button.click()
    qtbot.waitUntil(lambda: "неверная парольная фраза" in dlg.status.text(), timeout=15_000)
    dlg.secret.setText(PASS)
    with qtbot.waitSignal(dlg.restored, timeout=15_000):
        dlg.restore_button.click()
    assert "восстановлен" in dlg.status.text()
    assert list(made.folder.glob("before-restore-*"))
    assert isinstance(opened.window.current_page(), ProfileChooser)  # pick it and unlock
    opened.open_profile(opened.profile)  # type: ignore[arg-type]
    unlock(qtbot, opened)


def test_scheduled_copy_is_made_at_unlock(qtbot: QtBot, session: Session, made: Made, tmp_path: Path) -> None:
    save_schedule(made.folder, Schedule(str(tmp_path), every_days=7, keep=2))
    session.start(made.folder)
    unlock(qtbot, session)
    qtbot.waitUntil(lambda: len(list(tmp_path.glob(f"*{SUFFIX}"))) == 1, timeout=15_000)
    qtbot.waitUntil(lambda: "по расписанию сохранена" in session.window.statusBar().currentMessage(),
                    timeout=5_000)


def test_backup_needs_an_open_profile(session: Session, made: Made, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: shown.append(text))
    session.start(made.folder)
    session.backup_actions.backup_action.trigger()
    assert shown and "откройте его" in shown[0]
