"""First start, unlock, recovery and auto-lock, driven through the real screens."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
)
from pytestqt.qtbot import QtBot

from desktop.views.access.consent_view import ConsentView
from desktop.views.access.first_start import FirstStartWizard
from desktop.views.access.profile_chooser import ProfileChooser
from desktop.views.access.unlock_view import UnlockView
from desktop.views.record.profile_view import ProfileView
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from tests.gui.conftest import NAME, PASS, Made, unlock, wait_worker_idle


def test_first_start_wizard_end_to_end(qtbot: QtBot, session: Session, profiles: Path) -> None:
    session.start()
    wizard = session.window.current_page()
    assert isinstance(wizard, FirstStartWizard)
    assert "Шаг 1 из 4" in wizard.step_label.text()
    wizard.next_button.click()  # empty name
    assert "Укажите название" in wizard.status.text()
    wizard.name.setText("Петров П. П.")  # QTest.keyClicks only types ASCII
    qtbot.keyClick(wizard.name, Qt.Key.Key_Return)
    assert "Шаг 2 из 4" in wizard.step_label.text()
    # A weak phrase is refused and the strength says why.
    wizard.passphrase.first.setText("short")
    assert "слишком короткая" in wizard.passphrase.label.text()
    wizard.next_button.click()
    assert wizard.vault is None and wizard.pages.currentIndex() == 1
    wizard.passphrase.first.setText("Новая-Надёжная-Фраза-7")
    wizard.passphrase.second.setText("Новая-Надёжная-Фраза-7")
    assert wizard.passphrase.label.text().startswith("надёжная")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == 2, timeout=10_000)
    key = wizard.recovery.text()
    assert re.fullmatch(r"([A-Z2-9]{4}-){7}[A-Z2-9]{4}", key)
    assert not wizard.next_button.isEnabled()  # must confirm the key was saved
    assert not wizard.back_button.isEnabled()  # the vault exists: no way back
    wizard.saved_check.setChecked(True)
    wizard.next_button.click()
    assert wizard.pages.currentIndex() == 3
    consent = wizard.consent
    assert not consent.accept_button.isEnabled()
    consent.check.setChecked(True)
    with qtbot.waitSignal(session.record_shown, timeout=10_000):
        consent.accept_button.click()
    page = session.window.current_page()
    assert isinstance(page, RecordPage)
    profile = page.select("Профиль")  # «Главная» is first: the profile is built when opened
    assert isinstance(profile, ProfileView)
    assert "не заполнены" in profile.title.text()
    store = session.store
    assert store is not None
    qtbot.waitUntil(lambda: store.consent is not None, timeout=5000)
    repo = store.repo
    job = session.worker.submit(repo.consent_given)
    with qtbot.waitSignal(job.done, timeout=5000) as got:
        pass
    assert got.args[0]  # consent recorded with its time in the vault
    assert session.window.statusbar_widgets["vault"].text() == "Хранилище: открыто"
    # The profile folder holds only the vault files and non-personal JSON.
    folders = [p for p in profiles.iterdir() if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "vault.db").exists()


def test_wrong_passphrase_message_and_no_traceback(qtbot: QtBot, session: Session, made: Made) -> None:
    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText("не та фраза")
    view.unlock_button.click()
    qtbot.waitUntil(lambda: "Неверная парольная фраза" in view.status.text(), timeout=10_000)
    assert "Caps Lock" in view.hint.text()
    assert view.passphrase.isEnabled() and view.unlock_button.isEnabled()
    assert session.vault is None
    # Then the right one works.
    unlock(qtbot, session)
    assert isinstance(session.window.current_page(), RecordPage)


def test_repeated_failures_delay_next_attempt(qtbot: QtBot, session: Session, made: Made) -> None:
    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    for i in range(4):
        view.passphrase.setText(f"ошибка {i}")
        view.unlock_button.click()
        qtbot.waitUntil(lambda: view.passphrase.isEnabled(), timeout=10_000)
        if "Слишком много" in view.status.text():
            break
    view.passphrase.setText("ещё раз")
    if view.unlock_button.isEnabled():
        view.unlock_button.click()
        qtbot.waitUntil(lambda: view.passphrase.isEnabled(), timeout=10_000)
    assert "Слишком много неудачных попыток" in view.status.text()
    assert not view.unlock_button.isEnabled()
    assert view.unlock_button.text().startswith("Подождите")


def test_damaged_vault_shows_way_out(qtbot: QtBot, session: Session, made: Made) -> None:
    db = made.folder / "vault.db"
    data = bytearray(db.read_bytes())
    data[:4096] = bytes(4096)  # destroy the first page (salt and header)
    db.write_bytes(bytes(data))
    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText(PASS)
    view.unlock_button.click()
    qtbot.waitUntil(lambda: "повреждён" in view.status.text(), timeout=10_000)
    assert "резервной копии" in view.hint.text() and "сервера" in view.hint.text()
    assert session.vault is None


def test_forgotten_passphrase_recovery_key(qtbot: QtBot, session: Session, made: Made) -> None:
    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    view.forgot_button.click()
    assert view.recovering
    view.recovery_key.setText("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    view.new_passphrase.first.setText("Совсем-Новая-Фраза-9")
    view.new_passphrase.second.setText("Совсем-Новая-Фраза-9")
    view.recover_button.click()
    qtbot.waitUntil(lambda: "ключ восстановления" in view.status.text().lower(), timeout=10_000)
    view.recovery_key.setText(made.recovery.lower())
    with qtbot.waitSignal(session.record_shown, timeout=10_000):
        view.recover_button.click()
    session.lock()
    unlock(qtbot, session, "Совсем-Новая-Фраза-9")


def _visible_texts() -> list[str]:
    out: list[str] = []
    for w in QApplication.allWidgets():
        if isinstance(w, QLabel):
            out.append(w.text())
        elif isinstance(w, QLineEdit):
            out.append(w.text())
        elif isinstance(w, QPlainTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            root = QModelIndex()
            try:
                columns = m.columnCount(root)
            except TypeError:  # QListWidget's internal model keeps columnCount private
                columns = 1
            for r in range(m.rowCount(root)):
                for c in range(columns):
                    out.append(str(m.index(r, c).data()))
    return out


def test_auto_lock_hides_the_data(qtbot: QtBot, opened: Session) -> None:
    record = opened.window.current_page()
    assert isinstance(record, RecordPage)
    record.select("Трудовая деятельность")
    assert any(NAME in t for t in _visible_texts())
    vault = opened.vault
    assert vault is not None
    store = opened.store
    assert store is not None
    models = [v.model for v in opened.views.values() if hasattr(v, "model")]
    with qtbot.waitSignal(opened.locked, timeout=5000):
        opened.idle.set_interval_ms(150)
    assert isinstance(opened.window.current_page(), UnlockView)
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, 0)  # run deleteLater of the record page
    texts = _visible_texts()
    assert not any(NAME in t for t in texts)
    assert not any("Мария" in t for t in texts)
    assert all(m.rowCount() == 0 for m in models)  # models emptied, not just hidden
    assert opened.store is None and opened.views == {}
    wait_worker_idle(qtbot, opened)
    assert not vault.is_open  # database closed, key dropped
    assert opened.window.statusbar_widgets["vault"].text() == "Хранилище: заблокировано"


def test_input_postpones_auto_lock(qtbot: QtBot, opened: Session) -> None:
    opened.idle.set_interval_ms(400)
    record = opened.window.current_page()
    assert isinstance(record, RecordPage)
    record.nav.setFocus()
    window = opened.window.windowHandle()
    assert window is not None
    row = record.nav.currentRow()
    for _ in range(4):
        qtbot.wait(150)
        # Through the window, as the platform delivers a key: the watcher sits on windows.
        QTest.keyClick(window, Qt.Key.Key_Down)
    assert record.nav.currentRow() != row  # the keys did reach the section list
    assert opened.vault is not None  # 600 ms of activity, yet not locked
    with qtbot.waitSignal(opened.locked, timeout=5000):
        pass


def test_typing_in_a_dialog_postpones_auto_lock(qtbot: QtBot, opened: Session) -> None:
    dialog = QDialog(opened.window)
    edit = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(edit)
    dialog.show()
    dialog.activateWindow()
    handle = dialog.windowHandle()
    assert handle is not None
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is handle, timeout=5000)
    edit.setFocus()
    opened.idle.set_interval_ms(400)
    for _ in range(4):
        qtbot.wait(150)
        QTest.keyClick(handle, Qt.Key.Key_A)
    assert edit.text() == "aaaa"
    assert opened.vault is not None  # the dialog's window is watched too
    with qtbot.waitSignal(opened.locked, timeout=5000):
        pass
    assert not dialog.isVisible()  # the lock closed the open dialog with the record


def test_consent_asked_when_missing(qtbot: QtBot, session: Session, profiles: Path) -> None:
    from desktop.models.repository import RecordRepository
    from desktop.vault.profiles import create_profile
    from desktop.vault.store import Vault

    prof = create_profile(profiles, "Без согласия")
    vault, _ = Vault.create(prof.folder, PASS)
    RecordRepository(vault)
    vault.close()
    session.start(prof.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText(PASS)
    view.unlock_button.click()
    qtbot.waitUntil(lambda: isinstance(session.window.current_page(), ConsentView), timeout=10_000)
    consent = session.window.current_page()
    assert isinstance(consent, ConsentView)
    consent.decline_button.click()
    assert isinstance(session.window.current_page(), UnlockView)
    assert "согласия" in session.window.current_page().status.text()  # type: ignore[union-attr]


def test_chooser_lists_profiles(qtbot: QtBot, session: Session, made: Made) -> None:
    session.start()
    chooser = session.window.current_page()
    assert isinstance(chooser, ProfileChooser)
    assert chooser.list.count() == 1
    chooser.open_button.click()
    assert isinstance(session.window.current_page(), UnlockView)
