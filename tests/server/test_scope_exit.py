"""Scope exits: a person who leaves an HR clerk's organizations is dropped from the clerk's feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from desktop.models.nsi import NsiRegistry
from server.auth.accounts import create_account
from server.auth.principal import Principal
from server.db import in_write_tx, make_engine
from server.models import Record
from server.sync import Engine
from server.testing import token_for
from tests.server.conftest import World
from tests.server.test_sync import pull_all, push

_DAYS = itertools.count()


def exit_of(pid: str) -> dict[str, Any]:
    return {"entity": "person", "id": pid, "person_id": pid, "version": None, "deleted": True, "row": None,
            "scope_exit": True}


def _rows(w: World, pid: str) -> dict[str, tuple[str, int, bool, str | None]]:
    """id -> (entity, version, deleted, org_inn) of every row of a person, straight from the database."""
    engine = make_engine(w.url)
    try:
        with engine.connect() as c:
            return {r[0]: (r[1], r[2], bool(r[3]), r[4]) for r in c.execute(
                sa.select(col(Record.id), col(Record.entity), col(Record.version), col(Record.deleted),
                          col(Record.org_inn)).where(col(Record.person_id) == pid))}
    finally:
        engine.dispose()


def _cards(w: World, pid: str, inn: str | None = None) -> list[str]:
    return sorted(rid for rid, (ent, _, deleted, org) in _rows(w, pid).items()
                  if ent == "employment" and not deleted and (inn is None or org == inn))


def _version(w: World, rid: str) -> int:
    engine = make_engine(w.url)
    try:
        with engine.connect() as c:
            return int(c.execute(sa.select(col(Record.version)).where(col(Record.id) == rid)).scalar_one())
    finally:
        engine.dispose()


def _delete(w: World, login: str, entity: str, rid: str, pid: str) -> None:
    res = push(w, login, [{"op_id": str(uuid.uuid4()), "counter": 1, "entity": entity, "entity_id": rid,
                           "person_id": pid, "op": "delete", "base_version": _version(w, rid)}])
    assert res[0]["status"] == "applied", res


def _new_card(w: World, login: str, pid: str, inn: str, name: str) -> str:
    rid = str(uuid.uuid4())
    begin = (dt.date(2001, 1, 1) + dt.timedelta(days=40 * next(_DAYS))).isoformat()
    res = push(w, login, [{"op_id": str(uuid.uuid4()), "counter": 1, "entity": "employment", "entity_id": rid,
                           "person_id": pid, "op": "create", "base_version": 0,
                           "fields": {"org_name": name, "org_inn": inn, "position_code": "4",
                                      "position_type": "external_part_time", "contract_kind": "labor",
                                      "rate": "0.5", "begin_date": begin, "status": "confirmed"}}])
    assert res[0]["status"] == "applied", res
    return rid


def _orgs(w: World) -> tuple[dict[str, str], dict[str, str]]:
    a = w.tokens["hr1"]["user"]["organizations"][0]
    b = w.tokens["hr2"]["user"]["organizations"][0]
    return a, b


def _only_in(w: World, inn: str, other: str) -> str:
    """A person with live cards in ``inn`` only (not a doctor with an account)."""
    skip = {w.person_id("doctor"), w.person_id("doctor2")}
    for item in w.get("admin", f"/orgs/{inn}/staff", params={"page_size": 500}).json()["items"]:
        pid = str(item["person_id"])
        if pid not in skip and not _cards(w, pid, other):
            return pid
    raise AssertionError("no such person in the demo")


def _exits_and_own_tombstones(got: list[dict[str, Any]], own: set[str]) -> list[dict[str, Any]]:
    """The scope exits of a page, after checking that everything else is a tombstone of a card the
    reader's organization entered itself (those it may always read back, docs/security.md)."""
    rest = [c for c in got if not c.get("scope_exit")]
    assert all(c["deleted"] and c["entity"] == "employment" and c["id"] in own for c in rest), rest
    return [c for c in got if c.get("scope_exit")]


def _hr_of_both(w: World, a: str, b: str) -> None:
    engine = make_engine(w.url)
    try:
        def tx(s: Session) -> None:
            create_account(s, "hr12", "Hr-Both-Orgs-1!", "hr", org_inns=[a, b], with_totp=False)

        in_write_tx(engine, tx)
    finally:
        engine.dispose()
    w.tokens["hr12"] = token_for(w.url, "hr12")


