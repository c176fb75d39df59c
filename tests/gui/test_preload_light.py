"""The start-up preloader imports the section modules on the GUI thread, one per event-loop turn
(desktop/views/runtime/prewarm.py), so no single import may pull a heavy library with it: the
QR code's ``qrcode`` brought Pillow's drawers, one 120 ms turn — a GUI stall at every start
(issue 16: no worse start-up stalls). The QR widget imports it when it draws a code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.views.account.qr_widget import QrWidget

PROBE = """
import importlib, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.views.runtime import prewarm
for name in prewarm.CORE_MODULES + prewarm.VIEW_MODULES:
    importlib.import_module(name)
print(sorted({m.split(".")[0] for m in sys.modules} & {"qrcode", "PIL"}))
"""


def test_the_preloaded_modules_bring_no_image_library() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120,
                         cwd=Path(__file__).resolve().parents[2], check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


def test_the_qr_code_is_still_drawn(qtbot: QtBot) -> None:
    w = QrWidget()
    qtbot.addWidget(w)
    w.set_uri("otpauth://totp/ФРМР:doctor?secret=JBSWY3DPEHPK3PXP&issuer=ФРМР")
    assert len(w.matrix) >= 21 and len(w.matrix) == len(w.matrix[0])  # a QR version 1 is 21×21 plus border
    assert any(any(row) for row in w.matrix)
    w.set_uri("")
    assert w.matrix == [] and QApplication.instance() is not None
