"""Run by tests/gui/test_tray_xvfb.py in a process of its own, on a real X server (Xvfb) with a
tray host: the app's window over the demo record with the tray controller, then one screenshot
of the whole screen with the tray's menu open. Prints what it saw as JSON on its last line."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["FRMR_FAST_KDF"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QPoint
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.demo import seed_demo_vault
from desktop.vault.profiles import create_profile
from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.session import Session
from desktop.views.tray.tray_icon import TrayController

PASS = "Верная-фраза-2026!"


def turn(app: QApplication, seconds: float, until: object = None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (callable(until) and until()):
        app.processEvents()
        time.sleep(0.01)


def main(shot: Path) -> None:
    app = QApplication([])
    seen: dict[str, object] = {"platform": QGuiApplication.platformName(),
                               "available": QSystemTrayIcon.isSystemTrayAvailable()}
    root = Path(tempfile.mkdtemp())
    prof = create_profile(root, "Демо")
    seed_demo_vault(prof.folder, PASS, user="tray")
    window = MainWindow()
    session = Session(window, root)
    tray = TrayController(session, window, sync=lambda: None)
    window.resize(1000, 640)
    window.show()
    session.start(prof.folder)
    unlock = window.current_page()
    assert isinstance(unlock, UnlockView)
    unlock.passphrase.setText(PASS)
    unlock.unlock_button.click()
    turn(app, 60, lambda: window.record is not None and window.record.pending() == 0)
    window.set_sync_state(True, "В сети · синхронизировано: сейчас")
    turn(app, 1.5)
    icon = tray.icon
    seen["icon"] = icon is not None and icon.isVisible()
    g = icon.geometry() if icon is not None else None
    seen["geometry"] = [g.x(), g.y(), g.width(), g.height()] if g is not None else None
    seen["tooltip"] = icon.toolTip() if icon is not None else tray.tooltip()
    screen = QGuiApplication.primaryScreen()
    seen["shot"] = screen.grabWindow(0).save(str(shot))  # the icon in the tray
    where = icon.geometry().topLeft() if icon is not None else window.geometry().center()
    hint = tray.menu.sizeHint()
    tray.menu.popup(where - QPoint(hint.width(), hint.height()))  # above and left of the icon: both seen
    turn(app, 1.0)
    seen["menu"] = [a.text() for a in tray.menu.actions() if a.text()]
    seen["menu_shot"] = screen.grabWindow(0).save(str(shot.with_name("tray_menu.png")))
    tray.menu.hide()
    session.lock()
    turn(app, 1.0)
    seen["locked_tooltip"] = icon.toolTip() if icon is not None else tray.tooltip()
    session.worker.stop()
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
