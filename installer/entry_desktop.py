"""Frozen entry point of ``frmr-desktop`` (PyInstaller runs this file as ``__main__``), and of
``frmr`` on Linux, where that is a symlink to the same launcher.

``--self-test`` is dispatched here as well as in ``desktop.app.main`` so the bundle's own check
does not depend on the GUI module importing; the self-test imports that module as a step of
its own.

With ``FRMR_STARTUP_PROBE`` set (bench/bundle_startup.py) the QApplication is created here, before
``desktop.app.main`` runs — main() reuses an existing instance — so the timing probe can watch for
the first window without any hook inside the app.
"""

import multiprocessing
import os
import sys


def _attach_console_on_windows() -> None:
    # The windowed (no-console) EXE has no stdout; `frmr-desktop --self-test` run from cmd/PowerShell
    # or CI should still print its lines, so borrow the parent's console if there is one.
    if sys.platform != "win32" or sys.stdout is not None:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", buffering=1)  # kept open for the process
        sys.stderr = sys.stdout


def _started_as_cli() -> bool:
    # On Linux `frmr` is a symlink to this launcher; argv[0] keeps the name it was started by.
    name = os.path.basename(sys.argv[0] if sys.argv else "").lower()
    return name in ("frmr", "frmr.exe")


def main() -> int:
    if _started_as_cli():
        from desktop.cli import main as cli_main

        return int(cli_main() or 0)
    if "--self-test" in sys.argv[1:]:
        _attach_console_on_windows()
        from desktop.diagnostics import selftest

        return selftest.run()
    if os.environ.get("FRMR_STARTUP_PROBE", "") not in ("", "0"):
        from PySide6.QtWidgets import QApplication

        from desktop.diagnostics import startup_probe

        startup_probe.arm(QApplication.instance() or QApplication(sys.argv[:1]))
    from desktop.app import main as app_main

    return int(app_main(sys.argv[1:]) or 0)


if __name__ == "__main__":
    # Harmless when nothing spawns processes; required on Windows if anything ever does.
    multiprocessing.freeze_support()
    sys.exit(main())
