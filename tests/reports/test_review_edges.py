"""A hostile review of the НМО sums kept on report_staff (issue 15, migration 0011): odd credits
written past validation, days around leap days and the cycle's edge, an accreditation that moves
the cycle start and is removed again, a credit deleted — each figure against a count made here
from the rows in the database, on SQLite and PostgreSQL. Also: the memo of the report, two
transactions writing one person's credits and card, the migration from 0010, the routes' warm-up
with no database, and who may read the operator's 10,000-row queues."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from bench.org_seed import OrgData, generate, load
from desktop.models.nsi import NsiRegistry
from desktop.models.validation import add_years
from server import reports
from server.app import create_app
from server.auth.principal import Principal
from server.config import Settings
from server.db import in_write_tx, make_engine
from server.feed import Writer
from server.models import Confirmation, Record, ReportCredit, ReportStaff
from server.sync import Engine
from tests.reports.revisions import move_to
from tests.reports.test_aggregates import _active_cards
from tests.reports.test_summary_upkeep import INN, _agrees, _op, _push
from tests.server.conftest import World

TODAY = dt.date.today()
BINS = (0, 25, 50, 75, 100)


# -- the independent count -------------------------------------------------------------------

def _rows(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return [{"id": r.id, "entity": r.entity, "person_id": r.person_id, "deleted": r.deleted,
                     "data": r.data or {}, "author_org": r.author_org}
                    for r in c.execute(sa.select(Record.id, Record.entity, Record.person_id,  # type: ignore[call-overload]
                                                 Record.deleted, Record.data, Record.author_org))]
    finally:
        engine.dispose()


def _value(text: Any) -> Decimal | None:
    """What a credit is worth as docs/reports.md defines it: a finite decimal of at most 10⁹,
    anything else (empty, malformed, huge) counts as none."""
    if text is None or text == "" or isinstance(text, bool):
        return None
    try:
        d = Decimal(str(text))
    except InvalidOperation:
        return None
    return d if d.is_finite() and abs(d) <= 10**9 else None


def _five_back(day: dt.date) -> str:
    """The first day of the five years ending ``day`` (the cabinet's rule, written out)."""
    return (add_years(day, -5) + dt.timedelta(days=1)).isoformat()


def _nmo_by_person(rows: list[dict[str, Any]], inn: str, day: dt.date) -> dict[str, int]:
    """person -> compliance bin for the organization's staff on ``day``."""
    staff = {c["person_id"] for c in _active_cards(OrgData(inn, "", "", rows), reports.Filters(), day)}
    start: dict[str, str] = {}
    for r in rows:
        if r["entity"] == "accreditation" and not r["deleted"] and r["person_id"] in staff:
            start[r["person_id"]] = max(start.get(r["person_id"], ""), str(r["data"].get("protocol_date") or ""))
    done = dict.fromkeys(staff, Decimal(0))
    for r in rows:
        f = r["data"]
        v = _value(f.get("credits"))
        if (r["entity"] == "nmo" and not r["deleted"] and r["person_id"] in staff and f.get("status") == "confirmed"
                and v is not None
                and str(f.get("event_date") or "") >= max(start.get(r["person_id"], ""), _five_back(day))):
            done[r["person_id"]] += v
    # the largest bin whose share is reached; a negative sum is in the first
    return {pid: max([b for b in BINS if v * 100 >= b * 144] or [0]) for pid, v in done.items()}


def _histogram(by_person: dict[str, int]) -> list[int]:
    return [sum(1 for b in by_person.values() if b == x) for x in BINS]


def _nmo_agrees(s: Session, url: str, inn: str, day: dt.date) -> None:
    want = _nmo_by_person(_rows(url), inn, day)
    got = reports.org_report(s, inn, today=day)
    assert [b["count"] for b in got["nmo_compliance"]] == _histogram(want), day
    for b in BINS:
        listed = {p["person_id"] for p in reports.people(s, inn, "nmo", str(b), today=day)}
        assert listed == {pid for pid, x in want.items() if x == b}, (day, b)


def _write(engine: Any, *rows: tuple[str, str, dict[str, Any]]) -> list[str]:
    """Rows written by the feed's writer itself, past validation (legacy or bulk data); a person
    row's id is its person's."""
    ids = [pid if entity == "person" else str(uuid.uuid4()) for pid, entity, _ in rows]

    def tx(s: Session) -> None:
        w = Writer(s, None)
        for rid, (pid, entity, data) in zip(ids, rows, strict=True):
            w.touch(Record(id=rid, entity=entity, person_id=pid, version=1, data=data,
                           field_versions={k: 1 for k in data}, field_clients={}))
        w.finish()

    in_write_tx(engine, tx)
    return ids


# -- figures ---------------------------------------------------------------------------------

def _days() -> list[dt.date]:
    out = [TODAY, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=5 * 365),
           TODAY - dt.timedelta(days=5 * 366)]
    # leap days and the days a five-years-back start clamps to the 28th
    out += [dt.date(2028, 2, 29), dt.date(2028, 3, 1), dt.date(2027, 2, 28), dt.date(2024, 2, 29),
            dt.date(2029, 1, 31), dt.date(2029, 2, 1), dt.date(2026, 12, 31)]
    return out


