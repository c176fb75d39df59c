"""The operator's queue of 10,000 applications filters in ≤ 100 ms (issue 15).

    QT_QPA_PLATFORM=offscreen uv run python bench/operator_queue.py [--rows 10000] [--runs 7] [--pg URL]

What is measured, on the GUI thread, per keystroke: the typed text set in the quick filter until
the table has painted what it shows (``repaint`` of the viewport: synchronous), for a number
typed a character at a time, a surname, a specialty and the text cleared again. ``load``: the
list arriving from the server (the rows prepared in the pool, as the view's op does, before the
clock starts) until painted. Baseline in the same run: the same queue in a QTableWidget refilled
on every keystroke (the rows containing the text, then ``operator.common.show_rows``: the
console's list before).

``server``: a status chosen in the queue asks the server again — ``GET /admin/applications?status=…
&limit=10000`` over 10,000 applications of 10,000 persons (SQLite, and PostgreSQL with ``--pg``, an
empty database), answered through the app as the operator, applicants' names included; and the
rows prepared for the table in the pool (``_queue``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLineEdit, QTableWidget, QVBoxLayout, QWidget

SURNAMES = ["Иванова", "Петров", "Ёлкина", "Сидоров", "Кузнецова", "Смирнов", "Попова", "Соколов"]
FIRST = ["Анна", "Мария", "Пётр", "Иван", "Ольга", "Сергей"]


def applications(n: int, seed: int = 3) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        out.append({"id": f"{i:08d}-0000-4000-8000-000000000000", "person_id": f"p{i}", "version": 2,
                    "person": {"name": f"{rnd.choice(SURNAMES)} {rnd.choice(FIRST)} Ивановна",
                                  "snils": f"{rnd.randrange(10**10, 10**11):011d}"},
                    "fields": {"kind": rnd.choice(["primary", "primary_specialized", "periodic"]),
                               "specialty_code": rnd.choice(["36", "39", "53", "76", "110"]),
                               "status": rnd.choice(["submitted", "in_review"]),
                               "submitted_at": f"2026-{rnd.randrange(1, 12):02d}-{rnd.randrange(1, 28):02d}",
                               "confirmation_number": f"А-2026-{100000 + i}"}})
    return out


TYPED = [*("А-2026-10" + "1234"[:k] for k in range(5)), "", *("Ёлкина"[:k] for k in range(1, 7)), "",
         "терапия", ""]


def _time(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _painted(fn: Callable[[], Any], view: QWidget) -> float:
    """``fn`` and the synchronous repaint of what the table shows after it, in ms."""
    def both() -> None:
        fn()
        view.repaint()

    return _time(both)


def _typed(search: QLineEdit, view: QWidget) -> list[float]:
    return [_painted(lambda t=t: search.setText(t), view) for t in TYPED]  # type: ignore[misc]


def _measured(app: QApplication, table: QWidget, filtered: Callable[[str], None], load: Callable[[], None]
              ) -> tuple[float, list[float]]:
    """The queue's window (the search field over the table) shown, then timed: the list
    arriving (``load``), and each typed text (``filtered`` is what the text change does)."""
    w = QWidget()
    search = QLineEdit()
    search.textChanged.connect(filtered)
    lay = QVBoxLayout(w)
    lay.addWidget(search)
    lay.addWidget(table)
    w.resize(1200, 700)
    w.show()
    app.processEvents()
    view = table.viewport() if isinstance(table, QAbstractScrollArea) else table
    loaded = _painted(load, view)
    keys = _typed(search, view)
    w.close()
    return loaded, keys


def _prepared(items: list[dict[str, Any]]) -> tuple[list[str], list[list[str]], list[str], list[str]]:
    from desktop.views.operator.applications_view import HEADER, _queue

    cells, ids, hays = _queue([dict(i, fields=dict(i["fields"])) for i in items])
    return list(HEADER), cells, ids, hays


def ours(app: QApplication, items: list[dict[str, Any]]) -> tuple[float, list[float]]:
    from desktop.views.operator.queue_model import QueueTable

    header, cells, ids, hays = _prepared(items)
    table = QueueTable("Заявления", stretch=2)
    out = _measured(app, table, table.queue.set_filter, lambda: table.show_rows(header, cells, ids, hays))
    assert table.queue.rowCount() == len(items)
    return out


def before(app: QApplication, items: list[dict[str, Any]]) -> tuple[float, list[float]]:
    from desktop.views.operator.common import fold, show_rows

    header, cells, ids, hays = _prepared(items)
    rows = list(zip(ids, cells, strict=True))
    table = QTableWidget()

    def show(text: str) -> None:
        needle = fold(text.strip())
        shown = [r for r, h in zip(rows, hays, strict=True) if needle in h] if needle else rows
        show_rows(table, header, [list(c) for _, c in shown], [i for i, _ in shown], stretch=2)

    return _measured(app, table, show, lambda: show(""))


def server(url: str, n: int, runs: int) -> str:
    import uuid

    from fastapi.testclient import TestClient

    from bench.org_seed import OrgData, _row, load
    from desktop.models.checkdigits import make_inn10, make_snils
    from desktop.views.operator.applications_view import _queue
    from server.app import create_app
    from server.auth.accounts import create_account
    from server.config import Settings
    from server.db import in_write_tx, make_engine
    from server.migrate import upgrade
    from server.testing import token_for

    upgrade(url)
    engine = make_engine(url)
    d = OrgData(make_inn10("771000001"), "Бенч", make_inn10("771000002"))
    for i, a in enumerate(applications(n)):
        pid = str(uuid.uuid4())
        last, first, middle = a["person"]["name"].split()
        d.rows.append(_row("person", pid, {"snils": make_snils(f"{20_000_000 + i:09d}"), "last_name": last,
                                           "first_name": first, "patronymic": middle}, rid=pid))
        d.rows.append(_row("application", pid, a["fields"]))
    load(engine, d, summaries=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    in_write_tx(engine, lambda s: create_account(s, "bench.operator", "Bench-Operator-2026!", "admin",
                                                 with_totp=False))
    token = token_for(url, "bench.operator")["access_token"]
    out = []
    with TestClient(create_app(Settings(database_url=url))) as client:
        for status in ("submitted", "in_review", ""):
            times, prep = [], []
            items: list[dict[str, Any]] = []
            for _ in range(runs):
                t = time.perf_counter()
                r = client.get("/admin/applications", params={"status": status, "limit": 10_000},
                               headers={"Authorization": f"Bearer {token}", "X-Client-Schema": "1"})
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
                items = r.json()["items"]
                prep.append(_time(lambda items=items: _queue(items)))  # type: ignore[misc]
            assert all(i["person"]["name"] for i in items)
            out.append(f"status={status or 'все'}: {len(items)} rows, server median {statistics.median(times):.0f} ms, "
                       f"prepared in the pool {statistics.median(prep):.0f} ms")
    engine.dispose()
    return f"{engine.dialect.name}: " + "; ".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--pg", metavar="URL", help="a PostgreSQL database URL (an empty database is migrated)")
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    items = applications(args.rows)
    res: dict[str, dict[str, list[float]]] = {"ours": {"load": [], "key": []}, "before": {"load": [], "key": []}}
    for _ in range(args.runs):
        for name, fn in (("ours", ours), ("before", before)):
            load, keys = fn(app, items)
            res[name]["load"].append(load)
            res[name]["key"] += keys
    for name, r in res.items():
        keys = sorted(r["key"])
        print(f"{name:6}: load median {statistics.median(r['load']):7.1f} ms · keystroke median "
              f"{statistics.median(keys):6.1f} ms, p95 {keys[max(0, round(0.95 * len(keys)) - 1)]:6.1f} ms, "
              f"max {keys[-1]:6.1f} ms ({len(keys)} keystrokes, {args.rows} applications)")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(server(f"sqlite:///{tmp}/queue.sqlite3", args.rows, args.runs))
    if args.pg:
        print(server(args.pg, args.rows, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
