"""Sync API: push semantics, exactly-once, merge, pull scope, state, blobs, schema header."""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import Any

import httpx

from server.testing import SCHEMA_HEADER, run_server, token_for
from tests.server.conftest import World


def nmo_op(pid: str, rid: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "nmo", "entity_id": rid or str(uuid.uuid4()),
            "person_id": pid, "op": "create", "base_version": 0,
            "fields": {"event_date": "2025-01-10", "kind": "iom", "title": "Модуль", "credits": "2", **fields}}


def upd(entity: str, rid: str, pid: str, base_version: int, base: dict[str, Any] | None = None,
        **fields: Any) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "counter": 2, "entity": entity, "entity_id": rid, "person_id": pid,
            "op": "update", "fields": fields, "base": base or {}, "base_version": base_version}


def push(w: World, login: str, ops: list[dict[str, Any]], client_id: str | None = None) -> list[dict[str, Any]]:
    r = w.post(login, "/sync/push", json={"client_id": client_id or str(uuid.uuid4()), "ops": ops})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def pull_all(w: World, login: str, cursor: str = "", limit: int = 200) -> tuple[list[dict[str, Any]], str]:
    out: list[dict[str, Any]] = []
    while True:
        r = w.get(login, "/sync/pull", params={"cursor": cursor, "limit": limit})
        assert r.status_code == 200, r.text
        body = r.json()
        out += body["changes"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return out, cursor


def count_rows(w: World, login: str, entity: str) -> int:
    return int(w.get(login, "/sync/state").json()["entities"][entity]["count"])


def test_same_batch_repeated_applies_once(world: World) -> None:
    pid = world.person_id("doctor")
    before = count_rows(world, "doctor", "nmo")
    ops = [nmo_op(pid), nmo_op(pid, title="Второй")]
    ops.append(upd("person", pid, pid, 1, phone="+79990001122"))
    cid = str(uuid.uuid4())
    first = push(world, "doctor", ops, cid)
    assert [r["status"] for r in first] == ["applied", "applied", "applied"]
    for _ in range(4):
        assert push(world, "doctor", ops, cid) == first
    assert count_rows(world, "doctor", "nmo") == before + 2
    rec = world.get("doctor", f"/persons/{pid}/record").json()["entities"]["person"][0]
    assert rec["version"] == 2  # the update was applied once, not five times


def test_concurrent_duplicate_batches_from_two_connections(db_url: str) -> None:
    from server.testing import seed

    accounts = seed(db_url)
    assert accounts
    tok = token_for(db_url, "doctor")
    pid = tok["user"]["person_id"]
    h = {"Authorization": f"Bearer {tok['access_token']}", **SCHEMA_HEADER}
    cid = str(uuid.uuid4())
    ops = [nmo_op(pid) for _ in range(20)] + [upd("person", pid, pid, 1, phone="+79990001133")]
    with run_server(db_url) as base:
        before = httpx.get(base + "/sync/state", headers=h).json()["entities"]["nmo"]["count"]
        answers: list[Any] = []
        barrier = threading.Barrier(4)

        def send() -> None:
            with httpx.Client(timeout=60) as c:  # a connection of its own
                barrier.wait()
                answers.append(c.post(base + "/sync/push", headers=h, json={"client_id": cid, "ops": ops}).json())

        threads = [threading.Thread(target=send) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(a == answers[0] for a in answers), answers
        assert all(r["status"] == "applied" for r in answers[0]["results"])
        after = httpx.get(base + "/sync/state", headers=h).json()["entities"]["nmo"]["count"]
        assert after == before + 20
        person = httpx.get(base + f"/persons/{pid}/record", headers=h).json()["entities"]["person"][0]
        assert person["version"] == 2


def test_field_level_merge_and_conflicts(world: World) -> None:
    pid = world.person_id("doctor")
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    # two devices edit different fields of the same row on the same base: both apply
    r1 = push(world, "doctor", [upd("person", pid, pid, 1, phone="+79990000001")], a)[0]
    r2 = push(world, "doctor", [upd("person", pid, pid, 1, email="new@example.ru")], b)[0]
    assert r1 == {"op_id": r1["op_id"], "status": "applied", "version": 2}
    assert r2["status"] == "applied" and r2["version"] == 3
    # device B changes the phone that A changed after B's base: conflict, other fields still apply
    r3 = push(world, "doctor", [upd("person", pid, pid, 1, phone="+79990000002", address_actual="Москва")], b)[0]
    assert r3["status"] == "conflict"
    assert r3["applied_fields"] == ["address_actual"]
    assert r3["conflicts"] == {"phone": {"theirs": "+79990000001", "version": 2}}
    assert r3["version"] == 4
    # same value as the server: no conflict
    r4 = push(world, "doctor", [upd("person", pid, pid, 1, phone="+79990000001")], b)[0]
    assert r4["status"] == "applied"
    # a client never conflicts with its own queued edits on an old base
    r5 = push(world, "doctor", [upd("person", pid, pid, 1, phone="+79990000003")], a)[0]
    assert r5["status"] == "applied", r5


def test_create_exists_delete_conflicts_and_tombstones(world: World) -> None:
    pid = world.person_id("doctor")
    cid = str(uuid.uuid4())
    op = nmo_op(pid)
    rid = op["entity_id"]
    assert push(world, "doctor", [op], cid)[0]["status"] == "applied"
    again = {**op, "op_id": str(uuid.uuid4())}
    r = push(world, "doctor", [again], cid)[0]
    assert r["status"] == "conflict" and r["conflicts"]["_exists"]["version"] == 1
    other = str(uuid.uuid4())
    push(world, "doctor", [upd("nmo", rid, pid, 1, title="Изменено")], other)
    dele = {"op_id": str(uuid.uuid4()), "counter": 9, "entity": "nmo", "entity_id": rid, "person_id": pid,
            "op": "delete", "base_version": 1}
    r = push(world, "doctor", [dele], cid)[0]
    assert r["status"] == "conflict" and r["conflicts"] == {"_deleted": {"theirs": False, "version": 2}}
    _, cursor = pull_all(world, "doctor")
    dele2 = {**dele, "op_id": str(uuid.uuid4()), "base_version": 2}
    assert push(world, "doctor", [dele2], cid)[0] == {"op_id": dele2["op_id"], "status": "applied", "version": 3}
    changes, _ = pull_all(world, "doctor", cursor)
    assert changes == [{"entity": "nmo", "id": rid, "person_id": pid, "version": 3, "deleted": True, "row": None}]
    r = push(world, "doctor", [upd("nmo", rid, pid, 2, title="ещё")], cid)[0]
    assert r["status"] == "conflict" and r["version"] is None
    assert r["conflicts"] == {"_deleted": {"theirs": True, "version": 3}}


def test_rejections_are_russian_and_apply_nothing(world: World) -> None:
    pid = world.person_id("doctor")
    before = count_rows(world, "doctor", "nmo")
    bad = [
        nmo_op(pid, credits="-1"),
        nmo_op(pid, event_date="2999-01-01"),
        nmo_op(pid, kind="лекция"),
        {**nmo_op(pid), "entity": "nonsense"},
        {**nmo_op(pid), "fields": {"title": "x", "unknown_field": 1}},
        nmo_op(pid, status="confirmed"),  # only the operator confirms credits
        nmo_op(world.person_id("doctor2")),  # someone else's record
        {**nmo_op(pid), "blobs": ["0" * 64]},
        upd("person", pid, pid, 1, snils="00000000000"),
        upd("person", str(uuid.uuid4()), str(uuid.uuid4()), 0, phone="+79990001122"),
    ]
    results = push(world, "doctor", bad)
    for r in results:
        assert r["status"] == "rejected", r
        assert all(any("а" <= ch.lower() <= "я" for ch in m) for m in r["errors"].values()), r
    assert count_rows(world, "doctor", "nmo") == before


def test_manager_is_read_only_and_hr_limited_to_its_org(world: World) -> None:
    pid = world.person_id("doctor2")
    r = push(world, "manager", [upd("person", pid, pid, 1, phone="+79990001144")])[0]
    assert r["status"] == "rejected" and "_permission" in r["errors"]
    emp = {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "employment", "entity_id": str(uuid.uuid4()),
           "person_id": pid, "op": "create", "base_version": 0,
           "fields": {"org_name": "Чужая", "org_inn": "7707083893", "position_code": "4", "position_type": "main",
                      "contract_kind": "labor", "rate": "1", "begin_date": "2024-01-01"}}
    r = push(world, "hr1", [emp])[0]
    assert r["status"] == "rejected" and "org_inn" in r["errors"]


def test_pull_scope_paging_and_state(world: World) -> None:
    seen: dict[str, set[str]] = {}
    for login in ("doctor", "doctor2", "hr1", "hr2", "manager", "admin"):
        changes, _ = pull_all(world, login, limit=7)
        ids = {c["id"] for c in changes}
        assert len(ids) == len(changes)  # no duplicates within one initial pull
        seen[login] = {c["person_id"] for c in changes}
        state = world.get(login, "/sync/state").json()["entities"]
        assert sum(v["count"] for v in state.values()) == len([c for c in changes if not c["deleted"]])
    assert seen["doctor"] == {world.person_id("doctor")}
    assert seen["doctor2"] == {world.person_id("doctor2")}
    assert seen["hr1"] == seen["manager"]
    assert seen["hr1"] != seen["hr2"] and seen["hr1"] & seen["hr2"]
    assert seen["hr1"] | seen["hr2"] == seen["admin"]
    # checksum matches the documented formula
    changes, _ = pull_all(world, "doctor")
    lines = sorted(f"{c['id']}:{c['version']}\n" for c in changes if c["entity"] == "nmo" and not c["deleted"])
    state = world.get("doctor", "/sync/state").json()["entities"]["nmo"]
    assert state["checksum"] == hashlib.sha256("".join(lines).encode()).hexdigest()


def test_new_employment_makes_person_visible_to_hr_after_its_cursor(world: World) -> None:
    _, cursor = pull_all(world, "hr2")
    pid = world.person_id("doctor")  # already visible to hr2 via an old card; use a person of org 1 only
    person = world.get("hr1", "/orgs/" + world.tokens["hr1"]["user"]["organizations"][0]["inn"] + "/staff",
                       params={"page_size": 50, "sort": "-name"}).json()["items"]
    hr2_visible = {c["person_id"] for c in pull_all(world, "hr2")[0]}
    target = next(i["person_id"] for i in person if i["person_id"] not in hr2_visible)
    assert target != pid
    inn2 = world.tokens["hr2"]["user"]["organizations"][0]["inn"]
    r = world.post("hr2", f"/orgs/{inn2}/employment", json={"person_id": target, "fields": {
        "position_code": "4", "position_type": "external_part_time", "contract_kind": "labor", "rate": "0.5",
        "begin_date": "2024-02-01"}})
    assert r.status_code == 201, r.text
    card = r.json()
    changes, cursor2 = pull_all(world, "hr2", cursor)
    got = {(c["entity"], c["person_id"]) for c in changes}
    # a draft card gives the organization its own card back, nothing else of the person
    assert got == {("employment", target)}
    r = world.patch("admin", f"/persons/{target}/employment/{card['id']}", json={"fields": {"status": "confirmed"}})
    assert r.status_code == 200, r.text
    changes, _ = pull_all(world, "hr2", cursor2)
    got = {(c["entity"], c["person_id"]) for c in changes}
    assert ("person", target) in got  # the person's older rows reach hr2 although its cursor is past them


def test_cursor_and_schema_header(world: World) -> None:
    r = world.get("doctor", "/sync/pull", params={"cursor": "c1.MTA.0000000000000000000a"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    r = world.get("doctor", "/sync/pull", headers={"X-Client-Schema": "0"})
    assert r.status_code == 426 and "обнов" in r.json()["detail"]
    pid = world.person_id("doctor")
    before = count_rows(world, "doctor", "nmo")
    r = world.post("doctor", "/sync/push", headers={"X-Client-Schema": "0"},
                   json={"client_id": str(uuid.uuid4()), "ops": [nmo_op(pid)]})
    assert r.status_code == 426
    assert count_rows(world, "doctor", "nmo") == before
    r = world.client.get("/sync/pull", headers={"Authorization": world.h("doctor")["Authorization"]})
    assert r.status_code == 400
    r = world.get("doctor", "/sync/pull", headers={"X-Client-Schema": "one"})
    assert r.status_code == 400


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 10


def test_blobs(world: World) -> None:
    sha = hashlib.sha256(PDF).hexdigest()
    r = world.client.put(f"/blobs/{sha}", content=PDF, headers=world.h("doctor"))
    assert r.status_code == 201
    assert world.client.put(f"/blobs/{sha}", content=PDF, headers=world.h("doctor")).status_code == 200
    r = world.client.get(f"/blobs/{sha}", headers=world.h("doctor"))
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    assert world.client.head(f"/blobs/{sha}", headers=world.h("doctor")).status_code == 200
    # another doctor cannot read it (no visible document refers to it)
    assert world.client.get(f"/blobs/{sha}", headers=world.h("doctor2")).status_code == 404
    text = b"just text, named .pdf"
    assert world.client.put(f"/blobs/{hashlib.sha256(text).hexdigest()}", content=text,
                            headers=world.h("doctor")).status_code == 415
    assert world.client.put(f"/blobs/{'a' * 64}", content=PNG, headers=world.h("doctor")).status_code == 422
    assert world.client.put(f"/blobs/{hashlib.sha256(b'').hexdigest()}", content=b"",
                            headers=world.h("doctor")).status_code == 422
    big = b"%PDF-" + b"0" * (5 * 1024 * 1024)
    assert world.client.put(f"/blobs/{hashlib.sha256(big).hexdigest()}", content=big,
                            headers=world.h("doctor")).status_code == 413
    assert world.client.get("/blobs/xyz", headers=world.h("doctor")).status_code == 400
    # a document row naming the blob grants nothing to anyone (docs/security.md, «Files»)
    pid = world.person_id("doctor")
    doc = {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "document", "entity_id": str(uuid.uuid4()),
           "person_id": pid, "op": "create", "base_version": 0, "blobs": [sha],
           "fields": {"kind": "scan", "title": "Диплом", "created_at": "2025-01-01", "blob_sha256": sha,
                      "mime": "application/pdf", "size": len(PDF)}}
    assert push(world, "doctor", [doc])[0]["status"] == "applied"
    assert world.client.get(f"/blobs/{sha}", headers=world.h("hr1")).status_code == 404
    pid2 = world.person_id("doctor2")
    stolen = {**doc, "op_id": str(uuid.uuid4()), "entity_id": str(uuid.uuid4()), "person_id": pid2}
    res = push(world, "doctor2", [stolen])[0]
    assert res["status"] == "rejected" and "blobs" in res["errors"]
    assert world.client.get(f"/blobs/{sha}", headers=world.h("doctor2")).status_code == 404
    # a second uploader of the same bytes is told nothing about the first, and owns the file
    assert world.client.put(f"/blobs/{sha}", content=PDF, headers=world.h("doctor2")).status_code == 201
    assert world.client.get(f"/blobs/{sha}", headers=world.h("doctor2")).status_code == 200
    assert push(world, "doctor2", [{**stolen, "op_id": str(uuid.uuid4())}])[0]["status"] == "applied"


def test_requests_survive_dropped_database_connections(world: World, backend: str) -> None:
    """PostgreSQL: pooled connections are not pinged before use; when the database drops them (a
    restart), the next request still succeeds on a fresh connection."""
    if backend != "postgresql":
        return
    import psycopg
    from sqlalchemy.engine import make_url

    pid = world.person_id("doctor")
    assert world.get("doctor", "/me").status_code == 200
    assert push(world, "doctor", [nmo_op(pid)])[0]["status"] == "applied"
    u = make_url(world.url)
    with psycopg.connect(u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False),
                         autocommit=True) as c:
        killed = c.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = %s AND pid <> pg_backend_pid()", (u.database,)).fetchone()
    assert killed and killed[0] >= 1
    assert world.get("doctor", "/me").status_code == 200
    assert world.get("doctor", "/sync/pull").status_code == 200
    assert push(world, "doctor", [nmo_op(pid)])[0]["status"] == "applied"
    assert world.get("hr1", "/orgs").status_code == 200
