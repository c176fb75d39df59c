"""Gap-free change feed: slow concurrent writers, a reader polling all the while misses nothing."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from typing import Any

import httpx
from sqlmodel import Session, select

from desktop.models.nsi import NsiRegistry
from server import feed
from server.auth.principal import Principal
from server.db import in_write_tx, make_engine, read_session
from server.models import Account
from server.sync import Engine
from server.testing import SCHEMA_HEADER, run_server, seed, token_for

WRITERS = 5
TX_PER_WRITER = 8


def test_slow_concurrent_writers_never_skipped_by_a_polling_reader(db_url: str) -> None:
    seed(db_url)
    engine = make_engine(db_url)
    nsi = NsiRegistry.shipped()
    with read_session(engine) as s:
        admin = s.exec(select(Account).where(Account.login == "admin")).one()
        doctor = s.exec(select(Account).where(Account.login == "doctor")).one()
    assert admin.id is not None and doctor.person_id
    p = Principal(admin.id, "admin", "admin", None)
    pid = doctor.person_id
    written: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        rnd = random.Random(n)
        try:
            for i in range(TX_PER_WRITER):
                ids = [str(uuid.uuid4()) for _ in range(rnd.randint(1, 3))]

                def tx(s: Session, ids: list[str] = ids, i: int = i) -> None:
                    eng = Engine(s, p, nsi)
                    for rid in ids:
                        res = eng.apply({"op_id": str(uuid.uuid4()), "entity": "nmo", "entity_id": rid,
                                         "person_id": pid, "op": "create", "base_version": 0,
                                         "fields": {"event_date": "2025-01-10", "kind": "iom",
                                                    "title": f"w{n}-{i}", "credits": "1"}})
                        assert res["status"] == "applied", res
                    # deliberately slow: the transaction stays open long after its rows exist...
                    time.sleep(rnd.uniform(0.0, 0.12))
                    eng.w.finish()
                    # ...and some also linger after taking their feed positions, before COMMIT
                    time.sleep(rnd.uniform(0.0, 0.02))

                in_write_tx(engine, tx)
                with lock:
                    written.update(ids)
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)

    seen: dict[str, int] = {}
    positions: list[int] = []

    def reader() -> None:
        cursor = 0
        try:
            while True:
                finished = done.is_set()
                with read_session(engine) as s:
                    rows, last, more = feed.pull(s, p, cursor, 7)
                for seq, change in rows:
                    assert seq is not None and seq > cursor
                    positions.append(int(seq))
                    ch = json.loads(change)
                    seen[ch["id"]] = ch["version"]
                cursor = last
                if finished and not more and not rows:
                    return
                time.sleep(0.003)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    rt = threading.Thread(target=reader)
    rt.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    rt.join(timeout=60)
    engine.dispose()
    assert not errors, errors
    missing = written - set(seen)
    assert not missing, f"reader skipped {len(missing)} of {len(written)} committed rows"
    assert positions == sorted(positions)
    assert len(written) >= WRITERS * TX_PER_WRITER


def test_concurrent_pushes_and_polling_pull_over_http(db_url: str) -> None:
    seed(db_url)
    tok = token_for(db_url, "doctor")
    pid = tok["user"]["person_id"]
    h = {"Authorization": f"Bearer {tok['access_token']}", **SCHEMA_HEADER}
    created: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()
    seen: set[str] = set()

    with run_server(db_url) as base:
        def pusher() -> None:
            cid = str(uuid.uuid4())
            with httpx.Client(base_url=base, headers=h, timeout=60) as c:
                for k in range(10):
                    ids = [str(uuid.uuid4()) for _ in range(3)]
                    ops: list[dict[str, Any]] = [
                        {"op_id": str(uuid.uuid4()), "counter": k, "entity": "nmo", "entity_id": rid,
                         "person_id": pid, "op": "create", "base_version": 0,
                         "fields": {"event_date": "2025-02-01", "kind": "event", "title": "t", "credits": "1"}}
                        for rid in ids]
                    r = c.post("/sync/push", json={"client_id": cid, "ops": ops})
                    assert r.status_code == 200
                    with lock:
                        created.update(ids)

        def poller() -> None:
            cursor = ""
            with httpx.Client(base_url=base, headers=h, timeout=60) as c:
                while True:
                    final = stop.is_set()
                    body = c.get("/sync/pull", params={"cursor": cursor, "limit": 5}).json()
                    seen.update(ch["id"] for ch in body["changes"])
                    cursor = body["cursor"]
                    if final and not body["has_more"]:
                        return

        pt = threading.Thread(target=poller)
        pt.start()
        ws = [threading.Thread(target=pusher) for _ in range(4)]
        for t in ws:
            t.start()
        for t in ws:
            t.join()
        stop.set()
        pt.join(timeout=60)
    assert created <= seen
