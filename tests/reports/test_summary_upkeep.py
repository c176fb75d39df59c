"""The report's summary rows follow every write (issue 15): a card added, closed or moved by a
push changes the manager's figures at once, each time compared with a count made here from the
records themselves; migration 0010 backfills a database written before it — SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bench.org_seed import OrgData, generate, load
from desktop.demo import ORG_GKB
from server import reports
from server.db import make_engine
from server.models import Confirmation, Record
from tests.reports.revisions import move_to
from tests.reports.test_aggregates import _check, expected
from tests.server.conftest import World

TODAY = dt.date.today()
INN = ORG_GKB["org_inn"]


def _from_db(url: str, inn: str) -> OrgData:
    """The organization's rows as they are in the database, for the independent count."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            rows = [{"entity": r.entity, "person_id": r.person_id, "deleted": r.deleted, "data": r.data or {},
                     "author_org": r.author_org}
                    for r in c.execute(sa.select(Record.entity, Record.person_id, Record.deleted,  # type: ignore[call-overload]
                                                 Record.data, Record.author_org))]
            confs = [{"status": r.status, "created_at": r.created_at}
                     for r in c.execute(sa.select(Confirmation.status, Confirmation.created_at)  # type: ignore[call-overload]
                                        .where(Confirmation.org_inn == inn))]
    finally:
        engine.dispose()
    return OrgData(inn, "", "", rows, confs)


def _report(w: World, flt: reports.Filters | None = None) -> dict[str, Any]:
    flt = flt or reports.Filters()
    params = {k: v for k, v in (("subdivision", flt.subdivision), ("position", flt.position)) if v is not None}
    r = w.get("manager", f"/orgs/{INN}/report", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _agrees(w: World) -> dict[str, Any]:
    got = _report(w)
    data = _from_db(w.url, INN)
    _check(got, expected(data))
    for row in got["by_subdivision"]:
        flt = reports.Filters(subdivision=row["subdivision"])
        _check(_report(w, flt), expected(data, flt))
    return got


def _push(w: World, login: str, op: dict[str, Any]) -> dict[str, Any]:
    r = w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [op]})
    assert r.status_code == 200, r.text
    res = dict(r.json()["results"][0])
    assert res["status"] == "applied", res
    return res


def _op(kind: str, entity: str, rid: str, pid: str, fields: dict[str, Any], base_version: int = 0) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "counter": 1, "entity": entity, "entity_id": rid, "person_id": pid,
            "op": kind, "fields": fields, "base": {}, "base_version": base_version}


def _units(got: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {g["subdivision"]: (g["headcount"], g["cards"]) for g in got["by_subdivision"]}


def test_a_pushed_card_changes_the_figures_at_once(world: World) -> None:
    before = _agrees(world)
    # a new person on the staff, in a subdivision of its own, by the organization's clerk
    pid = str(uuid.uuid4())
    _push(world, "hr1", _op("create", "person", pid, pid, {
        "snils": "11223344595", "last_name": "Сводкина", "first_name": "Анна", "gender": "female",
        "birth_date": "1985-03-04"}))
    card = str(uuid.uuid4())
    unit = "Отделение сводок"
    _push(world, "hr1", _op("create", "employment", card, pid, {
        **{k: ORG_GKB[k] for k in ("org_name", "org_inn")}, "subdivision": unit, "position_code": "4",
        "position_type": "main", "contract_kind": "labor", "rate": "0.75", "begin_date": "2020-01-01"}))
    added = _agrees(world)
    assert added["headcount"] == before["headcount"] + 1
    assert _units(added)[unit] == (1, 1)
    # moved to another subdivision
    res = _push(world, "hr1", _op("update", "employment", card, pid, {"subdivision": "Поликлиника сводок"}, 1))
    moved = _agrees(world)
    assert unit not in _units(moved) and _units(moved)["Поликлиника сводок"] == (1, 1)
    # closed yesterday: off today's staff
    _push(world, "hr1", _op("update", "employment", card, pid,
                            {"end_date": (TODAY - dt.timedelta(days=1)).isoformat()}, res.get("version", 2)))
    closed = _agrees(world)
    assert closed["headcount"] == before["headcount"]
    assert "Поликлиника сводок" not in _units(closed)
    # the doctor (on the staff) files a certificate ending next week: it is on the expiry list
    doc = world.person_id("doctor")
    ends = (TODAY + dt.timedelta(days=7)).isoformat()
    _push(world, "doctor", _op("create", "certificate", str(uuid.uuid4()), doc, {
        "specialty_code": "39", "cert_number": "1177240000001", "issue_date": "2021-01-01",
        "valid_until": ends, "issuer": "Учебный центр"}))
    certified = _agrees(world)
    assert {"person_id": doc, "kind": "certificate", "date": ends} in [
        {k: i[k] for k in ("person_id", "kind", "date")} for i in certified["expiring_items"]]


def test_a_confirmed_credit_moves_the_nmo_figures_at_once(world: World) -> None:
    """The doctor files НМО credits; the operator's confirmation puts them in the doctor's stored
    sum (and so in the histogram) in the same commit."""
    before = _agrees(world)
    doc = world.person_id("doctor")
    nmo = str(uuid.uuid4())
    _push(world, "doctor", _op("create", "nmo", nmo, doc, {
        "event_date": (TODAY - dt.timedelta(days=30)).isoformat(), "kind": "program", "title": "Цикл сводок",
        "provider": "Учебный центр", "credits": "144", "status": "pending"}))
    assert _agrees(world)["nmo_compliance"] == before["nmo_compliance"]  # not confirmed yet: not counted
    r = world.post("admin", f"/admin/nmo/{nmo}/decision", json={"status": "confirmed"})
    assert r.status_code == 200, r.text
    after = _agrees(world)
    assert after["nmo_compliance"][-1]["count"] == before["nmo_compliance"][-1]["count"] + 1  # the cycle done
    r = world.get("manager", f"/orgs/{INN}/report/people", params={"group": "nmo", "value": "100"})
    assert doc in {p["person_id"] for p in r.json()["items"]}


def test_migration_backfills_the_summaries(db_url: str) -> None:
    """A database at 0009 with an organization's rows in it: upgraded, the report counts them."""
    engine = make_engine(db_url)
    try:
        move_to(engine, db_url, "0009", down=True)
        d = generate(120, seed=23)
        load(engine, d, summaries=False)
        move_to(engine, db_url, "head")
        with Session(engine) as s:
            got = reports.org_report(s, d.inn, today=TODAY)
        _check(got, expected(d))
        assert got["headcount"] > 80
    finally:
        engine.dispose()