def test_odd_credits_written_past_validation_count_as_defined(db_url: str) -> None:
    """Credits with negative, huge, malformed, empty or exponent values, empty or future dates,
    dated on the cycle's first day or the day before: the stored sums (written by the writer
    today) and the afresh counts (other days) both agree with the count made here."""
    d = generate(60, seed=31)
    engine = make_engine(db_url)
    try:
        load(engine, d)
        staff = sorted({c["person_id"] for c in _active_cards(d, reports.Filters(), TODAY)})
        edge = _five_back(TODAY)
        before_edge = (dt.date.fromisoformat(edge) - dt.timedelta(days=1)).isoformat()
        odd = [("-50", "2024-03-01"), ("5000000000", "2024-03-01"), ("1e2", "2024-03-02"), ("0.0000001", "2024-03-03"),
               ("", "2024-03-04"), ("abc", "2024-03-05"), ("NaN", "2024-03-06"), ("Infinity", "2024-03-07"),
               ("144", ""), ("200", (TODAY + dt.timedelta(days=400)).isoformat()), ("144", edge),
               ("144", before_edge), ("100000", "2023-02-28"), ("-100000", "2023-03-01"), ("72", "2028-02-29")]
        writes = []
        for i, (credits, dated) in enumerate(odd):
            writes.append((staff[i % 12], "nmo", {"event_date": dated, "kind": "event", "title": "Крайний случай",
                                                  "credits": credits, "status": "confirmed"}))
        written = _write(engine, *writes)
        with Session(engine) as s:
            for day in _days():
                _nmo_agrees(s, db_url, d.inn, day)
        # two credits un-confirmed (the one on the cycle's first day, the big one): out of the sums

        def unconfirm(s: Session) -> None:
            w = Writer(s, None)
            for i in (10, 12):
                rec = s.get(Record, written[i])
                assert rec is not None
                rec.data = {**rec.data, "status": "pending"}
                rec.version += 1
                w.touch(rec)
            w.finish()

        in_write_tx(engine, unconfirm)
        with Session(engine) as s:
            assert s.execute(sa.select(sa.func.count()).select_from(ReportCredit)
                             .where(ReportCredit.record_id.in_([written[10], written[12]]))).scalar_one() == 0  # type: ignore[attr-defined]
            for day in _days()[:5]:
                _nmo_agrees(s, db_url, d.inn, day)
    finally:
        engine.dispose()


