"""Sync benchmarks (issue 4): first sync of an HR clerk's organization, push of queued edits,
the ratio to a raw SQLCipher bulk insert of the same rows, and the longest GUI stall.

    uv run python bench/sync_bench.py [--staff 20000 --cards 5 --runs 3 --page 5000]

Targets: first sync of 20,000 staff / 100,000 employment cards ≤ 15 s; push of 1,000 queued
edits ≤ 3 s; sync throughput / raw bulk insert ≥ 0.3; longest event-loop stall ≤ 50 ms.
Issue 17 on top: the first sync not slower than 4.2 s with that ratio ≥ 0.45, and the server's
own time serving the feed, compression included (``server_share``, from Server-Timing) ≤ 1.7 s.
The server runs in its own process (real uvicorn, SQLite); the seeding is not timed.
The ratio's baseline is the driver-level bulk insert (see raw_insert); the machine is shared,
so baseline and sync runs alternate and the ratio is also given per pair of runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("FRMR_FAST_KDF", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sqlalchemy as sa
from sqlmodel import col

from desktop.models.checkdigits import make_snils
from desktop.models.nsi import shipped
from desktop.models.repository import table
from desktop.models.schema import entity
from server import staff as staff_list
from server.models import Record, SeqCounter
from server.testing import run_server
from tests.sync.world import Replica, ServerDb

_LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
         "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
         "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
         "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
         "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков",
         "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов"]
_FIRST = {"male": ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван",
                   "Михаил", "Артём", "Николай", "Владимир", "Павел", "Роман", "Олег", "Виктор"],
          "female": ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария",
                     "Екатерина", "Юлия", "Марина", "Людмила", "Галина", "Анастасия", "Вера", "Дарья"]}
_FATHER = ["Александров", "Сергеев", "Дмитриев", "Андреев", "Алексеев", "Иванов", "Михайлов", "Николаев",
           "Владимиров", "Павлов", "Викторов", "Петров", "Юрьев", "Олегов", "Васильев", "Анатольев"]
_UNITS = ["Терапевтическое отделение", "Хирургическое отделение № 1", "Хирургическое отделение № 2",
          "Приёмное отделение", "Отделение реанимации и интенсивной терапии", "Поликлиника № 3",
          "Кардиологическое отделение", "Неврологическое отделение", "Педиатрическое отделение",
          "Клинико-диагностическая лаборатория", "Отделение лучевой диагностики", "Администрация",
          "Гинекологическое отделение", "Травматологический пункт", "Дневной стационар"]
_PROFILES = ["терапия", "хирургия", "педиатрия", "кардиология", "неврология", "анестезиология-реаниматология",
             "акушерство и гинекология", "рентгенология", "клиническая лабораторная диагностика",
             "травматология и ортопедия", "организация здравоохранения", "сестринское дело"]
_RATES = ["1", "1", "1", "0.5", "0.25", "0.75", "1.5"]


def varied_person(rnd: random.Random, i: int) -> dict[str, Any]:
    """A person as the register holds them: names, birth dates, documents and contacts vary."""
    gender = rnd.choice(("male", "female"))
    end = "" if gender == "male" else "а"
    last = rnd.choice(_LAST)
    last = last + end if not last.endswith("ий") else last
    patronymic = rnd.choice(_FATHER) + ("ич" if gender == "male" else "на")
    if gender == "female":
        patronymic = patronymic.replace("ична", "на")
    born = dt.date(1955, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 45))
    return {"snils": make_snils(f"{rnd.randrange(2_000_000, 999_000_000):09d}"), "last_name": last,
            "first_name": rnd.choice(_FIRST[gender]), "patronymic": patronymic.replace("ичич", "ич"),
            "gender": gender, "birth_date": born.isoformat(), "citizenship": "643",
            "phone": f"+79{rnd.randrange(10**8, 10**9):09d}",
            "email": f"user{i}.{rnd.randrange(1000, 9999)}@mail.example.ru" if rnd.random() < 0.6 else None,
            "id_doc_type": "21", "id_doc_series": f"{rnd.randrange(1000, 9999)}",
            "id_doc_number": f"{rnd.randrange(100000, 999999)}",
            "id_doc_issued": (born + dt.timedelta(days=365 * 20 + rnd.randrange(0, 3000))).isoformat()}


@functools.cache
def _positions() -> list[str]:
    """The position codes of the shipped НСИ: a card with any other code is refused by the
    validation the edits of ``push_edits`` go through."""
    return sorted(shipped().get("position").entries, key=int)


def varied_card(rnd: random.Random, org: dict[str, str], c: int) -> dict[str, Any]:
    begin = dt.date(1995, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 30))
    closed = c > 0 and rnd.random() < 0.6
    card: dict[str, Any] = {
        **org, "subdivision": rnd.choice(_UNITS), "position_code": rnd.choice(_positions()),
        "position_type": rnd.choice(("main", "main", "internal_part_time", "external_part_time")),
        "contract_kind": "labor", "rate": rnd.choice(_RATES), "begin_date": begin.isoformat(),
        "contract_number": f"{rnd.randrange(1, 9999)}-{rnd.choice(('ТД', 'к', 'лс'))}",
        "contract_date": begin.isoformat(), "order_number": f"{rnd.randrange(1, 2999)}-к",
        "order_date": begin.isoformat(), "profile": rnd.choice(_PROFILES), "status": "confirmed"}
    if closed:
        card["end_date"] = (begin + dt.timedelta(days=rnd.randrange(30, 3650))).isoformat()
        card["end_reason"] = rnd.choice(("по собственному желанию", "перевод", "истечение срока договора"))
    return card


def seed_org(db: ServerDb, staff: int, cards: int, seed: int = 17) -> tuple[str, list[dict[str, Any]]]:
    """An organization with ``staff`` persons × ``cards`` employment cards, bulk-inserted in
    feed order. Returns the HR login and the rows (for the raw-insert baseline).

    The values vary as a real register's do (names, dates, numbers, units: issue 17 measures
    compression, which one name repeated 20,000 times would flatter)."""
    org = db.org()
    login = db.account("hr", org=org)
    rnd = random.Random(seed)
    rows: list[dict[str, Any]] = []
    with db.engine.begin() as conn:
        seq = int(conn.execute(sa.select(col(SeqCounter.value)).where(col(SeqCounter.name) == "feed")).scalar_one())
        batch: list[dict[str, Any]] = []
        for i in range(staff):
            pid = str(uuid.uuid4())
            items = [("person", pid, varied_person(rnd, i))]
            for c in range(cards):
                items.append(("employment", str(uuid.uuid4()), varied_card(rnd, org.fields(), c)))
            for ent, rid, data in items:
                seq += 1
                batch.append({"id": rid, "entity": ent, "person_id": pid, "version": 1, "deleted": False,
                              "data": data, "field_versions": {k: 1 for k in data}, "field_clients": {},
                              "seq": seq, "org_inn": data.get("org_inn"), "status": data.get("status"),
                              "sort_name": None,
                              "snils": data.get("snils"), "updated_at": time.time(), "updated_by": None})
                rows.append({"entity": ent, "id": rid, "person_id": pid, "data": data})
            if len(batch) >= 5000:
                conn.execute(sa.insert(Record), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(Record), batch)
        conn.execute(sa.update(SeqCounter).where(col(SeqCounter.name) == "feed").values(value=seq))
        staff_list.rebuild(conn, org.inn)  # what the feed's writer keeps for cards written through the API
    return login, rows


def raw_insert(folder: Path, rows: list[dict[str, Any]], *, how: str = "staged") -> float:
    """The local limit: the same rows straight into an empty vault (same SQLCipher key,
    pragmas and connection setup as the app's), one transaction. Building the tuples or dicts
    is not timed.

    ``how="staged"`` (the baseline of the ratio): pre-built tuples into an in-memory table by
    executemany, then one INSERT … SELECT per table with a 64 MB page cache — the fastest way
    found to put these rows into the vault from Python: row by row, FTS5 writes the search
    trigger's entries out at the end of every statement (docs/sync-protocol.md, «Pull»).
    ``how="rows"``: one executemany per table straight into the record table, the baseline of
    this bench before issue 17 (the sync now beats it). ``how="sqlalchemy"``: SQLAlchemy Core
    with a dict per row, the baseline of the earliest runs."""
    r = Replica(folder, "http://127.0.0.1:9")
    try:
        stamp = "2026-01-01T00:00:00+00:00"  # as long as the sync's updated_at
        by_ent: dict[str, list[Any]] = {}
        for row in rows:
            spec = entity(row["entity"])
            values = [row["data"].get(n) for n in spec.names]
            if how != "sqlalchemy":
                by_ent.setdefault(row["entity"], []).append((row["id"], row["person_id"], 1, stamp, *values))
            else:
                by_ent.setdefault(row["entity"], []).append({
                    "id": row["id"], "person_id": row["person_id"], "version": 1, "updated_at": stamp,
                    **dict(zip(spec.names, values, strict=True))})
        t0 = time.perf_counter()
        with r.vault.begin() as conn:
            if how == "staged":
                conn.exec_driver_sql("PRAGMA cache_size = -65536")
            for ent, items in by_ent.items():
                cols = ", ".join(("id", "person_id", "version", "updated_at", *entity(ent).names))
                marks = ", ".join("?" * (4 + len(entity(ent).names)))
                if how == "staged":
                    conn.exec_driver_sql(f"CREATE TEMP TABLE bench_{ent} AS SELECT {cols} FROM rec_{ent} WHERE 0")
                    conn.exec_driver_sql(f"INSERT INTO temp.bench_{ent} ({cols}) VALUES ({marks})", items)
                    conn.exec_driver_sql(f"INSERT INTO rec_{ent} ({cols}) SELECT {cols} FROM temp.bench_{ent}")
                elif how == "rows":
                    conn.exec_driver_sql(f"INSERT INTO rec_{ent} ({cols}) VALUES ({marks})", items)
                else:
                    conn.execute(table(ent).insert(), items)
        return time.perf_counter() - t0
    finally:
        r.close()


def first_sync(folder: Path, url: str, session: dict[str, Any], page: int, **engine: Any) -> tuple[float, float, Any]:
    """-> (wall seconds, this process's CPU seconds, report)."""
    r = Replica(folder, url)
    try:
        r.adopt_session(session)
        t0, c0 = time.perf_counter(), time.process_time()
        rep = r.sync(page_limit=page, timeout=120.0, **engine)
        return time.perf_counter() - t0, time.process_time() - c0, rep
    finally:
        r.close()


def server_share(url: str, session: dict[str, Any], page: int, gzip: bool = True) -> dict[str, float]:
    """The whole feed fetched as the client fetches it, nothing stored; the server's own time for
    it summed from each page's ``Server-Timing`` (feed: reading and building the page; gzip:
    compressing it) — the issue's "server's feed serving time"."""
    import httpx

    headers = {"Authorization": f"Bearer {session['access_token']}", "X-Client-Schema": "3",
               "Accept-Encoding": "gzip" if gzip else "identity"}
    feed = gz = 0.0
    cursor = ""
    t0 = time.perf_counter()
    with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
        while True:
            resp = c.get("/sync/pull", params={"cursor": cursor, "limit": page})
            for part in resp.headers.get("server-timing", "").split(","):
                name, _, dur = part.strip().partition(";dur=")
                if name == "feed":
                    feed += float(dur) / 1000
                elif name == "gzip":
                    gz += float(dur) / 1000
            data = resp.json()
            cursor = data["cursor"]
            if not data["has_more"]:
                break
    return {"wall_s": round(time.perf_counter() - t0, 3), "server_feed_s": round(feed, 3),
            "server_gzip_s": round(gz, 3), "server_total_s": round(feed + gz, 3)}


def push_edits(folder: Path, url: str, session: dict[str, Any], n: int, page: int) -> dict[str, Any]:
    r = Replica(folder, url)
    try:
        r.adopt_session(session)
        r.sync(page_limit=page, timeout=120.0)
        cards = [row["id"] for row in r.repo.list("employment")[:n]]
        t0 = time.perf_counter()
        for i, cid in enumerate(cards):
            r.repo.edit("employment", cid, {"rate": "0.5" if i % 2 else "0.75"})
        local = time.perf_counter() - t0
        phases: dict[str, float] = {}
        mark = [time.perf_counter()]

        def progress(phase: str, done: int, total: int | None) -> None:
            phases[phase] = time.perf_counter() - mark[0]

        t0 = mark[0] = time.perf_counter()
        rep = r.engine(progress=progress, page_limit=page, timeout=120.0, batch_size=500).sync()
        total = time.perf_counter() - t0
        assert rep.applied == len(cards), rep
        return {"edits": len(cards), "local_edit_ms_each": round(local / max(1, len(cards)) * 1000, 2),
                "push_s": round(phases.get("push", total), 3), "sync_total_s": round(total, 3)}
    finally:
        r.close()


def gui_stall(folder: Path, url: str, session: dict[str, Any], page: int) -> dict[str, Any]:
    """First sync driven by the GUI's SyncController while a 5 ms timer measures the loop."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.views.runtime import heap
    from desktop.views.sync.sync_controller import SyncController

    app = QApplication.instance() or QApplication([])
    heap.install()  # as the app's session does: the cyclic collector runs on the GUI thread only
    r = Replica(folder, url)
    try:
        r.adopt_session(session)
        ctl = SyncController(r.vault, engine_options={"page_limit": page, "timeout": 120.0})
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]
        worst = [0]
        ticks = [0]
        progress_events = [0]

        def tick() -> None:
            now = clock.elapsed()
            worst[0] = max(worst[0], now - last[0])
            last[0] = now
            ticks[0] += 1

        timer = QTimer(interval=5)
        timer.timeout.connect(tick)
        ctl.progress.connect(lambda *_: progress_events.__setitem__(0, progress_events[0] + 1))
        reports: list[dict[str, Any]] = []
        ctl.synced.connect(reports.append)
        ctl.synced.connect(lambda _r: app.quit())
        timer.start()
        t0 = time.perf_counter()
        QTimer.singleShot(0, ctl.sync_now)
        app.exec()
        seconds = time.perf_counter() - t0
        timer.stop()
        return {"seconds": round(seconds, 3), "longest_stall_ms": max(0, worst[0] - 5), "ticks": ticks[0],
                "progress_events": progress_events[0], "outcome": reports[0]["outcome"] if reports else None}
    finally:
        r.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--staff", type=int, default=20_000)
    ap.add_argument("--cards", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    # The app's page size (SyncEngine's default, the protocol's maximum); earlier runs of this
    # bench used 1000, which made the server's per-request work most of a first sync.
    ap.add_argument("--page", type=int, default=5000, help="pull page size (server allows ≤ 5000)")
    ap.add_argument("--commit-rows", type=int, default=None, help="SyncEngine.commit_rows (default: the engine's)")
    ap.add_argument("--edits", type=int, default=1000)
    ap.add_argument("--no-gui", action="store_true")
    ap.add_argument("--no-push", action="store_true")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {"staff": args.staff, "cards_per_person": args.cards, "page": args.page, "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="frmr-sync-bench-") as tmp:
        base = Path(tmp)
        url = f"sqlite:///{base / 'server.sqlite3'}"
        # Its own process, as the server is in real life (another machine): run_server's default
        # for one worker is a thread of this process, whose GIL the client would then share.
        with run_server(url, timeout=120, subprocess_=True) as server_url:
            db = ServerDb(url)
            t0 = time.perf_counter()
            login, rows = seed_org(db, args.staff, args.cards)
            out["rows"] = len(rows)
            out["seed_s"] = round(time.perf_counter() - t0, 1)
            session = db.session(login)
            engine = {} if args.commit_rows is None else {"commit_rows": args.commit_rows}
            # One untimed pass over the feed first, so that no timed sync pays for the server
            # reading its freshly seeded database into its cache (a server-side cost).
            out["server_warmup_s"] = server_share(server_url, session, args.page)["wall_s"]
            # Baseline and sync interleaved, so that each pair ran under the same load of this
            # (shared) machine; the ratio is reported per pair and as ratio of the medians.
            raw: list[float] = []
            raw_rows: list[float] = []
            syncs: list[float] = []
            cpus: list[float] = []
            for i in range(args.runs):
                raw.append(raw_insert(base / f"raw{i}", rows))
                raw_rows.append(raw_insert(base / f"rawrows{i}", rows, how="rows"))
                s, cpu, rep = first_sync(base / f"sync{i}", server_url, session, args.page, **engine)
                assert rep.outcome == "converged", rep
                assert rep.pulled >= len(rows), rep
                syncs.append(s)
                cpus.append(cpu)
                print(json.dumps({"run": i, "raw_insert_s": round(raw[-1], 3),
                                  "raw_insert_rows_s": round(raw_rows[-1], 3), "first_sync_s": round(s, 3),
                                  "load": os.getloadavg()}), file=sys.stderr, flush=True)
            shares = [server_share(server_url, session, args.page) for _ in range(args.runs)]
            out["server_share"] = shares
            out["server_share_median_s"] = {k: round(statistics.median(x[k] for x in shares), 3) for k in shares[0]}
            out["first_sync_client_cpu_s"] = [round(x, 3) for x in cpus]
            out["first_sync_client_cpu_median_s"] = round(statistics.median(cpus), 3)
            out["raw_insert_s"] = [round(x, 3) for x in raw]
            out["raw_insert_rows_s"] = [round(x, 3) for x in raw_rows]
            out["first_sync_s"] = [round(x, 3) for x in syncs]
            out["raw_insert_median_s"] = round(statistics.median(raw), 3)
            out["raw_insert_rows_median_s"] = round(statistics.median(raw_rows), 3)
            out["first_sync_median_s"] = round(statistics.median(syncs), 3)
            out["ratio_per_run"] = [round(r / s, 3) for r, s in zip(raw, syncs, strict=True)]
            out["ratio_median_of_runs"] = round(statistics.median(out["ratio_per_run"]), 3)
            out["ratio_raw_over_sync"] = round(statistics.median(raw) / statistics.median(syncs), 3)
            out["ratio_rows_baseline"] = round(statistics.median(raw_rows) / statistics.median(syncs), 3)
            # shown at once: a run that fails later (pushes, GUI) still says what it measured
            print(json.dumps(out, ensure_ascii=False), file=sys.stderr, flush=True)
            if not args.no_push:
                pushes = [push_edits(base / f"push{i}", server_url, session, args.edits, args.page)
                          for i in range(args.runs)]
                out["push"] = pushes
                out["push_median_s"] = round(statistics.median(p["push_s"] for p in pushes), 3)
                out["push_sync_total_median_s"] = round(statistics.median(p["sync_total_s"] for p in pushes), 3)
            # The GUI stall is the app's, not the benchmark's: don't keep 240,000 seed dicts
            # alive for the garbage collector to walk while it is measured.
            del rows
            if not args.no_gui:
                gui = [gui_stall(base / f"gui{i}", server_url, session, args.page) for i in range(args.runs)]
                out["gui"] = gui
                out["gui_longest_stall_median_ms"] = statistics.median(g["longest_stall_ms"] for g in gui)
            db.close()
    out["targets"] = {"first_sync_s": 15, "push_s": 3, "ratio": 0.45, "stall_ms": 50, "server_total_s": 1.7}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
