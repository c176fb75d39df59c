"""Organization report aggregates over a large organization (issue 15 target: ≤ 200 ms p95 on
PostgreSQL, measured on SQLite too) and the report PDF (≤ 2 s).

``cold``: counted from the rows (``server.reports.org_report``); ``unchanged``: the endpoint's
path (``cached_org_report``) while nothing the report counts has changed — its data stamp read
and the last answer returned.

    uv run python bench/org_report.py [--staff 20000] [--cards 5] [--runs 15] [--pg URL]

The organization comes from bench/org_seed.py (varied rows, bulk-loaded). Each run is one
``server.reports.org_report`` in a fresh session, as an HTTP request would make it; the figures
of the last run are checked against the first (the same data gives the same answer).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session

from bench.org_seed import generate, load
from server import reports
from server.db import make_engine
from server.migrate import upgrade


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def measure(url: str, staff: int, cards: float, runs: int) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    try:
        t = time.perf_counter()
        d = generate(staff, seed=5, cards_per=cards)
        load(engine, d)
        if engine.dialect.name == "postgresql":
            # a live database has planner statistics; a bulk load just made has none
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        n_cards = sum(r["entity"] == "employment" for r in d.rows)
        seeded = time.perf_counter() - t
        cold: list[float] = []
        first: dict[str, Any] | None = None
        out: dict[str, Any] = {}
        for _ in range(3):
            t = time.perf_counter()
            with Session(engine) as s:
                out = reports.org_report(s, d.inn)
            cold.append((time.perf_counter() - t) * 1000)
            first = first or out
        times: list[float] = []
        for _ in range(runs):
            t = time.perf_counter()
            with Session(engine) as s:
                out = reports.cached_org_report(s, d.inn)
            times.append((time.perf_counter() - t) * 1000)
        assert first is not None and out["by_subdivision"] == first["by_subdivision"]
        t = time.perf_counter()
        from desktop.documents.org_report import report_pdf

        report_pdf(out)
        pdf_ms = (time.perf_counter() - t) * 1000
        return {"rows": len(d.rows), "cards": n_cards, "headcount": out["headcount"], "seed_s": round(seeded, 1),
                "cold_median_ms": round(statistics.median(cold), 1),
                "unchanged_median_ms": round(statistics.median(times), 1), "unchanged_p95_ms": round(p95(times), 1),
                "pdf_ms": round(pdf_ms, 1)}
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--staff", type=int, default=20000)
    ap.add_argument("--cards", type=float, default=5.0, help="cards per person on average")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--pg", metavar="URL", help="a PostgreSQL database URL (an empty database is migrated)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        res = measure(f"sqlite:///{tmp}/bench.sqlite3", args.staff, args.cards, args.runs)
        print(f"SQLite:     {res}")
    if args.pg:
        res = measure(args.pg, args.staff, args.cards, args.runs)
        print(f"PostgreSQL: {res}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
