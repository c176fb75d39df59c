"""Organization report aggregates over a large organization (issue 15 target: ≤ 200 ms p95 on
PostgreSQL, measured on SQLite too) and the report PDF (≤ 2 s).

    uv run python bench/org_report.py [--staff 20000] [--cards 5] [--runs 15] [--pg URL] [--baseline REV]

The organization comes from bench/org_seed.py (varied rows, bulk-loaded, summaries rebuilt as
migration 0010 would). What is measured:

- ``cold``: the first request after a restart of the server process. Each run is a fresh Python
  process that starts the server's app as uvicorn does (its lifespan included: a worker readies
  itself before it accepts requests, server/warmup.py; imports excluded) and asks
  GET /orgs/{inn}/report once, as the organization's manager: authentication, the figures, the
  journal entry and the JSON. No memo of the figures — the database's own cache (PostgreSQL's
  buffers, the OS page cache of the SQLite file) is whatever it is, as after a real restart.
- ``cold_unwarmed``: the same without the lifespan (a worker that took a request before its
  warm-up): no compiled statements, no pooled connection.
- ``after write``: in one process, a card is closed through the feed's writer (the push path,
  which keeps the summaries) and the report asked again: the memo cannot answer, everything is
  counted — what a manager sees right after a clerk's sync.
- ``unchanged``: the same question again with nothing changed (the memo's answer).
- ``first_request_me``: GET /me as a fresh process's first request — what any first request
  costs the server (connection, authentication, the app's first call), for comparison.
- ``baseline``: the same cold request answered by the report module of git revision REV (the
  code before the summaries, counting from the JSON rows), in a fresh process too, on the same
  database: the same-run comparison under the same machine load. Its figures must equal ours.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, col  # noqa: E402

FIGURES = ("headcount", "by_subdivision", "by_position", "expiring", "expiring_items", "nmo_compliance",
           "confirmations_pending", "requests_open", "requests")


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def child(url: str, inn: str, module_file: str | None, token: str, warm: bool = True) -> None:
    """One cold request in this fresh process; prints {"ms": …, "figures": …}.

    Ours: the server's app is built (as at its start) and GET /orgs/{inn}/report asked once
    through it, authentication, journal and JSON included. The baseline: the old module's
    ``org_report`` in a session (it predates nothing the endpoint adds around it)."""
    if module_file:
        from server.db import make_engine

        spec = importlib.util.spec_from_file_location("old_reports", module_file)
        assert spec is not None and spec.loader is not None
        mod: Any = importlib.util.module_from_spec(spec)
        sys.modules["old_reports"] = mod  # dataclasses look their module up there
        spec.loader.exec_module(mod)
        engine = make_engine(url)
        t = time.perf_counter()
        with Session(engine) as s:
            out = mod.org_report(s, inn)
        ms = (time.perf_counter() - t) * 1000
    else:
        from fastapi.testclient import TestClient

        from server.app import create_app
        from server.config import Settings

        client = TestClient(create_app(Settings(database_url=url)))
        if warm:
            client.__enter__()  # the lifespan's start, as uvicorn runs it before accepting requests
        path = "/me" if inn == "-" else f"/orgs/{inn}/report"
        t = time.perf_counter()
        answer = client.get(path, headers={"Authorization": f"Bearer {token}", "X-Client-Schema": "1"})
        ms = (time.perf_counter() - t) * 1000
        if warm:
            client.__exit__(None, None, None)
        assert answer.status_code == 200, answer.text
        out = answer.json()
        if inn == "-":  # the first-request baseline: what any first request costs the server
            print(json.dumps({"ms": ms, "figures": {}}))
            return
    print(json.dumps({"ms": ms, "figures": {k: out[k] for k in FIGURES}}, ensure_ascii=False))


def _cold(url: str, inn: str, token: str, module_file: str | None = None,
          warm: bool = True) -> tuple[float, dict[str, Any]]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", url, inn, f"--token={token}"] + (
        ["--module", module_file] if module_file else []) + ([] if warm else ["--unwarmed"])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    res = json.loads(out.strip().splitlines()[-1])
    return float(res["ms"]), res["figures"]


def _close_a_card(engine: Any, inn: str, day: str) -> None:
    """A write the way a push makes it: a live card changed through the feed's writer."""
    from server.db import write_session
    from server.feed import Writer
    from server.models import Record, ReportCard

    with write_session(engine) as s:
        card_id = s.execute(sa.select(col(ReportCard.card_id)).where(col(ReportCard.org_inn) == inn,
                                                                      col(ReportCard.end_date) == "")
                            .limit(1)).scalar_one()
        rec = s.get(Record, card_id)
        assert rec is not None
        rec.data = {**rec.data, "end_date": day}
        rec.version += 1
        w = Writer(s, None)
        w.touch(rec)
        w.finish()
        s.commit()


