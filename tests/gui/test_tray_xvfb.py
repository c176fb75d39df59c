"""The tray icon on a real X server (issue 14): Xvfb with ``trayer`` as the tray host — the icon
is shown in the tray, its tooltip says the connection state, its menu offers «Открыть»,
«Синхронизировать», «Заблокировать сейчас», «Выход»; screenshots (tray.png, tray_menu.png) are kept in
the test's folder.
Skipped where Xvfb or a tray host is not installed (``apt-get install xvfb trayer``); the
controller's logic is tested offscreen in tests/gui/test_tray.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("trayer") is None,
                    reason="Xvfb and trayer (a tray host) are needed")
def test_tray_icon_on_a_real_x_server(tmp_path: Path) -> None:
    display = f":{90 + os.getpid() % 400}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    trayer = None
    try:
        time.sleep(1.0)
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        trayer = subprocess.Popen(["trayer", "--edge", "bottom", "--align", "right", "--widthtype", "pixel",
                                   "--width", "120", "--height", "28"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        shot = tmp_path / "tray.png"
        cp = subprocess.run([sys.executable, str(HERE / "tray_xvfb_app.py"), str(shot)], env=env,
                            capture_output=True, text=True, timeout=180)
        assert cp.returncode == 0, cp.stderr[-3000:]
        seen = json.loads(cp.stdout.strip().splitlines()[-1])
    finally:
        for p in (trayer, xvfb):
            if p is not None:
                p.terminate()
                p.wait(timeout=10)
    assert seen["platform"] == "xcb" and seen["available"] is True
    assert seen["icon"] is True and seen["geometry"][2] > 0  # placed in the tray
    assert "В сети · синхронизировано: сейчас" in seen["tooltip"]
    assert seen["menu"] == ["Открыть", "Синхронизировать", "Заблокировать сейчас", "Выход"]
    assert seen["shot"] is True and shot.stat().st_size > 10_000
    assert seen["menu_shot"] is True and (tmp_path / "tray_menu.png").stat().st_size > 10_000
    assert "Хранилище заблокировано" in seen["locked_tooltip"] and "В сети" not in seen["locked_tooltip"]
