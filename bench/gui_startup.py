"""Cold start of the GUI to an interactive main window, and GUI-thread stalls.

For each vault (the demo vault and a large one: 20,000 persons, 100,000 employment cards) it
starts fresh interpreters (``--child``) that import the app, build the window, unlock the vault
(the passphrase is "typed" at once), and wait until the record is shown and the event loop
turns again. Each child reports:

* ``startup_s`` — process start to interactive main window, minus the Argon2id derivation
  (measured inside the same run by timing ``KeyFile.kek_for``) and the typing: process start
  to the unlock screen shown, plus Enter to the record interactive;
* ``after_enter_s`` — Enter pressed on the unlock screen to interactive record, minus the KDF: what
  a person waits for once the passphrase is typed (``--typing-ms`` delays Enter as a person's typing
  would; the record stack is imported in the background meanwhile, see desktop.views.runtime.prewarm);
* ``wall_s`` — the same with the KDF included;
* ``kdf_s`` — that derivation;
* ``stall_startup_ms`` — the longest gap of a 5 ms QTimer heartbeat, minus 5 ms, from the
  window first shown to interactive;
* ``imports_s`` / ``window_s`` — process start to the app's modules imported / to the unlock
  screen shown (the passphrase is typed there; everything after it is the record opening);
* ``stall_settle_ms`` — the longest heartbeat gap in the 1.5 s after the record is interactive,
  while the remaining sections are built and their own background reads run;
* ``save_ms`` — submit-to-done of one saved edit (validation + row + outbox + journal in the DB
  worker, then the re-read), median of the edits;
* ``stall_saving_ms`` — the longest heartbeat gap while those edits were saved.

    uv run python bench/gui_startup.py [--runs 5] [--edits 20]

The parent prints medians over the runs. Offscreen Qt unless QT_QPA_PLATFORM is set.
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

T_PROCESS = time.time()  # as early as this script can observe; the parent adds the interpreter start


class Sampler:
    """``--why``: samples the GUI thread's stack every 2 ms, to tell what a long gap was doing."""

    def __init__(self) -> None:
        import threading

        self.main = threading.main_thread().ident
        self.samples: list[tuple[float, list[str]]] = []
        self.others: list[tuple[float, list[str]]] = []  # the other threads: who held the GIL
        self.running = True
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        import threading
        import traceback

        me = threading.get_ident()
        while self.running:
            now = time.perf_counter()
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                stack = [f"{Path(fs.filename).name}:{fs.lineno} {fs.name}" for fs in traceback.extract_stack(frame)]
                (self.samples if ident == self.main else self.others).append((now, stack))
            time.sleep(0.002)

    def explain(self, gaps: list[tuple[float, float]], threshold: float = 0.04) -> None:
        from collections import Counter

        for end, gap in sorted(gaps, key=lambda g: -g[1])[:4]:
            if gap < threshold:
                break
            inside = [st for t, st in self.samples if end - gap <= t <= end]
            leaves = Counter(" < ".join(reversed(st[-6:])) for st in inside)
            print(f"--- gap {gap * 1000:.0f} ms, {len(inside)} samples", file=sys.stderr)
            for text, n in leaves.most_common(4):
                print(f"  {n:3} {text}", file=sys.stderr)
            other = Counter(" < ".join(reversed(st[-5:])) for t, st in self.others if end - gap <= t <= end)
            for text, n in other.most_common(3):
                print(f"  other thread {n:3} {text}", file=sys.stderr)


