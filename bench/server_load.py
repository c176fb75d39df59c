"""Bounded load generator for frmr-server on loopback.

    uv run python bench/server_load.py                     # SQLite, and PostgreSQL if FRMR_TEST_PG_URL is set
    uv run python bench/server_load.py --clients 50,200 --seconds 60 --workers 2 --modes realistic
    uv run python bench/server_load.py --staff 20000 --cards 100000 --skip-load

Phase 1 (per backend, per mode, per client count): C syncing clients, each its own doctor
account; one sync = push a batch of 3 ops (2 creates, 1 update), then pull from the client's own
cursor. The server is `uvicorn --factory server.app:create_app` in a child process (several
workers); the clients are asyncio tasks of this process. Two modes:

- ``realistic`` (default first): open loop. Each client's syncs are due at Poisson moments with
  mean gap ``--mean-interval`` (10 s). The desktop syncs 2 s after an edit, every 5 minutes and on
  «Синхронизировать», so 10 s per client is a deliberately hostile rate (30x the timer). Push
  latency is counted from the moment the sync was due, so a sync delayed by its previous one
  still shows the delay (no coordinated omission).
- ``saturation``: closed loop with zero think time, every client re-syncs as soon as it has its
  answer. It measures maximum throughput; its latency is just clients / throughput, not a
  figure to compare with a latency target.

Reports push and pull throughput (requests/s, ops/s) and latency p50/p99.

Phase 2: an organization with S staff and K employment cards; an HR clerk's initial pull of
everything it may see (bytes on the wire, seconds) and the latency of one staff-list page (one row
per person; sorted by name, begin date, СНИЛС at pages 1, 50, 200; and three filtered pages).
Data is bulk-inserted (already canonical), not pushed through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import ssl
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.models.checkdigits import make_inn10, make_snils
from server.auth.passwords import hash_password
from server.auth.tokens import start_session
from server.config import Settings
from server.db import in_write_tx, make_engine
from server.feed import person_sort_name
from server.migrate import upgrade
from server.models import Account, AccountOrg, Organization, Record, SeqCounter
from server.staff import rebuild as staff_rebuild
from server.testing import SCHEMA_HEADER, run_server


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


# -- databases ------------------------------------------------------------------------------------

def fresh_db(backend: str, pg_url: str | None, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
    import psycopg

    assert pg_url
    u = sa.engine.make_url(pg_url)
    name = f"frmr_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False)


def drop_db(backend: str, pg_url: str | None, url: str) -> None:
    if backend != "postgresql":
        return
    import psycopg

    assert pg_url
    u = sa.engine.make_url(pg_url)
    with psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')


def person_data(i: int, rnd: random.Random) -> dict[str, Any]:
    return {"snils": make_snils(f"{100_000_000 + i * 37 % 800_000_000:09d}"), "last_name": f"Фамилия{i}",
            "first_name": rnd.choice(["Анна", "Олег", "Мария", "Иван"]), "patronymic": "Петровна",
            "gender": "female", "birth_date": "1980-05-17", "inn": None, "citizenship": "643", "phone": None,
            "email": None, "id_doc_type": None, "id_doc_series": None, "id_doc_number": None, "id_doc_issued": None,
            "id_doc_issuer": None, "address_registration": None, "address_actual": None}


def card_data(org: dict[str, str], k: int, rnd: random.Random) -> dict[str, Any]:
    begin = dt.date(2000, 1, 1) + dt.timedelta(days=k * 400 + rnd.randrange(300))
    end = None if k == 4 else (begin + dt.timedelta(days=390)).isoformat()
    return {"org_name": org["name"], "org_inn": org["inn"], "org_ogrn": None, "org_kpp": None,
            "subdivision": "Отделение", "position_code": rnd.choice(["4", "5", "6"]),
            "position_type": "main" if k == 4 else "internal_part_time", "contract_kind": "labor", "rate": "1",
            "begin_date": begin.isoformat(), "end_date": end, "end_reason": "перевод" if end else None,
            "contract_number": None, "contract_date": None, "order_number": None, "order_date": None,
            "profile": "терапия", "status": "confirmed"}


def bulk_rows(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    """Insert canonical rows with consecutive feed positions (bypasses the API on purpose)."""
    with engine.begin() as c:
        start = int(c.execute(sa.select(col(SeqCounter.value)).where(col(SeqCounter.name) == "feed")).scalar_one())
        for i, r in enumerate(rows):
            r["seq"] = start + i + 1
        for chunk in range(0, len(rows), 5000):
            c.execute(sa.insert(Record), rows[chunk:chunk + 5000])
        c.execute(sa.update(SeqCounter).where(col(SeqCounter.name) == "feed").values(value=start + len(rows)))


def record_row(entity: str, rid: str, pid: str, data: dict[str, Any],
               person: dict[str, Any] | None = None) -> dict[str, Any]:
    """A record row with the indexed copies server.feed.denormalize would make."""
    org_inn = data.get("org_inn") if entity == "employment" else None
    who = data if entity == "person" else person
    sort_name = person_sort_name(who) if who else None
    return {"id": rid, "entity": entity, "person_id": pid, "version": 1, "deleted": False, "data": data,
            "field_versions": {k: 1 for k in data}, "field_clients": {}, "org_inn": org_inn,
            "sort_name": sort_name, "snils": who.get("snils") if who else None,
            "begin_date": data.get("begin_date") if entity == "employment" else None,
            "status": data.get("status") if entity == "employment" else None, "author_org": None,
            "updated_at": time.time(), "updated_by": None}


def make_accounts(engine: sa.Engine, url: str, specs: list[tuple[str, str, str | None, str | None]]
                  ) -> dict[str, str]:
    """login -> access token; accounts share one password hash (hashing 200 times is not the point)."""
    pw_hash = hash_password("Bench-Password-1!")
    settings = Settings(database_url=url)

    def tx(s: Any) -> dict[str, str]:
        out = {}
        for login, role, person_id, org in specs:
            acc = Account(login=login, password_hash=pw_hash, role=role, person_id=person_id, created_at=time.time())
            s.add(acc)
            s.flush()
            assert acc.id is not None  # assigned by the flush
            if org:
                s.add(AccountOrg(account_id=acc.id, org_inn=org))
            out[login] = start_session(s, settings, acc, "127.0.0.1", "bench")["access_token"]
        return out

    return in_write_tx(engine, tx)


# -- phase 1: push/pull load ----------------------------------------------------------------------

def _batch(pid: str, version: int, counter: int) -> tuple[list[dict[str, Any]], int]:
    """What a desktop sends after an edit: 2 new НМО credits and a phone change (3 ops)."""
    ops = []
    for _ in range(2):
        counter += 1
        ops.append({"op_id": str(uuid.uuid4()), "counter": counter, "entity": "nmo", "entity_id": str(uuid.uuid4()),
                    "person_id": pid, "op": "create", "base_version": 0,
                    "fields": {"event_date": "2025-01-10", "kind": "iom", "title": "Модуль", "credits": "1.5"}})
    counter += 1
    ops.append({"op_id": str(uuid.uuid4()), "counter": counter, "entity": "person", "entity_id": pid,
                "person_id": pid, "op": "update", "base_version": version,
                "fields": {"phone": f"+7916{random.randrange(10**7):07d}"}})
    return ops, counter


class SyncClient:
    """One desktop: its client id, cursor and the version of its person row."""

    def __init__(self, c: httpx.AsyncClient, pid: str, stats: dict[str, list[float]]) -> None:
        self.c, self.pid, self.stats = c, pid, stats
        self.cid = str(uuid.uuid4())
        self.cursor, self.version, self.counter = "", 1, 0

    async def sync(self, started: float | None = None) -> None:
        """Push a batch, then pull. ``started``: when the sync was due (open loop), so a sync that
        had to wait for the previous one counts the wait in its push latency."""
        ops, self.counter = _batch(self.pid, self.version, self.counter)
        t = time.perf_counter()
        try:
            r = await self.c.post("/sync/push", json={"client_id": self.cid, "ops": ops})
        except httpx.TransportError:
            self.stats["errors"].append(-1.0)  # counted, like the desktop would retry it later
            return
        self.stats["push"].append(time.perf_counter() - (started if started is not None else t))
        if r.status_code != 200:
            self.stats["errors"].append(float(r.status_code))
            return
        res = r.json()["results"]
        self.stats["ops"].append(float(len(ops)))
        if res[-1].get("version"):
            self.version = int(res[-1]["version"])
        t = time.perf_counter()
        try:
            r = await self.c.get("/sync/pull", params={"cursor": self.cursor, "limit": 500})
        except httpx.TransportError:
            self.stats["errors"].append(-1.0)
            return
        self.stats["pull"].append(time.perf_counter() - t)
        if r.status_code != 200:
            self.stats["errors"].append(float(r.status_code))
            return
        body = r.json()
        self.stats["pulled"].append(float(len(body["changes"])))
        self.cursor = body["cursor"]


_TLS = ssl.create_default_context()


def _http(base: str, token: str) -> httpx.AsyncClient:
    # One TLS context for all clients: httpx builds a new one per client otherwise (tens of ms of
    # CPU each), and 200 of them stalled this process's event loop for seconds at the start.
    return httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}", **SCHEMA_HEADER},
                             timeout=120, limits=httpx.Limits(max_connections=4), verify=_TLS)


async def saturation_loop(base: str, token: str, pid: str, deadline: float, stats: dict[str, list[float]]) -> None:
    """Closed loop, zero think time: the next sync starts when the previous answer arrives."""
    async with _http(base, token) as c:
        client = SyncClient(c, pid, stats)
        while time.monotonic() < deadline:
            await client.sync()


async def realistic_loop(base: str, token: str, pid: str, deadline: float, mean_interval: float,
                         rnd: random.Random, stats: dict[str, list[float]]) -> None:
    """Open loop: syncs are due at Poisson moments (exponential gaps, mean ``mean_interval``),
    whatever the server's speed. A client never runs two syncs at once (neither does the
    desktop); a sync due while the previous one still runs starts late and is counted."""
    async with _http(base, token) as c:
        client = SyncClient(c, pid, stats)
        due = time.perf_counter() + rnd.expovariate(1 / mean_interval)
        while True:
            now = time.perf_counter()
            if time.monotonic() + max(0.0, due - now) >= deadline:
                return
            if due > now:
                await asyncio.sleep(due - now)
            else:
                stats["late"].append(now - due)
            await client.sync(started=due)
            due += rnd.expovariate(1 / mean_interval)


def _new_stats() -> dict[str, list[float]]:
    return {"push": [], "pull": [], "ops": [], "pulled": [], "errors": [], "late": []}


async def run_clients(base: str, clients: list[tuple[str, str]], seconds: float, mode: str = "saturation",
                      mean_interval: float = 10.0) -> dict[str, list[float]]:
    stats = _new_stats()
    deadline = time.monotonic() + seconds
    if mode == "saturation":
        await asyncio.gather(*(saturation_loop(base, tok, pid, deadline, stats) for tok, pid in clients))
    else:
        await asyncio.gather(*(realistic_loop(base, tok, pid, deadline, mean_interval, random.Random(i), stats)
                               for i, (tok, pid) in enumerate(clients)))
    return stats


def load_phase(backend: str, url: str, counts: list[int], seconds: float, workers: int, modes: list[str],
               mean_interval: float) -> list[dict[str, Any]]:
    upgrade(url)
    engine = make_engine(url)
    n = max(counts)
    rnd = random.Random(1)
    pids = [str(uuid.uuid4()) for _ in range(n)]
    bulk_rows(engine, [record_row("person", p, p, person_data(i, rnd)) for i, p in enumerate(pids)])
    tokens = make_accounts(engine, url, [(f"bench{i}", "doctor", p, None) for i, p in enumerate(pids)])
    engine.dispose()
    out = []
    with run_server(url, workers=workers, subprocess_=True) as base:
        for mode in modes:
            for c in counts:
                clients = [(tokens[f"bench{i}"], pids[i]) for i in range(c)]
                asyncio.run(run_clients(base, clients[: min(c, 5)], 2))  # warm-up: connections, caches
                st = asyncio.run(run_clients(base, clients, seconds, mode, mean_interval))
                row = {
                    "backend": backend, "mode": mode, "clients": c, "workers": workers, "seconds": seconds,
                    "push_rps": len(st["push"]) / seconds, "ops_per_s": sum(st["ops"]) / seconds,
                    "push_p50_ms": pct(st["push"], 50) * 1000, "push_p99_ms": pct(st["push"], 99) * 1000,
                    "pull_rps": len(st["pull"]) / seconds, "pull_p50_ms": pct(st["pull"], 50) * 1000,
                    "pull_p99_ms": pct(st["pull"], 99) * 1000, "errors": len(st["errors"]),
                    "late": len(st["late"]), "syncs": len(st["push"]),
                }
                out.append(row)
                print(f"  {backend:10} {mode:10} clients={c:3} push {row['push_rps']:6.1f} req/s "
                      f"({row['ops_per_s']:6.1f} ops/s) p50 {row['push_p50_ms']:6.1f} ms "
                      f"p99 {row['push_p99_ms']:7.1f} ms | pull {row['pull_rps']:6.1f} req/s "
                      f"p50 {row['pull_p50_ms']:6.1f} ms "
                      f"p99 {row['pull_p99_ms']:7.1f} ms | syncs {row['syncs']} late {row['late']} "
                      f"errors {row['errors']}", flush=True)
    return out


# -- phase 2: initial pull of a big organization ----------------------------------------------

def big_org_phase(backend: str, url: str, staff: int, cards: int, workers: int) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    org = {"inn": make_inn10("770100001"), "name": "ГБУЗ «Большая больница»"}
    with engine.begin() as c:
        c.execute(sa.insert(Organization).values(inn=org["inn"], name=org["name"]))
    rnd = random.Random(2)
    t = time.perf_counter()
    per_person = max(1, cards // staff)
    rows = []
    for i in range(staff):
        pid = str(uuid.uuid4())
        pdata = person_data(i, rnd)
        rows.append(record_row("person", pid, pid, pdata))
        for k in range(per_person):
            rows.append(record_row("employment", str(uuid.uuid4()), pid, card_data(org, k, rnd), pdata))
        if len(rows) >= 30000:
            bulk_rows(engine, rows)
            rows = []
    bulk_rows(engine, rows)
    with engine.begin() as c:
        staff_rebuild(c, org["inn"])  # what the writer keeps up to date for cards written through the API
    if backend == "postgresql":
        # what autovacuum would have done by the time anyone looks: statistics and the visibility
        # map (without it, COUNT(*) of the staff list cannot be an index-only scan)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("VACUUM ANALYZE record"))
            c.execute(sa.text("VACUUM ANALYZE staff_entry"))
    gen_s = time.perf_counter() - t
    token = make_accounts(engine, url, [("bighr", "hr", None, org["inn"])])["bighr"]
    engine.dispose()
    h = {"Authorization": f"Bearer {token}", **SCHEMA_HEADER}
    with run_server(url, workers=workers, subprocess_=True) as base, httpx.Client(base_url=base, headers=h,
                                                                                  timeout=600) as c:
        t = time.perf_counter()
        cursor, nbytes, changes, pages = "", 0, 0, 0
        while True:
            r = c.get("/sync/pull", params={"cursor": cursor, "limit": 5000})
            r.raise_for_status()
            nbytes += len(r.content)
            body = r.json()
            changes += len(body["changes"])
            pages += 1
            cursor = body["cursor"]
            if not body["has_more"]:
                break
        pull_s = time.perf_counter() - t
        page_ms: list[float] = []
        filter_ms: list[float] = []
        for sort in ("name", "-begin_date", "snils"):
            for page in (1, 50, 200):
                t = time.perf_counter()
                r = c.get(f"/orgs/{org['inn']}/staff", params={"page": page, "page_size": 50, "sort": sort})
                r.raise_for_status()
                page_ms.append((time.perf_counter() - t) * 1000)
        for params in ({"q": "фамилия123"}, {"position_code": "5"}, {"active": "true", "sort": "-begin_date"}):
            t = time.perf_counter()
            c.get(f"/orgs/{org['inn']}/staff", params={**params, "page_size": 50}).raise_for_status()
            filter_ms.append((time.perf_counter() - t) * 1000)
        search_ms = statistics.median(filter_ms)
    row = {"backend": backend, "staff": staff, "cards": staff * per_person, "changes": changes, "pages": pages,
           "bytes": nbytes, "seconds": pull_s, "bulk_insert_s": gen_s, "staff_page_p50_ms": statistics.median(page_ms),
           "staff_page_max_ms": max(page_ms), "staff_search_ms": search_ms}
    print(f"  {backend:10} initial pull of {changes} rows ({staff} staff, {staff * per_person} cards): "
          f"{nbytes / 1e6:.1f} MB in {pull_s:.1f} s ({pages} pages); staff page p50 {row['staff_page_p50_ms']:.0f} ms, "
          f"max {row['staff_page_max_ms']:.0f} ms; filtered page (name, position, active) p50 {search_ms:.0f} ms",
          flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg-url", default=os.environ.get("FRMR_TEST_PG_URL"))
    ap.add_argument("--clients", default="50,200")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--modes", default="realistic,saturation",
                    help="realistic: open loop, Poisson syncs per client; saturation: closed loop, no think time")
    ap.add_argument("--mean-interval", type=float, default=10.0,
                    help="realistic mode: mean seconds between two syncs of one client (desktop: 300 s timer)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers for PostgreSQL")
    ap.add_argument("--sqlite-workers", type=int, default=1,
                    help="uvicorn workers for SQLite (one process per SQLite file is the supported setup)")
    ap.add_argument("--staff", type=int, default=20000)
    ap.add_argument("--cards", type=int, default=100000)
    ap.add_argument("--skip-load", action="store_true")
    ap.add_argument("--skip-pull", action="store_true")
    args = ap.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    if "postgresql" in backends and not args.pg_url:
        print("PostgreSQL skipped: set FRMR_TEST_PG_URL or --pg-url (scripts/start-postgres)", file=sys.stderr)
        backends.remove("postgresql")
    counts = [int(x) for x in args.clients.split(",")]

    def workers(backend: str) -> int:
        return int(args.sqlite_workers if backend == "sqlite" else args.workers)

    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            if not args.skip_load:
                url = fresh_db(backend, args.pg_url, Path(tmp))
                try:
                    load_phase(backend, url, counts, args.seconds, workers(backend),
                               [m for m in args.modes.split(",") if m], args.mean_interval)
                finally:
                    drop_db(backend, args.pg_url, url)
            if not args.skip_pull:
                url = fresh_db(backend, args.pg_url, Path(tmp))
                try:
                    big_org_phase(backend, url, args.staff, args.cards, workers(backend))
                finally:
                    drop_db(backend, args.pg_url, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