def _replica(changes: list[dict[str, Any]], into: dict[str, dict[str, Any]] | None = None
             ) -> dict[str, dict[str, Any]]:
    """What a desktop keeps: id -> change, applying tombstones and scope exits."""
    rep = into if into is not None else {}
    for ch in changes:
        if ch.get("scope_exit"):
            for rid in [rid for rid, c in rep.items() if c["person_id"] == ch["person_id"]]:
                del rep[rid]
        elif ch["deleted"]:
            rep.pop(ch["id"], None)
        else:
            rep[ch["id"]] = ch
    return rep


def _state_of(rep: dict[str, dict[str, Any]]) -> dict[str, tuple[int, str]]:
    by: dict[str, list[str]] = {}
    for c in rep.values():
        by.setdefault(c["entity"], []).append(f"{c['id']}:{c['version']}\n")
    return {e: (len(v), hashlib.sha256("".join(sorted(v)).encode()).hexdigest()) for e, v in by.items()}


def _server_state(w: World, login: str) -> dict[str, tuple[int, str]]:
    ents = w.get(login, "/sync/state").json()["entities"]
    return {e: (v["count"], v["checksum"]) for e, v in ents.items() if v["count"]}


def test_last_card_deleted_tells_the_clerk_to_drop_the_person(world: World) -> None:
    (a, b) = _orgs(world)
    pid = _only_in(world, a["inn"], b["inn"])
    changes, cur = pull_all(world, "hr1")
    rep = _replica(changes)
    assert any(c["person_id"] == pid for c in rep.values())
    _, mgr_cur = pull_all(world, "manager")
    cards = _cards(world, pid, a["inn"])
    for rid in cards:
        _delete(world, "hr1", "employment", rid, pid)
    got, cur2 = pull_all(world, "hr1", cur)
    assert got == [exit_of(pid)]  # exactly the wire format, and nothing else of the person
    _replica(got, rep)
    assert not any(c["person_id"] == pid for c in rep.values())
    assert _state_of(rep) == _server_state(world, "hr1")
    # the manager of the same organization reads the same feed
    assert pull_all(world, "manager", mgr_cur)[0] == [exit_of(pid)]
    # the exit is stored once: a later pull from the new cursor is empty, a pull from scratch omits the person
    assert pull_all(world, "hr1", cur2)[0] == []
    fresh = _replica(pull_all(world, "hr1")[0])
    assert fresh == rep
    # the doctor's own feed and the admin's are not affected by scope exits
    assert not [c for c in pull_all(world, "admin", cur)[0] if c.get("scope_exit")]


def test_no_exit_for_a_reader_who_still_sees_the_person(world: World) -> None:
    a, b = _orgs(world)
    pid = _only_in(world, a["inn"], b["inn"])
    _hr_of_both(world, a["inn"], b["inn"])
    card_b = _new_card(world, "admin", pid, b["inn"], b["name"])
    _, c1 = pull_all(world, "hr1")
    _, c2 = pull_all(world, "hr2")
    rep12 = _replica(pull_all(world, "hr12")[0])
    _, c12 = pull_all(world, "hr12")
    for rid in _cards(world, pid, a["inn"]):
        _delete(world, "admin", "employment", rid, pid)
    assert pull_all(world, "hr1", c1)[0] == [exit_of(pid)]
    for login, cur in (("hr2", c2), ("hr12", c12)):
        got = pull_all(world, login, cur)[0]
        assert got and not [c for c in got if c.get("scope_exit")], got
        assert all(c["deleted"] and c["entity"] == "employment" for c in got)
    _replica(pull_all(world, "hr12", c12)[0], rep12)
    assert _state_of(rep12) == _server_state(world, "hr12")
    # now the last card, in the other organization: hr2 and hr12 lose the person
    _delete(world, "admin", "employment", card_b, pid)
    # card_b was the operator's entry for organization b: b's readers get its tombstone too
    assert _exits_and_own_tombstones(pull_all(world, "hr2", c2)[0], {card_b}) == [exit_of(pid)]
    got12 = pull_all(world, "hr12", c12)[0]
    exits12 = _exits_and_own_tombstones(got12, {card_b})
    assert exits12 and all(c == exit_of(pid) for c in exits12)  # one per organization left; dropping twice is harmless
    _replica(got12, rep12)
    assert _state_of(rep12) == _server_state(world, "hr12")