def test_the_cycle_start_moves_with_an_accreditation_and_a_credit_deleted(world: World) -> None:
    """The doctor (on the staff of two organizations) gets 144 confirmed hours a month ago: the
    cycle is done; an accreditation ten days ago starts a new cycle (nothing done), removing it
    restores the old one, deleting the credit brings back the first figure — each step against
    the count made here, for both organizations, today, a year ahead and two years back."""
    _agrees(world)
    doc = world.person_id("doctor")
    other = next(r["data"]["org_inn"] for r in _rows(world.url) if r["entity"] == "employment"
                 and r["person_id"] == doc and r["data"].get("org_inn") != INN)

    def check() -> int:
        _agrees(world)
        engine = make_engine(world.url)
        try:
            with Session(engine) as s:
                for inn in (INN, other):
                    for day in (TODAY, TODAY + dt.timedelta(days=365), TODAY - dt.timedelta(days=700)):
                        _nmo_agrees(s, world.url, inn, day)
        finally:
            engine.dispose()
        return _nmo_by_person(_rows(world.url), INN, TODAY)[doc]

    first = check()
    nmo = str(uuid.uuid4())
    _push(world, "doctor", _op("create", "nmo", nmo, doc, {
        "event_date": (TODAY - dt.timedelta(days=30)).isoformat(), "kind": "program", "title": "Цикл",
        "provider": "Учебный центр", "credits": "144", "status": "pending"}))
    assert check() == first  # not confirmed yet
    r = world.post("admin", f"/admin/nmo/{nmo}/decision", json={"status": "confirmed"})
    assert r.status_code == 200, r.text
    assert check() == 100
    acc = str(uuid.uuid4())
    res = _push(world, "doctor", _op("create", "accreditation", acc, doc, {
        "kind": "periodic", "specialty_code": "39",
        "protocol_date": (TODAY - dt.timedelta(days=10)).isoformat(), "registry_number": "2026-77"}))
    assert check() == 0
    _push(world, "doctor", _op("delete", "accreditation", acc, doc, {}, res.get("version", 1)))
    assert check() == 100
    res = world.get("admin", "/admin/nmo", params={"status": "confirmed", "limit": 10_000})
    assert res.status_code == 200, res.text
    v = next(i["version"] for i in res.json()["items"] if i["id"] == nmo)
    _push(world, "admin", _op("delete", "nmo", nmo, doc, {}, v))
    assert check() == first


# -- the memo --------------------------------------------------------------------------------

def test_the_memo_does_not_keep_the_backlog_age_of_an_earlier_hour(db_url: str) -> None:
    d = generate(20, seed=41)
    engine = make_engine(db_url)
    try:
        load(engine, d)
        pid = next(c["person_id"] for c in _active_cards(d, reports.Filters(), TODAY))
        card = next(r["id"] for r in d.rows if r["entity"] == "employment" and r["person_id"] == pid)
        with Session(engine) as s:
            s.execute(sa.delete(Confirmation).where(Confirmation.org_inn == d.inn))  # type: ignore[arg-type]
            # waiting for 7 days minus four seconds: in the first bin now, in the second in four seconds
            s.add(Confirmation(id=str(uuid.uuid4()), employment_id=card, person_id=pid, org_inn=d.inn,
                               blob_sha256="0" * 64, doc_kind="contract", doc_org_inn=d.inn, doc_org_name="x",
                               doc_begin_date="2020-01-01", doc_date="2020-01-01", status="pending", errors=[],
                               comment="", created_at=time.time() - 7 * 86400 + 4))
            s.commit()
        with Session(engine) as s:
            first = reports.cached_org_report(s, d.inn)
        assert [b["count"] for b in first["confirmations"]["by_age"]] == [1, 0, 0]
        time.sleep(5)
        with Session(engine) as s:
            fresh = reports.org_report(s, d.inn)
            again = reports.cached_org_report(s, d.inn)
        assert [b["count"] for b in fresh["confirmations"]["by_age"]] == [0, 1, 0]
        assert again["confirmations"] == fresh["confirmations"]
    finally:
        engine.dispose()


