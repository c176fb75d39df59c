"""``frmr-desktop`` started as a person starts it: ``desktop.app.main`` in a fresh interpreter,
with the background import of the core (desktop.views.runtime.prewarm) racing the unlock.

An earlier background import thread crashed the interpreter in about 1 of 5 runs, so this
starts the app several times, with Enter pressed at once (the unlock job and the preload
import the same modules at the same time) and a little later, and checks that every run gets
to the record with all section modules loaded and exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import PASS, Made

DRIVER = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop import app as frmr_app
    from desktop.views.runtime.prewarm import Preloader
    from desktop.views.access.unlock_view import UnlockView

    folder, passphrase, delay = sys.argv[1], sys.argv[2], int(sys.argv[3])
    qapp = QApplication(sys.argv[:1])

    def window():
        return next(w for w in qapp.topLevelWidgets() if hasattr(w, "session"))

    def check():
        win = window()
        pre = qapp.findChild(Preloader)
        if win.record is not None and pre is not None and pre.finished:
            print("OK", " ".join(win.record.ids), flush=True)
            qapp.quit()
        else:
            QTimer.singleShot(20, check)

    def type_passphrase():
        view = window().current_page()
        assert isinstance(view, UnlockView), view
        window().session.record_shown.connect(check)
        view.passphrase.setText(passphrase)
        view.unlock_button.click()

    QTimer.singleShot(delay, type_passphrase)
    QTimer.singleShot(60_000, lambda: qapp.exit(7))
    sys.exit(frmr_app.main(["--profile", folder]))
""")


@pytest.mark.parametrize("delay_ms", [0, 0, 0, 150, 400])
def test_app_main_unlocks_while_the_core_loads(made: Made, tmp_path: Path, delay_ms: int) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FRMR_LOG_DIR": str(tmp_path / "logs")}
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(made.folder), PASS, str(delay_ms)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr[-3000:])
    line = next(x for x in proc.stdout.splitlines() if x.startswith("OK"))
    shown = line.split()[1:]
    # Every section the registry gives the doctor is in the record (and the sync's own pages).
    from desktop.views.shell.registry import SectionRegistry

    registry = SectionRegistry()
    registry.discover()
    expected = [s.id for s in registry.for_role("doctor")]
    assert [x for x in shown if x in expected] == expected, shown
    assert {"conflicts", "rejected"} <= set(shown) or len(shown) >= len(expected) + 2, shown


def test_every_view_module_is_preloaded_or_part_of_the_first_screen() -> None:
    """A section module missing from VIEW_MODULES would be imported on the GUI thread in one piece,
    when the record opens: a stall nobody would notice until it grew."""
    script = textwrap.dedent("""
        import sys
        import desktop.app, desktop.views.shell.main_window, desktop.views.shell.session, desktop.views.sync.sync_wiring
        print(" ".join(m for m in sys.modules if m.startswith("desktop.views.")))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2], env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    shell = set(proc.stdout.split())
    from desktop.views.runtime.prewarm import CORE_MODULES, VIEW_MODULES

    assert not any(m.startswith("desktop.views") for m in CORE_MODULES)  # only Qt-free modules off the GUI thread
    views_dir = Path(__file__).resolve().parents[2] / "desktop" / "views"
    every = {"desktop." + ".".join(p.relative_to(views_dir.parent).with_suffix("").parts)
             for p in views_dir.rglob("*.py") if p.stem != "__init__"}
    assert every - shell - set(VIEW_MODULES) == set()
