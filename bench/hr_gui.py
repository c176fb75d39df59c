"""«Сотрудники» (issue 13) on an HR clerk's vault of 20,000 persons / 100,000 cards
(``bench/make_large_vault.py``), the real ``StaffView`` offscreen.

Medians of ``--runs`` runs of:

* the list interactive after unlock: from the opened vault (the KDF is over) to the first
  screen of rows painted, with a fresh vault connection and DB worker each run;
* a search keystroke → the visible rows of the result (the pause the view waits for more typing,
  ``staff_view.SEARCH_DELAY_MS``, counted);
* opening a person: the person card filled (person, cards, qualification, стаж, history);
* a card saved (the op's answer) and the list updated after it;

each with the longest GUI-thread stall. Baselines in the same run: the same first screen on an
empty HR vault, and for search and open the SQL alone (``staff_list`` / ``card_tasks`` on a
connection, no Qt).

    QT_QPA_PLATFORM=offscreen uv run python bench/hr_gui.py [--root DIR] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from bench.lists import Stalls, rss_mb
from bench.make_large_vault import PASSPHRASE, build
from desktop.models import staff_list
from desktop.models.repository import RecordRepository, remember_account
from desktop.vault.profiles import create_profile
from desktop.vault.store import Vault
from desktop.views.hr import card_tasks
from desktop.views.hr.person_card import PersonCard
from desktop.views.hr.staff_view import StaffView
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime import heap
from desktop.views.runtime.workers import DbWorker


def wait(app: QApplication, cond: Callable[[], bool], timeout: float = 60.0) -> float:
    """Run the event loop until ``cond()``; ms waited. Unlike a bare processEvents() spin (which
    keeps the GIL from the DB worker most of the time and so slows the very work it waits for),
    it sleeps half a millisecond between turns, as the app's idle event loop would."""
    t0 = time.perf_counter()
    while not cond():
        app.processEvents()
        time.sleep(0.0005)
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError
    return (time.perf_counter() - t0) * 1000


TERMS = ["Петров", "смирн", "Кузнецов Серг", "002-000-0", "Михайлов Андрей"]


def visible_filled(view: StaffView) -> bool:
    m, t = view.model, view.table
    if m._busy or not m.loaded:
        return False
    first = t.rowAt(0)
    if first < 0:
        return m.rowCount() == 0
    last = t.rowAt(t.viewport().height() - 1)
    last = last if last >= 0 else m.rowCount() - 1
    return all(m._rows.get(m._ids[r]) is not None for r in range(first, last + 1))


class Opened:
    def __init__(self, app: QApplication, folder: Path, stalls: Stalls | None = None) -> None:
        self.vault = Vault.open(folder, PASSPHRASE)  # the unlock's KDF: in the pool in the app, not counted
        if stalls is not None:
            stalls.start()
        t = time.perf_counter()
        self.worker = DbWorker()
        self.store = RecordStore(self.worker, RecordRepository(self.vault, user="bench"), folder, {})
        self.store.load(lambda exc: print("load failed", exc))
        self.view = StaffView(self.store, [], {}, read_only=False)
        self.view.resize(1300, 800)
        self.view.show()
        self.ms = (time.perf_counter() - t) * 1000 + wait(app, lambda: visible_filled(self.view))

    def close(self, app: QApplication) -> None:
        self.view.close()
        self.view.deleteLater()
        self.store.clear()
        app.processEvents()
        self.worker.stop()
        self.vault.close()


def hr_vault(root: Path, persons: int, cards: int) -> Path:
    folders = sorted(p for p in root.glob("*") if (p / "vault.db").exists()) if root.exists() else []
    folder = folders[0] if folders else build(root, persons, cards)
    vault = Vault.open(folder, PASSPHRASE)
    try:
        with vault.begin() as conn:
            # The clerk's organization not known: «Сотрудники» lists every person of the vault.
            remember_account(conn, "hr", [])
            conn.exec_driver_sql("DELETE FROM meta WHERE key = 'person_id'")
    finally:
        vault.close()
    return folder


def empty_vault(root: Path) -> Path:
    made = sorted(p for p in root.glob("*") if (p / "vault.db").exists()) if root.exists() else []
    if made:
        return made[0]
    prof = create_profile(root, "Пустое хранилище кадровика")
    vault, _ = Vault.create(prof.folder, PASSPHRASE)
    try:
        with vault.begin() as conn:
            remember_account(conn, "hr", [])
    finally:
        vault.close()
    return prof.folder