def child(folder: Path, passphrase: str, edits: int, t0: float, typing_ms: int = 0, why: bool = False) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.vault import keys
    from desktop.views.access.unlock_view import UnlockView
    from desktop.views.runtime.prewarm import Preloader
    from desktop.views.shell.main_window import MainWindow
    from desktop.views.shell.session import Session

    imports_s = time.time() - t0

    kdf: list[float] = []
    original = keys.KeyFile.kek_for

    def timed(self: keys.KeyFile, passphrase: str) -> bytes:
        s = time.perf_counter()
        try:
            return original(self, passphrase)
        finally:
            kdf.append(time.perf_counter() - s)

    # a deliberate monkeypatch to time the KDF; mypy forbids assigning to a method on principle
    keys.KeyFile.kek_for = timed  # type: ignore[method-assign]

    app = QApplication([])
    sampler = Sampler() if why else None
    gaps: list[tuple[float, float]] = []  # (time, gap)
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now, now - last[0]))
        last[0] = now

    heart = QTimer()
    heart.setInterval(5)
    heart.timeout.connect(beat)

    window = MainWindow()
    session = Session(window, folder.parent)
    session.start(folder)
    window.show()
    Preloader(app).start()  # as desktop.app.main does once its first window is shown
    shown = time.perf_counter()
    last[0] = shown  # building the window before it is shown is start-up time, not a stall anyone sees
    heart.start()
    window_s = time.time() - t0
    view = window.current_page()
    assert isinstance(view, UnlockView)
    result: dict[str, float] = {}
    enter: list[float] = []

    def type_and_enter() -> None:
        enter.append(time.perf_counter())
        view.passphrase.setText(passphrase)
        view.unlock_button.click()

    # 0 ms: the passphrase "typed" at once (the worst case: nothing overlaps the person typing).
    QTimer.singleShot(typing_ms, type_and_enter)

    def max_gap(since: float, until: float) -> float:
        inside = [g for t, g in gaps if since < t <= until]
        return max(0.0, (max(inside) if inside else 0.0) - 0.005) * 1000

    def interactive() -> None:
        now = time.perf_counter()
        result["after_enter_s"] = now - enter[0] - sum(kdf)
        # The person's typing is not the app's time: up to the unlock screen, then from Enter on.
        result["startup_s"] = window_s + result["after_enter_s"]
        result["wall_s"] = result["startup_s"] + sum(kdf)
        result["kdf_s"] = sum(kdf)
        # The KDF runs in the pool while the GUI keeps beating; a stall is a GUI-thread gap.
        result["stall_startup_ms"] = max_gap(shown, now)
        result["imports_s"] = imports_s
        result["window_s"] = window_s
        QTimer.singleShot(1500, lambda: settled(now))

    def settled(since: float) -> None:
        result["stall_settle_ms"] = max_gap(since, time.perf_counter())
        start_edits()

    saves: list[float] = []
    store_ref: list = []

    def start_edits() -> None:
        store = session.store
        assert store is not None
        store_ref.append(store)
        rows = store.rows("nmo")
        result["nmo_rows"] = len(rows)
        result["edit_from"] = time.perf_counter()
        # A row the workflow lets this role change (credits already decided are locked).
        from desktop.models.workflow import locked_error
        editable = [r for r in rows if not locked_error("nmo", store.role, r.get("status"))]
        one_edit(0, (editable or rows)[0]["id"])

    def one_edit(i: int, row_id: str) -> None:
        if i >= edits:
            end = time.perf_counter()
            result["save_ms"] = statistics.median(saves) * 1000
            result["stall_saving_ms"] = max_gap(result.pop("edit_from"), end)
            print(json.dumps(result))
            if sampler is not None:
                sampler.explain(gaps)
            app.quit()
            return
        s = time.perf_counter()
        job = store_ref[0].save("nmo", row_id, {"title": f"Правка {i}"})

        def done(_r: object) -> None:
            saves.append(time.perf_counter() - s)
            QTimer.singleShot(0, lambda: one_edit(i + 1, row_id))

        job.done.connect(done)
        job.failed.connect(lambda exc: (print(json.dumps({"error": repr(exc)})), app.quit()))

    session.record_shown.connect(lambda: QTimer.singleShot(0, interactive))
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    window.close()


