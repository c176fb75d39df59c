"""Cold-start timing hook: with ``FRMR_STARTUP_PROBE=1`` the app reports when its windows appear, then quits.

Used by bench/bundle_startup.py against the frozen bundle. The app calls :func:`arm` once, right
after it creates its ``QApplication`` (one line in ``desktop.app.main``); without the variable the
call does nothing and costs nothing.

What is reported (one line each, on stdout, flushed):

``FRMR_STARTUP first-window <seconds>``  the first top-level window is shown (profile chooser,
                                          unlock dialog or the main window — whatever comes first)
``FRMR_STARTUP main-window <seconds>``   a ``QMainWindow`` is shown

Seconds are counted from the start of the process (the OS's record of it where available, so the
PyInstaller bootloader and interpreter start-up are included), else from this module's import.
The probe quits the app after the main window appears, or after the first window when
``FRMR_STARTUP_PROBE=first`` (the KDF behind an unlock dialog is not part of start-up). A
watchdog (``FRMR_STARTUP_PROBE_TIMEOUT``, default 30 s) quits with code 3 if nothing appears.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

_IMPORTED_AT = time.time()


def process_start_time() -> float:
    """Wall-clock time the current process started (epoch seconds)."""
    try:
        # Linux: field 22 of /proc/self/stat is the start time in clock ticks after boot.
        with open("/proc/self/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[19])
        hz = os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        boot = time.time() - uptime
        return boot + ticks / hz
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED_AT


def enabled() -> bool:
    return os.environ.get("FRMR_STARTUP_PROBE", "") not in ("", "0")


class _Probe:
    def __init__(self, app: Any, stop_after: str) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QMainWindow, QWidget

        self.t0 = process_start_time()
        self.stop_after = stop_after
        self.seen_first = False
        self.app = app
        probe = self

        class Filter(QObject):
            # An application-wide event filter sees every widget's Show without the app's help.
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # Qt override (camelCase)
                if event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
                    probe.shown(isinstance(obj, QMainWindow))
                return False

        self.filter = Filter()
        app.installEventFilter(self.filter)
        timeout = float(os.environ.get("FRMR_STARTUP_PROBE_TIMEOUT", "30"))
        QTimer.singleShot(int(timeout * 1000), self.timed_out)

    def report(self, what: str) -> None:
        print(f"FRMR_STARTUP {what} {time.time() - self.t0:.3f}", flush=True)

    def shown(self, is_main: bool) -> None:
        from PySide6.QtCore import QTimer

        if not self.seen_first:
            self.seen_first = True
            self.report("first-window")
            if self.stop_after == "first" and not is_main:
                # Let the window paint once so its construction cost is fully counted, then leave.
                QTimer.singleShot(0, self.app.quit)
                return
        if is_main:
            self.report("main-window")
            self.app.removeEventFilter(self.filter)
            QTimer.singleShot(0, self.app.quit)

    def timed_out(self) -> None:
        print("FRMR_STARTUP timeout", flush=True)
        self.app.exit(3)


_probe: _Probe | None = None


def arm(app: Any) -> None:
    """Install the probe on ``app`` if ``FRMR_STARTUP_PROBE`` is set; otherwise do nothing."""
    global _probe
    if not enabled() or _probe is not None:
        return
    mode = os.environ.get("FRMR_STARTUP_PROBE", "1")
    _probe = _Probe(app, "first" if mode == "first" else "main")
    print(f"FRMR_STARTUP qapplication {time.time() - _probe.t0:.3f}", file=sys.stdout, flush=True)
