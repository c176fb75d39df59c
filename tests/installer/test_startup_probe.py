"""desktop.diagnostics.startup_probe: reports the main window and ends the event loop (in a child process,
because the probe is process-global and quits the application it is armed on)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication, QMainWindow
    from desktop.diagnostics import startup_probe
    app = QApplication(sys.argv[:1])
    startup_probe.arm(app)
    w = QMainWindow()
    w.show()
    sys.exit(app.exec())
""")


def _run(mode: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FRMR_STARTUP_PROBE_TIMEOUT": "20"}
    env.pop("FRMR_STARTUP_PROBE", None)
    if mode is not None:
        env["FRMR_STARTUP_PROBE"] = mode
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)


def test_reports_main_window_and_quits() -> None:
    proc = _run("1")
    assert proc.returncode == 0, proc.stderr
    marks = [line.split() for line in proc.stdout.splitlines() if line.startswith("FRMR_STARTUP ")]
    names = [m[1] for m in marks]
    assert names == ["qapplication", "first-window", "main-window"]
    seconds = [float(m[2]) for m in marks]
    assert 0 < seconds[0] <= seconds[1] <= seconds[2] < 20


def test_does_nothing_when_not_asked() -> None:
    # Without the variable the probe must not quit the app: the timeout script below would hang,
    # so use the Qt timer to end it and check that nothing was printed.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("FRMR_STARTUP_PROBE", None)
    script = SCRIPT.replace("sys.exit(app.exec())",
                            "from PySide6.QtCore import QTimer\nQTimer.singleShot(300, app.quit)\nsys.exit(app.exec())")
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "FRMR_STARTUP" not in proc.stdout
