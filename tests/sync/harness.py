"""Seeded, reproducible randomized schedules: a doctor and the HR clerk of its organization
edit the same record concurrently, go offline, crash, come back — through fault proxies to a
real server.

Invariant checked after every schedule:
* every edit reported saved locally reached the server exactly once (its ``(client_id, op_id)``
  is recorded there, and every version bump of every row is accounted for by one recorded op)
  — or stands as a conflict or rejection a person can see;
* after the people decide, both replicas equal the server, row for row, field for field.

``python -m tests.sync.harness --schedules 1000`` is the nightly-style run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from desktop.models.schema import ENTITIES
from desktop.models.validation import ValidationFailed
from desktop.sync import decisions
from desktop.sync.tables import CONFLICT
from server.models import AppliedOp, Record
from tests.sync.proxy import FaultProxy
from tests.sync.world import Org, Replica, ServerDb

PUSH_FAULTS = ["drop_response", "reset_request", "timeout", "5xx", "429", "truncate", "sliced"]
PULL_FAULTS = ["drop_response", "timeout", "5xx", "slow", "sliced", "truncate"]
PERSON_FIELDS = ["phone", "email", "address_actual", "id_doc_issuer"]
CARD_FIELDS = ["subdivision", "contract_number", "rate"]


@dataclass
class Totals:
    schedules: int = 0
    edits: int = 0
    syncs: int = 0
    faults: int = 0
    crashes: int = 0
    conflicts: int = 0
    rejections: int = 0
    lost: int = 0
    duplicated: int = 0
    diverged: int = 0
    failures: list[str] = field(default_factory=list)
    fault_kinds: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k not in ("failures", "fault_kinds")}
        d["fault_kinds"] = dict(self.fault_kinds)
        d["failures"] = self.failures[:10]
        return d


def _value(rnd: random.Random, name: str) -> str:
    n = rnd.randrange(10**6)
    return {
        "phone": f"+7916{n:07d}",
        "email": f"u{n}@example.ru",
        "address_actual": f"г. Москва, ул. Тестовая, д. {n % 200 + 1}",
        "id_doc_issuer": f"ОВД № {n % 90 + 1}",
        "subdivision": f"Отделение № {n % 30 + 1}",
        "contract_number": f"ТД-{n}",
        "rate": rnd.choice(["0.25", "0.5", "0.75", "1", "1.25"]),
    }[name]


class Actor:
    def __init__(self, name: str, replica: Replica, proxy: FaultProxy) -> None:
        self.name = name
        self.r = replica
        self.proxy = proxy
        self.saved: list[str] = []  # op_ids of edits reported saved locally

    def edit(self, entity_name: str, row_id: str, values: dict[str, Any]) -> bool:
        try:
            res = self.r.repo.edit(entity_name, row_id, values)
        except ValidationFailed:
            return False
        if res.changed:
            self.saved.append(self.r.repo.outbox()[-1]["op_id"])
        return bool(res.changed)

    def add(self, entity_name: str, values: dict[str, Any]) -> str | None:
        try:
            rid = self.r.repo.add(entity_name, values).id
        except ValidationFailed:
            return None
        self.saved.append(self.r.repo.outbox()[-1]["op_id"])
        return rid


def run_schedule(seed: int, db: ServerDb, server_port: int, workdir: Path, totals: Totals,
                 steps: int = 14) -> None:
    rnd = random.Random(seed)
    org: Org = db.org()
    # confirmed: the organization's scope over a person is a confirmed card (docs/security.md)
    pid, card = db.person(org, employment_status="confirmed")
    doc_login = db.account("doctor", person_id=pid)
    hr_login = db.account("hr", org=org)
    actors: list[Actor] = []
    proxies = [FaultProxy(server_port, seed=seed * 2 + i, hold_seconds=0.3) for i in range(2)]
    try:
        for name, login, proxy in (("doctor", doc_login, proxies[0]), ("hr", hr_login, proxies[1])):
            rep = Replica(workdir / f"s{seed}-{name}", proxy.url)
            rep.adopt_session(db.session(login))
            actors.append(Actor(name, rep, proxy))
        for a in actors:
            a.r.sync()
        doc, hr = actors
        nmo_ids: list[str] = []
        for _ in range(steps):
            a = rnd.choice(actors)
            roll = rnd.random()
            if roll < 0.30:
                f = rnd.choice(PERSON_FIELDS)
                a.edit("person", pid, {f: _value(rnd, f)})
            elif roll < 0.45:
                if a.r.repo.get("employment", card) is not None:
                    f = rnd.choice(CARD_FIELDS)
                    a.edit("employment", card, {f: _value(rnd, f)})
            elif roll < 0.52 and a is hr:
                # the organization's own paperwork on the card; its status moves only by a
                # decision on the worker's document, never by an edit
                if hr.r.repo.get("employment", card) is not None:
                    hr.edit("employment", card, {"order_number": f"{rnd.randrange(1000)}-к"})
            elif roll < 0.55 and a is doc:
                rid = doc.add("nmo", {"event_date": "2024-02-01", "kind": "iom", "title": f"Модуль {seed}",
                                      "credits": "2"})
                if rid:
                    nmo_ids.append(rid)
            elif roll < 0.58 and a is doc and nmo_ids:
                rid = nmo_ids.pop(rnd.randrange(len(nmo_ids)))
                if doc.r.repo.get("nmo", rid) is not None:
                    doc.r.repo.delete("nmo", rid)
                    doc.saved.append(doc.r.repo.outbox()[-1]["op_id"])
            elif roll < 0.70:
                a.proxy.offline = not a.proxy.offline
            elif roll < 0.78:
                a.r.crash()
                a.r.reopen()
                totals.crashes += 1
            elif roll < 0.84:
                # killed while a push is in flight: the server commits, the answer never arrives
                a.proxy.add("drop_response", "/sync/push")
                a.r.sync(max_attempts=1, timeout=1.0)
                a.r.crash()
                a.r.reopen()
                totals.crashes += 1
                totals.syncs += 1
            else:
                for _ in range(rnd.randrange(3)):
                    if rnd.random() < 0.6:
                        a.proxy.add(rnd.choice(PUSH_FAULTS), "/sync/push")
                    else:
                        a.proxy.add(rnd.choice(PULL_FAULTS), "/sync/pull")
                a.r.sync(max_attempts=rnd.choice([1, 2, 4]), timeout=0.25)
                totals.syncs += 1
        # -- everyone back online; people decide what waits for them --------------------------
        for a in actors:
            a.proxy.offline = False
            a.proxy.clear()
        settled = False
        for _round in range(8):
            outcomes = []
            pushed = 0
            for a in actors:
                rep = a.r.sync(timeout=5.0, max_attempts=4)
                outcomes.append(rep.outcome)
                pushed += rep.pushed
                totals.syncs += 1
            waiting = False
            for a in actors:
                for c in decisions.list_conflicts(a.r.repo):
                    for f, v in c["fields"].items():
                        if v["choice"] is None:
                            decisions.resolve(a.r.repo, c["id"], f, rnd.choice(["mine", "theirs"]))
                            waiting = True
                for rj in decisions.list_rejected(a.r.repo):
                    decisions.discard_rejected(a.r.repo, rj["id"])
                    waiting = True
            if not waiting and not pushed and all(o == "converged" for o in outcomes) and \
                    all(a.r.repo.pending_count() == 0 for a in actors):
                settled = True
                break
        check(seed, db, pid, card, actors, totals, settled)
    finally:
        for p in proxies:
            totals.faults += p.faults_injected
            totals.fault_kinds.update({k: v for k, v in p.stats.items() if k != "pass"})
            p.close()
        for a in actors:
            a.r.close()
        totals.schedules += 1


def check(seed: int, db: ServerDb, pid: str, card: str, actors: list[Actor], totals: Totals, settled: bool) -> None:
    with Session(db.engine) as s:
        recs = {r.id: r for r in s.exec(select(Record).where(Record.person_id == pid)).all()}
        recorded: dict[str, dict[str, Any]] = {}
        for a in actors:
            cid = a.r.repo.client_id()
            for ap in s.exec(select(AppliedOp).where(AppliedOp.client_id == cid)).all():
                recorded[ap.op_id] = ap.result
    problems: list[str] = []
    bumps: dict[str, set[int]] = {}
    for a in actors:
        ops = {o["op_id"]: o for o in a.r.repo.outbox()}
        with a.r.vault.read() as conn:
            conflict_fields: dict[str, set[str]] = {}
            for eid, fields in conn.execute(select(CONFLICT.c.entity_id, CONFLICT.c.fields)):
                conflict_fields.setdefault(eid, set()).update(json.loads(fields))
        totals.edits += len(a.saved)
        for op_id in a.saved:
            op = ops.get(op_id)
            if op is None or op["state"] == "pending":
                totals.lost += 1
                problems.append(f"{a.name}: op {op_id} never answered")
                continue
            local_only = json.loads(op["result"] or "{}").get("local")
            if not local_only and op_id not in recorded:
                totals.lost += 1
                problems.append(f"{a.name}: op {op_id} ({op['state']}) not on the server")
            if op["state"] == "conflict":
                totals.conflicts += 1
                res = json.loads(op["result"])
                missing = set(res.get("conflicts") or {}) - conflict_fields.get(op["entity_id"], set())
                if missing:
                    totals.lost += 1
                    problems.append(f"{a.name}: conflict of {op_id} not visible: {missing}")
            if op["state"] in ("rejected", "discarded"):
                totals.rejections += 1
        for op_id, op in ops.items():
            res = recorded.get(op_id)
            if res and res.get("status") in ("applied", "conflict") and res.get("version"):
                bumps.setdefault(op["entity_id"], set()).add(int(res["version"]))
    seeded = {pid, card}  # written by the server directly at version 1; every other bump is an op's
    for rid, rec in recs.items():
        initial = 1 if rid in seeded else 0
        seen = {v for v in bumps.get(rid, set()) if v > initial}
        if rec.version - initial != len(seen):
            totals.duplicated += abs(rec.version - initial - len(seen))
            problems.append(f"row {rid} ({rec.entity}) version {rec.version}, recorded bumps {sorted(seen)}")
    if not settled:
        totals.diverged += 1
        problems.append("did not settle")
    else:
        for a in actors:
            for name in ENTITIES:
                local = {r["id"]: r for r in a.r.repo.list(name) if r["person_id"] == pid}
                server = {rid: r for rid, r in recs.items() if r.entity == name and not r.deleted}
                if set(local) != set(server):
                    totals.diverged += 1
                    problems.append(f"{a.name}: {name} ids differ: {set(local) ^ set(server)}")
                    continue
                for rid, r in server.items():
                    diff = {k: (local[rid].get(k), v) for k, v in r.data.items() if local[rid].get(k) != v}
                    if diff or local[rid]["version"] != r.version:
                        totals.diverged += 1
                        problems.append(f"{a.name}: {name} {rid} differs: {diff} v{local[rid]['version']}/{r.version}")
    if problems:
        totals.failures.append(f"seed {seed}: " + "; ".join(problems[:5]))


def run(schedules: int, seed: int = 1, steps: int = 14, database_url: str | None = None,
        verbose: bool = False) -> Totals:
    from server.testing import run_server

    totals = Totals()
    with tempfile.TemporaryDirectory(prefix="frmr-harness-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'server.sqlite3'}"
        with run_server(url) as base:
            port = int(base.rsplit(":", 1)[1])
            db = ServerDb(url)
            try:
                for i in range(schedules):
                    t0 = time.perf_counter()
                    run_schedule(seed * 100_000 + i, db, port, Path(tmp), totals, steps)
                    if verbose:
                        print(f"schedule {i}: {time.perf_counter() - t0:.2f}s", file=sys.stderr)
            finally:
                db.close()
    return totals


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="randomized sync schedules against a real server")
    ap.add_argument("--schedules", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=14)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    totals = run(args.schedules, args.seed, args.steps, verbose=args.verbose)
    out = {**totals.as_dict(), "seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0 if not totals.failures and totals.lost == 0 and totals.duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
