"""Cold start of the FROZEN bundle: process start -> main window shown, median over several runs.

    uv run python bench/bundle_startup.py [--runs 7] [--bundle dist/frmr-desktop] [--drop-caches]

Each run is a new process (so the bootloader, unpacking-free one-folder start, interpreter and
imports are all counted) on the offscreen platform with no display. The app reports the moment its
main window is shown through desktop.diagnostics.startup_probe (``FRMR_STARTUP_PROBE=1``) and quits. Scenarios:

* ``first-start`` — no profiles yet: the main window opens on the first-start wizard;
* ``unlock``      — the demo profile exists (created once beforehand, outside the timing):
                    the main window opens on the unlock page. The KDF runs only after the user
                    types the passphrase, so it is excluded by construction.

``--drop-caches`` (root only) empties the OS page cache before every run — a true cold disk start;
without it the bundle's files are in the page cache after the first run (a warm restart).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0


def _env(profiles: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", FRMR_PROFILES_DIR=str(profiles), FRMR_STARTUP_PROBE="1",
               FRMR_FAST_KDF="1")
    return env


def _drop_caches() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def one_run(exe: Path, profiles: Path, args: list[str], drop: bool) -> tuple[float, float]:
    """-> (seconds to main window as the app measured it, wall seconds until the process exited)."""
    if drop:
        _drop_caches()
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), *args], env=_env(profiles), capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - t0
    marks = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "FRMR_STARTUP":
            marks[parts[1]] = float(parts[2])
    if "main-window" not in marks:
        raise RuntimeError(f"no main-window mark (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr[-2000:]}")
    return marks["main-window"], wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, default=ROOT / "dist" / "frmr-desktop")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--drop-caches", action="store_true")
    ns = ap.parse_args(argv)
    exe = ns.bundle / ("frmr-desktop.exe" if sys.platform == "win32" else "frmr-desktop")
    if not exe.exists():
        print(f"нет {exe}: сначала installer/build", file=sys.stderr)
        return 2
    worst_median = 0.0
    with tempfile.TemporaryDirectory(prefix="frmr-bench-") as tmp:
        empty = Path(tmp) / "empty"
        demo = Path(tmp) / "demo"
        empty.mkdir()
        # Create the demo profile once (its vault creation runs the KDF) so the timed runs don't.
        one_run(exe, demo, ["--demo"], False)
        for name, profiles, args in (("first-start", empty, []), ("unlock", demo, ["--demo"])):
            one_run(exe, profiles, args, False)  # discard: the very first start pays for disk reads once
            marks, walls = [], []
            for _ in range(ns.runs):
                m, w = one_run(exe, profiles, args, ns.drop_caches)
                marks.append(m)
                walls.append(w)
            med = statistics.median(marks)
            worst_median = max(worst_median, med)
            print(f"{name:12s} main window: median {med:.3f} s, min {min(marks):.3f}, max {max(marks):.3f} "
                  f"({ns.runs} runs{', page cache dropped' if ns.drop_caches else ''}); "
                  f"process wall incl. exit: median {statistics.median(walls):.3f} s")
    verdict = "OK" if worst_median <= TARGET_S else "SLOW"
    print(f"[{verdict}] frozen cold start to main window: {worst_median:.3f} s (target ≤ {TARGET_S} s, KDF excluded)")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