def med(xs: list[float]) -> str:
    return f"{statistics.median(xs):8.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    root = args.root or Path(tempfile.mkdtemp(prefix="frmr-hr-"))
    folder = hr_vault(root / "profiles", 20_000, 100_000)
    empty = empty_vault(root / "empty")
    heap.install()
    stalls = Stalls()
    out: dict[str, tuple[list[float], list[float], list[float]]] = {}

    def add(name: str, ms: float, stall: float, base: float) -> None:
        got = out.setdefault(name, ([], [], []))
        got[0].append(ms)
        got[1].append(stall)
        got[2].append(base)

    for _ in range(args.runs):
        e = Opened(app, empty)
        base = e.ms
        e.close(app)
        o = Opened(app, folder, stalls)
        add("«Сотрудники» interactive after unlock", o.ms, stalls.stop(), base)
        o.close(app)

    base_rss = rss_mb()
    o = Opened(app, folder)
    view, model, repo = o.view, o.view.model, o.store.repo
    for _ in range(args.runs):
        # The stall baseline: an idle event loop on this machine now (a shared machine's
        # scheduler alone blocks the loop for some milliseconds at times).
        stalls.start()
        t_idle = time.perf_counter()
        wait(app, lambda t0=t_idle: time.perf_counter() - t0 > 0.3)  # type: ignore[misc]
        add("idle event loop, 300 ms (stall baseline)", 300.0, stalls.stop(), 0.0)
    nsi = o.store.nsi
    heap.settle()
    for i in range(args.runs):
        term = TERMS[i % len(TERMS)]
        with repo.vault.read() as conn:
            conn.exec_driver_sql("SELECT 1")
            raw: Any = conn.connection.dbapi_connection
            t = time.perf_counter()
            ids = staff_list.fetch_ids(raw, staff_list.StaffQuery(search=term), nsi)
            staff_list.fetch_rows(raw, ids[:200], None)
            base = (time.perf_counter() - t) * 1000
        stalls.start()
        t = time.perf_counter()
        view.search.setText(term)  # as the last keystroke of the term: its pause before searching counted
        ms = (time.perf_counter() - t) * 1000 + wait(
            app, lambda term=term: model.query.search == term and visible_filled(view))  # type: ignore[misc]
        add("search keystroke → visible rows", ms, stalls.stop(), base)
        view.search.setText("")
        view._timer.stop()
        view._search_now()
        wait(app, lambda: model.rowCount() >= 20_000 and visible_filled(view))

    active = [r for r in (model.row_at(k) for k in range(200)) if r is not None and r.state == "active"]
    for i in range(args.runs):
        row = active[i * 3]
        t = time.perf_counter()
        card_tasks.read_person(repo, row.id, None)
        base = (time.perf_counter() - t) * 1000
        stalls.start()
        t = time.perf_counter()
        card = view.open_person(row.id)
        ms = (time.perf_counter() - t) * 1000 + wait(app, lambda c=card: c.loaded_ops >= 1)  # type: ignore[misc]
        add("open a person (card filled)", ms, stalls.stop(), base)
        if i == args.runs - 1:
            last: PersonCard = card
        else:
            card.close()
            card.deleteLater()
    app.processEvents()

    assert last.data is not None
    for i in range(args.runs):
        # A current card: its subdivision is what the list shows for the person.
        cid = str(next(c for c in last.data.cards if not c.get("end_date"))["id"])
        saved: list[float] = []
        listed: list[float] = []
        model.dataChanged.connect(lambda *_a, got=listed: got.append(time.perf_counter()))  # type: ignore[misc]
        before = last.loaded_ops
        stalls.start()
        t = time.perf_counter()
        op = last._write(lambda cid=cid, i=i: card_tasks.save_card(  # type: ignore[misc]
            repo, last.person_id, cid, {"subdivision": f"Отделение {i}"}))
        op.done.connect(lambda _r, got=saved: got.append(time.perf_counter()))  # type: ignore[misc]
        wait(app, lambda s=saved, d=listed: bool(s) and bool(d))  # type: ignore[misc]
        add("save a card (op answered)", (saved[0] - t) * 1000, stalls.stop(), 0.0)
        add("  … the list updated after it", (listed[0] - saved[0]) * 1000, 0.0, 0.0)
        # the list's and the card's own re-reads after the save, before the next one
        wait(app, lambda n=before: not model._busy and last.loaded_ops > n)  # type: ignore[misc]
    bar = view.table.verticalScrollBar()
    for step in range(11):  # the list scrolled top to bottom: blocks fetched and held
        bar.setValue(bar.maximum() * step // 10)
        wait(app, lambda: visible_filled(view))
    list_rss = rss_mb()
    o.close(app)

    print(f"resident memory: {list_rss:.0f} MB with the list open and scrolled "
          f"(baseline: {base_rss:.0f} MB, the same process before opening it)")
    print(f"{'':42} {'median ms':>9} {'stall ms':>9} {'baseline':>9}   (runs: {args.runs})")
    for name, (times, stall, base_ms) in out.items():
        print(f"{name:42} {med(times)} {med(stall)} {med(base_ms)}")
    print("baselines: interactive — the same on an empty HR vault; search and open — the SQL alone")


if __name__ == "__main__":
    main()
