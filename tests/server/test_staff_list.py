"""The staff list's per-person summary stays equal to what the live cards say, through every kind of write."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from desktop.models.nsi import NsiRegistry
from server.auth.principal import Principal
from server.db import in_write_tx, make_engine
from server.models import Record, StaffEntry
from server.staff import org_card, summarise
from server.sync import Engine
from tests.server.conftest import World
from tests.server.test_scope_exit import _cards, _delete, _new_card, _only_in, _orgs, _version
from tests.server.test_sync import push


def _check(w: World) -> None:
    engine = make_engine(w.url)
    try:
        with engine.connect() as c:
            cards = c.execute(sa.select(col(Record.person_id), col(Record.org_inn), col(Record.sort_name),
                                        col(Record.snils), col(Record.begin_date), col(Record.data))
                              .where(col(Record.entity) == "employment", col(Record.deleted) == sa.false(),
                                     org_card())).all()
            want = summarise(cards)
            have = {(r.org_inn, r.person_id): dict(r._mapping) for r in c.execute(sa.select(StaffEntry))}
    finally:
        engine.dispose()
    assert {k: {**v, "active": bool(v["active"])} for k, v in have.items()} == want


def test_summary_follows_every_write(world: World) -> None:
    a, b = _orgs(world)
    _check(world)
    pid = _only_in(world, a["inn"], b["inn"])
    card = _new_card(world, "admin", pid, a["inn"], a["name"])
    _check(world)
    r = world.post("hr1", f"/employment/{card}/close", json={"end_date": "2030-01-01", "end_reason": "перевод"})
    assert r.status_code == 200, r.text
    _check(world)
    res = push(world, "admin", [{"op_id": str(uuid.uuid4()), "counter": 1, "entity": "employment",
                                 "entity_id": card, "person_id": pid, "op": "update",
                                 "base_version": _version(world, card),
                                 "fields": {"org_inn": b["inn"], "org_name": b["name"], "position_code": "5"}}])
    assert res[0]["status"] == "applied", res
    _check(world)
    res = push(world, "admin", [{"op_id": str(uuid.uuid4()), "counter": 1, "entity": "person", "entity_id": pid,
                                 "person_id": pid, "op": "update", "base_version": _version(world, pid),
                                 "fields": {"last_name": "Аааабвгд"}}])
    assert res[0]["status"] == "applied", res
    _check(world)
    first = world.get("hr2", f"/orgs/{b['inn']}/staff", params={"page_size": 1}).json()["items"][0]
    assert first["person_id"] == pid and first["last_name"] == "Аааабвгд"
    for rid in _cards(world, pid, a["inn"]):
        _delete(world, "admin", "employment", rid, pid)
    _check(world)
    _delete(world, "admin", "person", pid, pid)
    _check(world)
    assert pid not in {i["person_id"] for i in world.get("hr2", f"/orgs/{b['inn']}/staff",
                                                         params={"page_size": 500}).json()["items"]}


def test_concurrent_card_changes_of_one_person(world: World, backend: str) -> None:
    """Two transactions change two cards of one person at once; the summary has both changes."""
    a, b = _orgs(world)
    pid = _only_in(world, a["inn"], b["inn"])
    while len(_cards(world, pid, a["inn"])) < 2:
        _new_card(world, "admin", pid, a["inn"], a["name"])
    two = _cards(world, pid, a["inn"])[:2]
    engine = make_engine(world.url)
    nsi = NsiRegistry.shipped()
    admin = Principal(1, "admin", "admin", None)
    pg = backend == "postgresql"
    both_written = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def change(rid: str, code: str) -> None:
        def tx(s: Session) -> None:
            eng = Engine(s, admin, nsi)
            res = eng.apply({"op_id": str(uuid.uuid4()), "entity": "employment", "entity_id": rid,
                             "person_id": pid, "op": "update", "base_version": 10**6,
                             "fields": {"position_code": code}})
            assert res["status"] == "applied", res
            s.flush()
            if pg:  # SQLite serializes writers: there the second cannot even start before the first ends
                both_written.wait()  # neither has committed: each sees the other's card unchanged
            eng.w.finish()

        try:
            in_write_tx(engine, tx)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=change, args=(rid, code)) for rid, code in zip(two, ("7", "8"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    assert not errors, errors
    _check(world)
    item: dict[str, Any] = next(i for i in world.get("hr1", f"/orgs/{a['inn']}/staff",
                                                     params={"page_size": 500}).json()["items"]
                                if i["person_id"] == pid)
    assert {"7", "8"} <= set(item["positions"])
