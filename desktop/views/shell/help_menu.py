"""«Справка»: the guide (F1), the log folder, «О программе».

The guide is ``docs/guide-ru.md`` beside the program (the checkout, or the bundle's resources);
the system opens it in whatever reads Markdown or text. The log folder is where
``desktop.diagnostics.logging_setup`` writes — the file a support request asks for.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from desktop.diagnostics.crash import log_dir
from desktop.i18n import tr
from desktop.paths import resource_dir
from desktop.views.widgets import live_text

GUIDE = "guide-ru.md"


def guide_path() -> Path | None:
    for folder in (resource_dir() / "docs", resource_dir().parent / "docs"):
        if (folder / GUIDE).is_file():
            return folder / GUIDE
    return None


def _open(window: QMainWindow, path: Path, missing: str) -> bool:
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    # No program to open it with (a bare desktop): the path, selectable, is the next best thing.
    box = QMessageBox(QMessageBox.Icon.Information, tr("Справка"), missing, parent=window)
    box.setInformativeText(str(path))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open()
    return False


def open_guide(window: QMainWindow) -> bool:
    path = guide_path()
    if path is None:
        box = QMessageBox(QMessageBox.Icon.Information, tr("Справка"),
                          tr("Руководство пользователя не установлено вместе с программой."), parent=window)
        box.setObjectName("guide_missing")
        box.open()
        return False
    return _open(window, path, tr("Не удалось открыть руководство. Оно лежит здесь:"))


def open_log_folder(window: QMainWindow) -> bool:
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Справка"),
                          tr("Папка журналов недоступна:"), parent=window)
        box.setObjectName("log_folder_missing")
        box.setInformativeText(str(folder))
        box.open()
        return False
    return _open(window, folder, tr("Не удалось открыть папку журналов. Она находится здесь:"))


def populate(window: QMainWindow, menu: QMenu, about: QAction) -> None:
    """Put the guide and the log folder before «О программе»."""
    guide = live_text.bind(QAction(window), "Руководство пользователя")
    guide.setObjectName("help_guide")
    guide.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))  # F1
    guide.triggered.connect(lambda: open_guide(window))
    logs = live_text.bind(QAction(window), "Открыть папку журналов")
    logs.setObjectName("help_logs")
    logs.triggered.connect(lambda: open_log_folder(window))
    window.addAction(guide)  # F1 works with the menu closed, on every page
    menu.insertAction(about, guide)
    menu.insertAction(about, logs)
    menu.insertSeparator(about)
