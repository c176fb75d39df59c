"""Issue 16 item 9: keyboard and menus. Mnemonics on the menus, Ctrl+F / Ins / Ctrl+P on the
section shown, F1 opens the guide, «Открыть папку журналов», files dropped onto «Документы» and
onto the certificate dialog, «О программе» with the version, ``--version`` on all three commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.diagnostics.logging_setup import app_version
from desktop.views.documents.documents_view import DocumentsView
from desktop.views.shell import help_menu, shortcuts
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from desktop.views.widgets.record_dialog import RecordDialog
from tests.gui.conftest import Made, unlock

ROOT = Path(__file__).resolve().parents[2]


class Opened(QObject):
    """Stands in for the desktop's file opener (QDesktopServices' own hook): what would open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opener() -> object:
    got = Opened()
    QDesktopServices.setUrlHandler("file", got, "open")  # type: ignore[arg-type]  # the stub says bytes; runtime takes str
    yield got
    QDesktopServices.unsetUrlHandler("file")


def _page(s: Session) -> RecordPage:
    page = s.window.current_page()
    assert isinstance(page, RecordPage)
    return page


def test_menus_have_mnemonics(opened: Session) -> None:
    titles = [a.text() for a in opened.window.menuBar().actions()]
    assert all("&" in t for t in titles), titles
    keys = [t[t.index("&") + 1].lower() for t in titles]
    assert len(set(keys)) == len(keys), titles  # each menu its own letter


def test_ctrl_f_ins_and_ctrl_p_act_on_the_section_shown(qtbot: QtBot, opened: Session) -> None:
    window, page = opened.window, _page(opened)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    page.select("education")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    focused = QApplication.focusWidget()
    assert isinstance(focused, QLineEdit) and focused.objectName() == "filter"
    assert page.section("education").isAncestorOf(focused)

    opened_dialogs: list[RecordDialog] = []

    def grab() -> None:
        opened_dialogs.extend(w for w in QApplication.topLevelWidgets()
                              if isinstance(w, RecordDialog) and w.isVisible())
        for d in opened_dialogs:
            d.reject()

    QTimer.singleShot(300, grab)
    qtbot.keyClick(window, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: bool(opened_dialogs), timeout=3000)

    # Ctrl+P where printing exists (the documents' «Печать…»), a note where it does not.
    page.select("documents")
    docs = page.section("documents")
    assert isinstance(docs, DocumentsView)
    docs.table.clearSelection()
    assert shortcuts.print_current(window) is False  # nothing chosen to print
    assert "выберите строку" in window.statusBar().currentMessage()
    page.select("profile")
    assert shortcuts.print_current(window) is False
    assert "печатать нечего" in window.statusBar().currentMessage()
    page.select("reminders")
    assert shortcuts.focus_search(window) is False
    assert "нет поиска" in window.statusBar().currentMessage()


def test_f1_opens_the_guide_and_the_log_folder_opens(qtbot: QtBot, opened: Session, opener: Opened,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = opened.window
    guide = help_menu.guide_path()
    f1 = next(a for a in window.actions() if a.objectName() == "help_guide")
    assert f1.shortcut().toString() == "F1"
    f1.trigger()
    if guide is not None:
        assert [u.toLocalFile() for u in opener.urls] == [str(guide)]
    else:
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "guide_missing") is not None, timeout=2000)
    opener.urls.clear()
    monkeypatch.setenv("FRMR_LOG_DIR", str(tmp_path / "logs"))
    logs = next(a for a in window.findChildren(type(f1)) if a.objectName() == "help_logs")
    logs.trigger()
    assert [u.toLocalFile() for u in opener.urls] == [str(tmp_path / "logs")]
    assert (tmp_path / "logs").is_dir()
    # A log folder that cannot be made (a file in its place) says so instead of failing.
    (tmp_path / "blocked").write_text("x")
    monkeypatch.setenv("FRMR_LOG_DIR", str(tmp_path / "blocked" / "logs"))
    assert help_menu.open_log_folder(window) is False
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "log_folder_missing") is not None, timeout=2000)


def test_a_file_dropped_onto_documents_is_uploaded(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    page = _page(opened)
    docs = page.select("documents")
    assert isinstance(docs, DocumentsView)
    store = opened.store
    assert store is not None
    before = len(store.rows("document"))
    scan = tmp_path / "скан диплома.png"
    from PySide6.QtGui import QImage

    img = QImage(40, 30, QImage.Format.Format_RGB32)
    img.fill(0x336699)
    assert img.save(str(scan))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(scan)), QUrl("https://example.org/not-a-file.pdf")])
    target = docs.table.viewport()
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)  # as a real drag does, before the drop
    assert enter.isAccepted()
    drop = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: len(store.rows("document")) == before + 1, timeout=10_000)
    assert any(r.get("title") == scan.name or scan.name in str(r.get("file_name", "")) for r in store.rows("document"))


def test_a_certificate_file_dropped_onto_the_import_dialog_fills_the_path(qtbot: QtBot, tmp_path: Path) -> None:
    from desktop.views.documents.cert_dialogs import CertImportDialog

    dialog = CertImportDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    key = tmp_path / "doctor.p12"
    key.write_bytes(b"\x30\x82")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(key))])
    QApplication.sendEvent(dialog.path, QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                                                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    drop = QDropEvent(QPoint(5, 5).toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(dialog.path, drop)
    assert dialog.path.text() == str(key)
    # Two files at once: a path field takes one, so nothing changes.
    mime2 = QMimeData()
    mime2.setUrls([QUrl.fromLocalFile(str(key)), QUrl.fromLocalFile(str(key))])
    dialog.path.clear()
    QApplication.sendEvent(dialog.path, QDropEvent(QPoint(5, 5).toPointF(), Qt.DropAction.CopyAction, mime2,
                                                   Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert dialog.path.text() == ""


def test_about_shows_the_version(qtbot: QtBot, opened: Session) -> None:
    seen: list[str] = []

    def read_and_close() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                seen.append(w.text())
                w.accept()

    QTimer.singleShot(200, read_and_close)
    opened._about()
    assert seen and f"Версия {app_version()}" in seen[0]


@pytest.mark.parametrize("command", ["frmr", "frmr-desktop", "frmr-server"])
def test_every_command_tells_its_version(command: str) -> None:
    exe = Path(sys.executable).parent / command
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{command} {app_version()}"


def test_controls_have_accessible_names(qtbot: QtBot, session: Session, made: Made) -> None:
    """A screen reader reads accessible names, not placeholders: the controls a person meets
    first have one (form rows get theirs from their label)."""
    from desktop.views.access.unlock_view import UnlockView

    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    assert view.passphrase.accessibleName() == "Парольная фраза"
    assert view.recovery_key.accessibleName() == "Ключ восстановления"
    for name in ("vault", "pending", "sync"):
        assert session.window.statusbar_widgets[name].accessibleName()
    unlock(qtbot, session)
    page = _page(session)
    assert page.nav.accessibleName() == "Разделы"
    education = page.select("education")
    field = education.findChild(QLineEdit, "filter")
    assert field is not None and field.accessibleName() == "Поиск по таблице"