def baseline_child(t0: float) -> None:
    """The same machine, the same moment: a bare PySide6 window (the floor of any Qt app's start),
    then 1.5 s of an idle event loop's heartbeat (the stall this machine shows with no work)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.setCentralWidget(QLabel("ФРМР"))
    window.show()
    result: dict[str, float] = {}
    gaps: list[float] = []
    last = [0.0]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    def shown() -> None:
        result["startup_s"] = time.time() - t0
        last[0] = time.perf_counter()
        heart.start()
        QTimer.singleShot(1500, done)

    def done() -> None:
        result["idle_stall_ms"] = max(0.0, max(gaps) - 0.005) * 1000
        print(json.dumps(result))
        app.quit()

    heart = QTimer()
    heart.setInterval(5)
    heart.timeout.connect(beat)
    QTimer.singleShot(0, shown)
    app.exec()


def run_child(args: list[str], env: dict[str, str], tree: Path | None = None) -> dict[str, float]:
    """One child: this script's measuring code over this checkout's app, or (``--against``) over
    the app of the checkout ``tree`` — its code first on the path, ahead of the editable install
    of this one — so both are measured the same way."""
    here = Path(__file__).resolve().parent.parent
    if tree is not None:
        env = {**env, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env,
                         cwd=tree or here, check=False)
    line = next((x for x in reversed(out.stdout.splitlines()) if x.startswith("{")), None)
    if line is None or '"error"' in line:
        print(out.stdout, out.stderr, file=sys.stderr)
        raise SystemExit(f"{args[:2]}: the child did not report")
    if "--why" in args:
        print(out.stderr, file=sys.stderr)
    result: dict[str, float] = json.loads(line)
    return result


def ensure_vaults(root: Path) -> dict[str, tuple[Path, str]]:
    from bench.make_large_vault import NAME, PASSPHRASE, build
    from desktop.demo import DEMO_PASSPHRASE, ensure_demo_profile
    from desktop.vault.profiles import list_profiles

    demo = ensure_demo_profile(root / "demo")
    large = next((p.folder for p in list_profiles(root / "large") if p.name == NAME and p.has_vault), None)
    if large is None:
        print("building the large vault (20,000 persons, 100,000 cards)…", file=sys.stderr)
        large = build(root / "large", 20_000, 100_000)
    return {"demo": (demo, DEMO_PASSPHRASE), "large": (large, PASSPHRASE)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "frmr-bench-gui")
    ap.add_argument("--child", nargs=2, metavar=("FOLDER", "PASSPHRASE"))
    ap.add_argument("--baseline-child", action="store_true")
    ap.add_argument("--t0", type=float)
    ap.add_argument("--why", action="store_true", help="one run per vault; print what the GUI thread did in long gaps")
    ap.add_argument("--typing-ms", type=int, default=0,
                    help="press Enter this long after the unlock screen appears (a person typing)")
    ap.add_argument("--against", type=Path, metavar="CHECKOUT",
                    help="another checkout (git worktree add DIR COMMIT): its children run interleaved with "
                         "this one's on the same vaults, and both are printed with their ratio")
    args = ap.parse_args()
    if args.baseline_child:
        baseline_child(args.t0 or T_PROCESS)
        return
    if args.child:
        child(Path(args.child[0]), args.child[1], args.edits, args.t0 or T_PROCESS, args.typing_ms, args.why)
        return
    # Vaults made with the app's real (calibrated) KDF cost unless the caller asked otherwise.
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "FRMR_LOG_DIR": str(args.root / "logs")}
    if args.against is None:
        vaults = ensure_vaults(args.root)
    else:
        # Built by the older checkout: vaults it can open (this one migrates them as it opens
        # them), and the same data for both — its large vault is a doctor's replica, where this
        # checkout's own would be an HR clerk's (a different first screen).
        made = subprocess.run(
            [sys.executable, "-c", "import json, sys; from pathlib import Path; from bench.gui_startup import "
             "ensure_vaults; print(json.dumps({k: [str(f), p] for k, (f, p) in "
             "ensure_vaults(Path(sys.argv[1])).items()}))", str(args.root)],
            env={**env, "PYTHONPATH": str(args.against)}, cwd=args.against, capture_output=True, text=True,
            check=True)
        vaults = {k: (Path(f), p) for k, (f, p) in json.loads(made.stdout.splitlines()[-1]).items()}
    # Interleaved, so that the baseline and every vault see the same moments of a shared machine.
    base: list[dict[str, float]] = []
    by_vault: dict[str, list[dict[str, float]]] = {name: [] for name in vaults}
    other: dict[str, list[dict[str, float]]] = {name: [] for name in vaults}
    for _ in range(args.runs):
        base.append(run_child(["--baseline-child", "--t0", repr(time.time())], env))
        for name, (folder, passphrase) in vaults.items():
            # each checkout goes first in every second run: neither always meets a warmer cache
            trees: list[Path | None] = [None] if args.against is None else \
                [None, args.against] if len(base) % 2 else [args.against, None]
            for tree in trees:
                (by_vault if tree is None else other)[name].append(run_child(
                    ["--child", str(folder), passphrase, "--edits", str(args.edits), "--t0", repr(time.time()),
                     "--typing-ms", str(args.typing_ms), *(["--why"] if args.why else [])], env, tree))
    report(args, base, by_vault)
    if args.against is not None:
        print(f"\n--- {args.against} (the same runs, interleaved with the above) ---")
        report(args, base, other)
        keys_ = ["startup_s", "after_enter_s", "stall_startup_ms", "stall_settle_ms", "stall_saving_ms", "save_ms"]
        print("\nthis checkout / the other, median of per-run ratios (1.05 = 5 % slower here):")
        for name in vaults:
            ratios = {k: statistics.median(r[k] / o[k] if o[k] else 1.0
                                           for r, o in zip(by_vault[name], other[name], strict=True))
                      for k in keys_}
            print(f"  {name:5} " + "  ".join(f"{k} {v:.2f}" for k, v in ratios.items()))


def report(args: argparse.Namespace, base: list[dict[str, float]],
           by_vault: dict[str, list[dict[str, float]]]) -> None:
    base_start = statistics.median(b["startup_s"] for b in base)
    print(f"baseline (a bare PySide6 window, same runs): start {base_start:.3f} s, "
          f"idle event loop's longest gap {statistics.median(b['idle_stall_ms'] for b in base):.0f} ms "
          f"(worst {max(b['idle_stall_ms'] for b in base):.0f})")
    for name, runs in by_vault.items():
        ratio = statistics.median(r["startup_s"] / b["startup_s"] for r, b in zip(runs, base, strict=True))
        keys_ = ["wall_s", "startup_s", "after_enter_s", "kdf_s", "imports_s", "window_s", "stall_startup_ms",
                 "stall_settle_ms", "save_ms", "stall_saving_ms"]
        med = {k: statistics.median(r[k] for r in runs) for k in keys_}
        worst = {k: max(r[k] for r in runs) for k in keys_}
        print(f"{name:5}  runs={len(runs)}  medians:\n"
              f"  cold start to interactive record, excluding KDF: {med['startup_s']:.3f} s "
              f"(KDF {med['kdf_s']:.3f} s; of it: imports done {med['imports_s']:.3f} s, "
              f"unlock screen shown {med['window_s']:.3f} s)\n"
              f"  the same with the KDF: {med['wall_s']:.3f} s\n"
              f"  Enter pressed {args.typing_ms} ms after the unlock screen → record interactive, excluding KDF: "
              f"{med['after_enter_s']:.3f} s\n"
              f"  GUI stall: startup {med['stall_startup_ms']:.0f} ms (worst {worst['stall_startup_ms']:.0f}), "
              f"settling {med['stall_settle_ms']:.0f} ms (worst {worst['stall_settle_ms']:.0f}), "
              f"saving {med['stall_saving_ms']:.0f} ms (worst {worst['stall_saving_ms']:.0f})\n"
              f"  one saved edit (worker submit to done): {med['save_ms']:.1f} ms\n"
              f"  start excluding KDF / bare PySide6 window, per run: {ratio:.2f}×")


if __name__ == "__main__":
    main()