def _manager_token(engine: Any, url: str, inn: str) -> str:
    """An access token of the organization's manager (the one who opens the dashboard)."""
    from server.auth.accounts import create_account
    from server.db import in_write_tx
    from server.testing import token_for

    in_write_tx(engine, lambda s: create_account(s, "bench.manager", "Bench-Manager-2026!", "manager",
                                                 org_inns=[inn], with_totp=False))
    return str(token_for(url, "bench.manager")["access_token"])


def measure(url: str, staff: int, cards: float, runs: int, baseline: str | None) -> dict[str, Any]:
    import datetime as dt

    from bench.org_seed import generate, load
    from server import reports
    from server.db import make_engine
    from server.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    try:
        t = time.perf_counter()
        d = generate(staff, seed=5, cards_per=cards)
        load(engine, d)
        if engine.dialect.name == "postgresql":
            # a live database has planner statistics and a visibility map (autovacuum's work, which
            # lets the narrow summary indexes be read without the table); a bulk load just made has neither
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        n_cards = sum(r["entity"] == "employment" for r in d.rows)
        token = _manager_token(engine, url, d.inn)
        seeded = time.perf_counter() - t
        res: dict[str, Any] = {"rows": len(d.rows), "cards": n_cards, "seed_s": round(seeded, 1)}
        cold: list[float] = []
        unwarmed: list[float] = []
        old: list[float] = []
        figures: dict[str, Any] = {}
        old_file = None
        if baseline:
            src = subprocess.run(["git", "show", f"{baseline}:server/reports.py"], check=True, capture_output=True,
                                 text=True, cwd=ROOT).stdout
            old_file = str(Path(tempfile.mkdtemp()) / "old_reports.py")
            Path(old_file).write_text(src, encoding="utf-8")
        for i in range(runs):
            ms, figures = _cold(url, d.inn, token)
            cold.append(ms)
            unwarmed.append(_cold(url, d.inn, token, warm=False)[0])
            if old_file and i < 3:  # seconds each: three runs are enough for a median
                ms, old_figures = _cold(url, d.inn, token, old_file)
                old.append(ms)
                assert old_figures == figures, "the summaries' figures differ from the old count"
        me = [_cold(url, "-", token)[0] for _ in range(5)]
        res |= {"headcount": figures["headcount"], "cold_median_ms": round(statistics.median(cold), 1),
                "cold_p95_ms": round(p95(cold), 1), "cold_unwarmed_median_ms": round(statistics.median(unwarmed), 1),
                "cold_unwarmed_p95_ms": round(p95(unwarmed), 1),
                "first_request_me_median_ms": round(statistics.median(me), 1)}
        if old:
            res["baseline_cold_median_ms"] = round(statistics.median(old), 1)
        after: list[float] = []
        same: list[float] = []
        out: dict[str, Any] = {}
        for i in range(runs):
            _close_a_card(engine, d.inn, (dt.date.today() - dt.timedelta(days=1 + i)).isoformat())
            t = time.perf_counter()
            with Session(engine) as s:
                out = reports.cached_org_report(s, d.inn)
            after.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            with Session(engine) as s:
                reports.cached_org_report(s, d.inn)
            same.append((time.perf_counter() - t) * 1000)
        # each closed card left the staff or at least its cards' count
        assert sum(g["cards"] for g in out["by_subdivision"]) == \
            sum(g["cards"] for g in figures["by_subdivision"]) - runs
        res |= {"after_write_median_ms": round(statistics.median(after), 1),
                "after_write_p95_ms": round(p95(after), 1),
                "unchanged_median_ms": round(statistics.median(same), 1), "unchanged_p95_ms": round(p95(same), 1)}
        t = time.perf_counter()
        from desktop.documents.org_report import report_pdf

        report_pdf(out)
        res["pdf_ms"] = round((time.perf_counter() - t) * 1000, 1)
        return res
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--staff", type=int, default=20000)
    ap.add_argument("--cards", type=float, default=5.0, help="cards per person on average")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--pg", metavar="URL", help="a PostgreSQL database URL (an empty database is migrated)")
    ap.add_argument("--baseline", metavar="REV", help="git revision whose server/reports.py is the baseline")
    ap.add_argument("--child", nargs=2, metavar=("URL", "INN"), help=argparse.SUPPRESS)
    ap.add_argument("--module", help=argparse.SUPPRESS)
    ap.add_argument("--token", default="", help=argparse.SUPPRESS)
    ap.add_argument("--unwarmed", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.module, args.token, warm=not args.unwarmed)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        res = measure(f"sqlite:///{tmp}/bench.sqlite3", args.staff, args.cards, args.runs, args.baseline)
        print(f"SQLite:     {res}", flush=True)
    if args.pg:
        res = measure(args.pg, args.staff, args.cards, args.runs, args.baseline)
        print(f"PostgreSQL: {res}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