def test_the_memo_follows_every_write_that_changes_a_figure(world: World) -> None:
    """A confirmation requested with an older created_at, a decision on it, a credit confirmed:
    each changes the data stamp, and the endpoint's answer is the one counted afresh."""
    def same() -> None:
        got = world.get("manager", f"/orgs/{INN}/report").json()
        engine = make_engine(world.url)
        try:
            with Session(engine) as s:
                fresh = reports.org_report(s, INN)
        finally:
            engine.dispose()
        for k in ("headcount", "expiring", "nmo_compliance", "confirmations_pending", "requests_open"):
            assert got[k] == fresh[k], k
        assert got["confirmations"]["by_age"] == fresh["confirmations"]["by_age"]

    same()
    doc = world.person_id("doctor")
    engine = make_engine(world.url)
    try:
        with Session(engine) as s:
            card = s.execute(sa.select(Record.id).where(Record.person_id == doc,  # type: ignore[arg-type,call-overload]
                                                        Record.entity == "employment")).scalars().first()
            assert card is not None
            newest = s.execute(sa.select(sa.func.max(Confirmation.created_at))).scalar_one() or time.time()
            cid = str(uuid.uuid4())
            # an older request than the newest (written by a bulk import): max(created_at) unchanged
            s.add(Confirmation(id=cid, employment_id=card, person_id=doc, org_inn=INN, blob_sha256="0" * 64,
                               doc_kind="contract", doc_org_inn=INN, doc_org_name="x", doc_begin_date="2020-01-01",
                               doc_date="2020-01-01", status="pending", errors=[], comment="",
                               created_at=min(newest, time.time()) - 40 * 86400))
            s.commit()
        same()
        r = world.post("hr1", f"/confirmations/{cid}/decision", json={"decision": "reject", "comment": "нет"})
        assert r.status_code in (200, 422), r.text
        if r.status_code == 422:  # the card cannot be decided on by this document: reject with errors
            with Session(engine) as s:
                s.execute(sa.update(Confirmation).where(Confirmation.id == cid)  # type: ignore[arg-type]
                          .values(status="rejected", decided_at=time.time()))
                s.commit()
        same()
    finally:
        engine.dispose()
    nmo = str(uuid.uuid4())
    _push(world, "doctor", _op("create", "nmo", nmo, doc, {
        "event_date": (TODAY - dt.timedelta(days=10)).isoformat(), "kind": "program", "title": "Память",
        "provider": "Учебный центр", "credits": "144", "status": "pending"}))
    same()
    assert world.post("admin", f"/admin/nmo/{nmo}/decision", json={"status": "confirmed"}).status_code == 200
    same()


# -- concurrency -----------------------------------------------------------------------------