def test_card_moved_to_another_organization_and_reentry(world: World) -> None:
    a, b = _orgs(world)
    pid = _only_in(world, a["inn"], b["inn"])
    rep1 = _replica(pull_all(world, "hr1")[0])
    _, c1 = pull_all(world, "hr1")
    _, c1_old = pull_all(world, "hr1")
    _, c2 = pull_all(world, "hr2")
    cards = _cards(world, pid, a["inn"])
    for rid in cards[1:]:
        _delete(world, "admin", "employment", rid, pid)
    # the last card in a moves to b: a's readers lose the person, b's readers gain them
    res = push(world, "admin", [{"op_id": str(uuid.uuid4()), "counter": 1, "entity": "employment",
                                 "entity_id": cards[0], "person_id": pid, "op": "update",
                                 "base_version": _version(world, cards[0]),
                                 "fields": {"org_inn": b["inn"], "org_name": b["name"]}}])
    assert res[0]["status"] == "applied", res
    got1, c1 = pull_all(world, "hr1", c1)
    assert got1 == [exit_of(pid)]
    _replica(got1, rep1)
    assert _state_of(rep1) == _server_state(world, "hr1")
    got2 = pull_all(world, "hr2", c2)[0]
    assert {c["id"] for c in got2} >= {pid, cards[0]} and not [c for c in got2 if c.get("scope_exit")]
    # back into a: the person and all their rows are announced again to a's readers
    card = _new_card(world, "admin", pid, a["inn"], a["name"])
    back = pull_all(world, "hr1", c1)[0]
    assert not [c for c in back if c.get("scope_exit")]
    assert {pid, card, cards[0]} <= {c["id"] for c in back}
    _replica(back, rep1)
    assert _state_of(rep1) == _server_state(world, "hr1")
    # a reader whose cursor is older than the exit never sees it once the person is back
    old = pull_all(world, "hr1", c1_old)[0]
    assert not [c for c in old if c.get("scope_exit")]


def test_person_deleted_is_an_exit_for_the_clerk_and_pages_stay_gap_free(world: World) -> None:
    a, b = _orgs(world)
    pids = [_only_in(world, a["inn"], b["inn"])]
    _, cur = pull_all(world, "hr1")
    _delete(world, "admin", "person", pids[0], pids[0])
    # another person leaves through a card deletion by hr1 itself
    other = next(p["person_id"] for p in world.get("admin", f"/orgs/{a['inn']}/staff",
                                                   params={"page_size": 500}).json()["items"]
                 if p["person_id"] not in [*pids, world.person_id("doctor"), world.person_id("doctor2")]
                 and not _cards(world, p["person_id"], b["inn"]))
    for rid in _cards(world, other, a["inn"]):
        _delete(world, "hr1", "employment", rid, other)
    one_by_one, _ = pull_all(world, "hr1", cur, limit=1)
    assert one_by_one == [exit_of(pids[0]), exit_of(other)]


def test_concurrent_deletes_of_the_last_two_cards_still_exit(world: World, backend: str) -> None:
    """PostgreSQL (READ COMMITTED): each transaction sees the other's card as live until the person's
    row lock orders them. SQLite serializes writers, so there the race cannot happen at all."""
    if backend != "postgresql":
        return
    a, b = _orgs(world)
    pid = _only_in(world, a["inn"], b["inn"])
    while len(_cards(world, pid, a["inn"])) < 2:
        _new_card(world, "admin", pid, a["inn"], a["name"])
    keep = _cards(world, pid, a["inn"])[:2]
    for rid in _cards(world, pid, a["inn"])[2:]:
        _delete(world, "admin", "employment", rid, pid)
    _, cur = pull_all(world, "hr1")
    engine = make_engine(world.url)
    nsi = NsiRegistry.shipped()
    admin = Principal(1, "admin", "admin", None)
    both_deleted = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def delete(rid: str) -> None:
        def tx(s: Session) -> None:
            eng = Engine(s, admin, nsi)
            res = eng.apply({"op_id": str(uuid.uuid4()), "entity": "employment", "entity_id": rid,
                             "person_id": pid, "op": "delete", "base_version": 10**6})
            assert res["status"] == "applied", res
            s.flush()
            both_deleted.wait()  # neither has committed: each still sees the other's card as live
            eng.w.finish()

        try:
            in_write_tx(engine, tx, attempts=1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=delete, args=(rid,)) for rid in keep]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    assert not errors, errors
    assert _exits_and_own_tombstones(pull_all(world, "hr1", cur)[0], set(keep)) == [exit_of(pid)]
