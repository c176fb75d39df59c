"""Resident memory of the whole app (issue 13: ≤ 400 MB with the large vault open).

The real GUI process — ``desktop.app.main``, the entry point of ``frmr-desktop`` — is started
in a fresh interpreter (``--child``), offscreen, on an HR clerk's vault of 20,000 persons /
100,000 cards (``bench/make_large_vault.py``); a driver inside it types the passphrase on the
unlock screen, waits for «Сотрудники», searches, clears the search and scrolls the list to its
end, then samples the process's resident set for a few seconds. Each child reports

* ``peak_mb`` — the process's high-water mark (``VmHWM``) over the whole run, unlock included;
* ``steady_mb`` — the median resident set (``VmRSS``) sampled after the scroll, the app idle;
* ``after_unlock_mb`` — the resident set when «Сотрудники» first showed its rows.

Baselines in the same run: the same app on an empty HR vault, and a bare PySide6 window.

    uv run python bench/hr_memory.py [--root DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STEADY_S = 3.0


def _status(key: str) -> float:
    """A ``/proc/self/status`` figure in MB (``VmRSS``, ``VmHWM``)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def child(folder: Path, passphrase: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    result: dict[str, Any] = {}
    samples: list[float] = []
    state: dict[str, Any] = {"step": "unlock", "since": time.perf_counter()}

    def staff_view() -> Any:
        from desktop.views.hr.staff_view import StaffView

        for w in app.topLevelWidgets():
            for v in w.findChildren(StaffView):
                if v.isVisible():
                    return v
        return None

    def filled(view: Any) -> bool:
        m, t = view.model, view.table
        if m._busy or not m.loaded:
            return False
        first = t.rowAt(0)
        if first < 0:
            return bool(m.rowCount() == 0)
        last = t.rowAt(t.viewport().height() - 1)
        last = last if last >= 0 else m.rowCount() - 1
        return all(m.row_at(r) is not None for r in range(first, last + 1))

    def finish(error: str | None = None) -> None:
        if error:
            result["error"] = error
        result["peak_mb"] = _status("VmHWM")
        print(json.dumps(result), flush=True)
        app.quit()

    def tick() -> None:  # the driver: one step each time what it waits for has happened
        step = state["step"]
        if time.perf_counter() - state["since"] > 90:
            finish(f"timed out at {step}")
            return
        if step == "unlock":
            from desktop.views.access.unlock_view import UnlockView

            for w in app.topLevelWidgets():
                for u in w.findChildren(UnlockView):
                    if u.isVisible():
                        u.passphrase.setText(passphrase)
                        u.unlock_button.click()
                        state.update(step="staff", since=time.perf_counter())
                        return
        elif step == "staff":
            view = staff_view()
            if view is not None and filled(view):
                result["rows"] = view.model.rowCount()
                result["after_unlock_mb"] = _status("VmRSS")
                view.search.setText("Петров")
                state.update(step="search", view=view)
        elif step == "search":
            view = state["view"]
            if view.model.query.search == "Петров" and filled(view):
                view.search.setText("")
                state.update(step="cleared")
        elif step == "cleared":
            view = state["view"]
            if view.model.query.search == "" and filled(view) and view.model.rowCount() == result["rows"]:
                state.update(step="scroll", at=0)
        elif step == "scroll":
            view = state["view"]
            if filled(view):
                bar = view.table.verticalScrollBar()
                if state["at"] > 20:
                    state.update(step="steady", t0=time.perf_counter())
                    return
                bar.setValue(bar.maximum() * state["at"] // 20)
                state["at"] += 1
        elif step == "steady":
            samples.append(_status("VmRSS"))
            if time.perf_counter() - state["t0"] > STEADY_S:
                result["steady_mb"] = statistics.median(samples)
                finish()

    driver = QTimer()
    driver.setInterval(20)
    driver.timeout.connect(tick)
    driver.start()
    from desktop import app as frmr_app

    frmr_app.main(["--profile", str(folder)])


def bare_child() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.setCentralWidget(QLabel("ФРМР"))
    window.show()

    def done() -> None:
        print(json.dumps({"peak_mb": _status("VmHWM"), "steady_mb": _status("VmRSS")}), flush=True)
        app.quit()

    QTimer.singleShot(1000, done)
    app.exec()


def consented(folder: Path, passphrase: str) -> None:
    """The consent (152-ФЗ) given once, as a person would at the first unlock: the app then opens
    on the clerk's sections, not the consent screen."""
    from desktop.models.repository import RecordRepository
    from desktop.vault.store import Vault

    vault = Vault.open(folder, passphrase)
    try:
        repo = RecordRepository(vault, user="bench")
        if not repo.consent_given():
            repo.record_consent()
    finally:
        vault.close()


def run_child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parent.parent, check=False, timeout=180)
    line = next((x for x in reversed(out.stdout.splitlines()) if x.startswith("{")), None)
    if line is None:
        raise SystemExit(f"{args[:1]}: the child did not report\n{out.stdout}\n{out.stderr[-3000:]}")
    got: dict[str, Any] = json.loads(line)
    if "error" in got:
        raise SystemExit(f"{args[:1]}: {got['error']}\n{out.stderr[-3000:]}")
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "frmr-bench-hr-memory")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("FOLDER", "PASSPHRASE"))
    ap.add_argument("--bare-child", action="store_true")
    args = ap.parse_args()
    if args.bare_child:
        bare_child()
        return
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.hr_gui import empty_vault, hr_vault
    from bench.make_large_vault import PASSPHRASE

    large = hr_vault(args.root / "profiles", 20_000, 100_000)
    empty = empty_vault(args.root / "empty")
    for folder in (large, empty):
        consented(folder, PASSPHRASE)
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "FRMR_PROFILES_DIR": str(args.root / "app-profiles"), "FRMR_LOG_DIR": str(args.root / "logs")}
    got: dict[str, list[dict[str, Any]]] = {"large HR vault": [], "empty HR vault": [], "bare PySide6 window": []}
    for _ in range(args.runs):  # interleaved: every figure sees the same moments of a shared machine
        got["bare PySide6 window"].append(run_child(["--bare-child"], env))
        got["empty HR vault"].append(run_child(["--child", str(empty), PASSPHRASE], env))
        got["large HR vault"].append(run_child(["--child", str(large), PASSPHRASE], env))
    print(f"resident memory of the app process, MB, medians of {args.runs} runs (target: ≤ 400 with the large vault)")
    print(f"{'':22} {'peak':>7} {'steady':>7} {'after unlock':>13}")
    for name, runs in got.items():
        med = {k: statistics.median(r[k] for r in runs) if all(k in r for r in runs) else float("nan")
               for k in ("peak_mb", "steady_mb", "after_unlock_mb")}
        print(f"{name:22} {med['peak_mb']:7.0f} {med['steady_mb']:7.0f} {med['after_unlock_mb']:13.0f}")
    print(f"steady: after a search and a scroll to the end of the list ({got['large HR vault'][0]['rows']} rows), "
          "the app idle; peak: VmHWM over the run (the unlock's Argon2id included)")


if __name__ == "__main__":
    main()