def test_two_transactions_write_one_persons_credits_and_card(world: World, backend: str) -> None:
    """PostgreSQL: three transactions — two credits of one person confirmed and a card of theirs
    moved — all written before any commits (an update locks only its own row); the stored НМО
    sum on each of the person's staff rows and the bars hold all three changes."""
    doc = world.person_id("doctor")
    day = (TODAY - dt.timedelta(days=20)).isoformat()
    two = [str(uuid.uuid4()), str(uuid.uuid4())]
    for rid, c in zip(two, ("50", "60"), strict=True):
        _push(world, "doctor", _op("create", "nmo", rid, doc, {
            "event_date": day, "kind": "iom", "title": "Поток", "credits": c, "status": "pending"}))
    card = next(r["id"] for r in _rows(world.url) if r["entity"] == "employment" and r["person_id"] == doc
                and r["data"].get("org_inn") == INN and not r["deleted"])
    engine = make_engine(world.url)
    nsi = NsiRegistry.shipped()
    admin = Principal(1, "admin", "admin", None)
    pg = backend == "postgresql"
    written = threading.Barrier(3, timeout=30)
    errors: list[BaseException] = []

    def change(entity: str, rid: str, fields: dict[str, Any]) -> None:
        def tx(s: Session) -> None:
            eng = Engine(s, admin, nsi, trusted=True)
            res = eng.apply({"op_id": str(uuid.uuid4()), "entity": entity, "entity_id": rid, "person_id": doc,
                             "op": "update", "base_version": 10**6, "base": {}, "fields": fields})
            assert res["status"] == "applied", res
            s.flush()
            if pg:  # SQLite serializes writers: there the others cannot start before the first ends
                written.wait()  # none has committed: each sees the others' rows unchanged
            eng.w.finish()

        try:
            in_write_tx(engine, tx)
        except BaseException as exc:
            errors.append(exc)

    jobs = [("nmo", two[0], {"status": "confirmed"}), ("nmo", two[1], {"status": "confirmed"}),
            ("employment", card, {"subdivision": "Одновременное отделение"})]
    threads = [threading.Thread(target=change, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    try:
        with Session(engine) as s:
            got = s.execute(sa.select(ReportStaff.nmo_done).where(ReportStaff.person_id == doc)).scalars().all()  # type: ignore[arg-type,call-overload]
            assert len(got) >= 2, "the doctor is on two organizations' staff"
            start = _five_back(TODAY)
            for r in _rows(world.url):
                if r["entity"] == "accreditation" and r["person_id"] == doc and not r["deleted"]:
                    start = max(start, str(r["data"].get("protocol_date") or ""))
            want = sum((_value(r["data"].get("credits")) or Decimal(0) for r in _rows(world.url)
                        if r["entity"] == "nmo" and r["person_id"] == doc and not r["deleted"]
                        and r["data"].get("status") == "confirmed" and r["data"].get("event_date", "") >= start),
                       Decimal(0))
            assert want >= 110
            # the stored sum is capped at the cycle's hours (a larger sum is "done")
            assert set(got) == {min(int(want * 10**6), 144 * 10**6)}
            _nmo_agrees(s, world.url, INN, TODAY)
    finally:
        engine.dispose()
    units = {g["subdivision"]: g["headcount"] for g in _agrees(world)["by_subdivision"]}
    assert units.get("Одновременное отделение") == 1


# -- migration -------------------------------------------------------------------------------

def test_a_database_at_0010_is_backfilled_by_0011(db_url: str) -> None:
    """A database that stopped at 0010 (its summaries filled by the old 0010, or empty by the new
    one, or stale): upgraded to head, every figure is the count made here."""
    engine = make_engine(db_url)
    try:
        move_to(engine, db_url, "0010", down=True)
        d = generate(80, seed=43)
        load(engine, d, summaries=False)
        with engine.begin() as conn:  # a stale row left behind by an earlier version
            conn.execute(sa.text("INSERT INTO report_staff (org_inn, person_id, until, soonest, cycle_start) "
                                 "VALUES (:inn, :pid, '9999-12-31', '', '')"), {"inn": d.inn, "pid": str(uuid.uuid4())})
        move_to(engine, db_url, "head")
        with Session(engine) as s:
            for day in (TODAY, TODAY + dt.timedelta(days=700), TODAY - dt.timedelta(days=700)):
                _nmo_agrees(s, db_url, d.inn, day)
            want = {c["person_id"] for c in _active_cards(d, reports.Filters(), TODAY)}
            assert reports.org_report(s, d.inn, today=TODAY)["headcount"] == len(want)
    finally:
        engine.dispose()


# -- the warm-up -----------------------------------------------------------------------------

def test_a_worker_starts_on_a_database_not_migrated_yet(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A worker started before the migrations ran (the database at 0009: no summary tables):
    the report's warm-up fails and says so, the routes' warm-up passes, the worker starts and
    answers; nothing is written."""
    engine = make_engine(db_url)
    try:
        move_to(engine, db_url, "0009", down=True)
        with engine.connect() as conn:
            before = conn.execute(sa.text("SELECT count(*) FROM audit")).scalar_one()
        with caplog.at_level(logging.WARNING, logger="frmr.server"), \
                TestClient(create_app(Settings(database_url=db_url))) as c:
            assert c.get("/healthz").json() == {"status": "ok"}
        messages = [r.getMessage() for r in caplog.records]
        assert any("прогрев отчёта не выполнен" in m for m in messages), messages
        assert not any("прогрев маршрутов" in m for m in messages), messages
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit")).scalar_one() == before
    finally:
        engine.dispose()


# -- the operator's queues -------------------------------------------------------------------

def test_only_the_operator_reads_the_queues(world: World) -> None:
    doc = world.person_id("doctor")
    nmo = str(uuid.uuid4())
    _push(world, "doctor", _op("create", "nmo", nmo, doc, {
        "event_date": (TODAY - dt.timedelta(days=3)).isoformat(), "kind": "iom", "title": "Очередь",
        "credits": "2", "status": "pending"}))
    for path in ("/admin/applications", "/admin/nmo"):
        for login in ("doctor", "hr1", "manager"):
            r = world.get(login, path, params={"status": "", "limit": 10_000})
            assert r.status_code == 403, (login, path, r.text)
        assert world.get("admin", path, params={"limit": 10_001}).status_code == 422
        assert world.get("admin", path, params={"limit": 0}).status_code == 422
    r = world.get("admin", "/admin/nmo", params={"status": "pending", "limit": 10_000})
    assert r.status_code == 200, r.text
    item = next(i for i in r.json()["items"] if i["id"] == nmo)
    person = next(x for x in _rows(world.url) if x["id"] == doc)["data"]
    assert item["person"] == {"name": " ".join(person[k] for k in ("last_name", "first_name", "patronymic")
                                               if person.get(k)),
                              "snils": person["snils"]}
    assert item["fields"]["title"] == "Очередь" and item["person_id"] == doc


def test_the_queues_leave_no_personal_data_in_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """The 10,000-row lists answer names and СНИЛС: none of it reaches a log record or the
    journal's text (the journal says how many rows were read)."""
    doc = world.person_id("doctor")
    person = next(x for x in _rows(world.url) if x["id"] == doc)["data"]
    private = [person["snils"], person["last_name"], person["first_name"]]
    with caplog.at_level(logging.DEBUG):
        for path in ("/admin/applications", "/admin/nmo"):
            r = world.get("admin", path, params={"status": "", "limit": 10_000})
            assert r.status_code == 200, r.text
            assert any(i["person_id"] == doc for i in r.json()["items"]) or path == "/admin/applications"
    text = "\n".join(f"{rec.name} {rec.getMessage()}" for rec in caplog.records)
    assert not [s for s in private if s and s in text]
    engine = make_engine(world.url)
    try:
        with engine.connect() as c:
            details = [str(row[0]) for row in c.execute(sa.text("SELECT detail FROM audit"))]
    finally:
        engine.dispose()
    assert details and not [s for s in private if s and any(s in d for d in details)]


def test_a_staff_members_bin_is_the_share_their_own_cabinet_shows(db_url: str) -> None:
    """The manager's НМО bin of a person and the cycle the person's own «Главная» counts
    (desktop.documents.nmo.cycle_totals, the domain's rule) put the same hours in the cycle."""
    from desktop.documents.nmo import cycle_totals

    d = generate(10, seed=47)
    engine = make_engine(db_url)
    try:
        load(engine, d)
        cases = {
            "no accreditation, a credit on the report's first day": (None, _five_back(TODAY)),
            "an accreditation older than a cycle": (add_years(TODAY, -8).isoformat(), add_years(TODAY, -7).isoformat()),
            "a recent accreditation (control)": (add_years(TODAY, -2).isoformat(), add_years(TODAY, -1).isoformat()),
        }
        people: dict[str, str] = {}
        for label, (protocol, credited) in cases.items():
            pid = str(uuid.uuid4())
            people[label] = pid
            rows: list[tuple[str, str, dict[str, Any]]] = [
                (pid, "person", {"last_name": "Сверкина", "first_name": "Анна", "snils": "00000000000"}),
                (pid, "employment", {"org_name": d.name, "org_inn": d.inn, "subdivision": "Сверка",
                                     "position_code": "4", "rate": "1", "begin_date": "2010-01-01",
                                     "status": "confirmed"}),
                (pid, "nmo", {"event_date": credited, "kind": "program", "title": "Цикл", "credits": "144",
                              "status": "confirmed"})]
            if protocol:
                rows.append((pid, "accreditation",
                             {"kind": "periodic", "specialty_code": "36", "protocol_date": protocol}))
            _write(engine, *rows)
        by_record = _rows(db_url)
        wrong = []
        with Session(engine) as s:
            for label, pid in people.items():
                mine = [r["data"] for r in by_record if r["person_id"] == pid and not r["deleted"]]
                own = cycle_totals([x for x in mine if "credits" in x], [x for x in mine if "protocol_date" in x],
                                   today=TODAY).total
                own_bin = max([b for b in BINS if own * 100 >= b * 144] or [0])
                server_bin = next(b for b in BINS if pid in {
                    p["person_id"] for p in reports.people(s, d.inn, "nmo", str(b), today=TODAY)})
                if server_bin != own_bin:
                    wrong.append(f"{label}: report {server_bin} %, the cabinet {own_bin} %")
        assert not wrong, wrong
    finally:
        engine.dispose()


def test_a_workers_start_writes_nothing_anywhere(world: World) -> None:
    """Another worker starting on a database in use (both warm-ups run): every table holds the
    same rows as before — not only the journal and the rate limits."""
    from sqlmodel import SQLModel

    def counts() -> dict[str, int]:
        engine = make_engine(world.url)
        try:
            with engine.connect() as c:
                return {t.name: int(c.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                        for t in SQLModel.metadata.sorted_tables}
        finally:
            engine.dispose()

    before = counts()
    app = create_app(Settings(database_url=world.url))
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
    app.state.frmr.engine.dispose()
    assert counts() == before
