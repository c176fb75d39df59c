"""The organization report's summary rows (issue 15), kept with the rows they summarise.

The feed writer (``server.feed.Writer.finish``) calls :func:`upkeep` with every record its
transaction wrote, after they are flushed, so a card added, closed or moved by a push changes the
manager's figures in the same commit. :func:`rebuild` recomputes everything (the migrations'
backfill, bulk-loaded benchmark data).

Per card and per credit the summary row is a pure function of that one record; the documents of a
person are summarised together (the latest of each kind and specialty, the soonest of those, the
latest accreditation), and so are their credits (the НМО sum on their report_staff rows), so
those rows are recomputed from the database for the persons touched. On PostgreSQL the writer
holds those persons' row locks (:func:`summed_persons`): two transactions changing documents or
credits of one person then recompute one after the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from desktop.models import nmo_cycle
from server.models import (
    Record,
    ReportCard,
    ReportCredit,
    ReportDoc,
    ReportPerson,
    ReportRequest,
    ReportStaff,
    ReportUnit,
)

MICRO = 10**6
#: values beyond this are malformed, not a rate or credits anyone has (and would overflow BIGINT)
_LIMIT = Decimal(10**9)
DOC_ENTITIES = ("certificate", "accreditation", "category")
#: ``until`` of a person with an open-ended card
OPEN = "9999-12-31"
_CHUNK = 500
#: hours of a five-year НМО cycle (docs/domain.md; the desktop's CycleRule default, which the
#: server cannot import: it sees the domain models only)
NMO_CYCLE_HOURS = Decimal(144)
NMO_CYCLE_YEARS = nmo_cycle.DEFAULT_YEARS
#: a share of the cycle is binned up to "done": a larger sum is stored as this (and fits BIGINT
#: whatever the credits were)
_NMO_CAP = int(NMO_CYCLE_HOURS) * MICRO


def default_cycle_start(today: dt.date) -> str:
    """The cycle's start of a person with no accreditation, or one older than a cycle: the five
    years ending today (``desktop.models.nmo_cycle``, the rule of the doctor's own cabinet)."""
    return nmo_cycle.fallback_start(today, NMO_CYCLE_YEARS).isoformat()


def effective_start(cycle_start: str, today: dt.date) -> str:
    """The day's cycle start of a person whose latest accreditation is ``cycle_start`` ("" none)."""
    fallback = default_cycle_start(today)
    return cycle_start if cycle_start > fallback else fallback


def nmo_columns(credits: Iterable[tuple[str, int]], cycle_start: str, today: dt.date) -> dict[str, Any]:
    """A person's НМО sum as of ``today``: confirmed credits ((event_date, millionths)) since the
    cycle start (``effective_start``). ``nmo_from`` is that start and ``nmo_oldest`` the earliest
    credit counted ("" if none): the sum stays the day's sum as long as
    ``nmo_from <= start <= nmo_oldest`` (server.reports checks it in the query and counts
    afresh from report_credit the few persons for whom it does not hold)."""
    start = effective_start(cycle_start, today)
    counted = [(day, value) for day, value in credits if day >= start]
    done = sum(value for _, value in counted)
    return {"nmo_from": start, "nmo_oldest": min((day for day, _ in counted), default=""),
            "nmo_done": max(-_NMO_CAP, min(_NMO_CAP, done))}


def micro(value: Any) -> int | None:
    """A decimal text in millionths, or None when empty or malformed (it then counts as none)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return None
    if not d.is_finite() or abs(d) > _LIMIT:
        return None
    return int((d * MICRO).to_integral_value())


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def card_row(r: Any) -> dict[str, Any] | None:
    """The report_card row of a record (.id .entity .person_id .deleted .org_inn .status
    .author_org .data), or None when it does not count: not a live card of its organization's own
    (confirmed, or written by the organization itself — as on the staff list, docs/security.md)."""
    if r.entity != "employment" or r.deleted or not r.org_inn:
        return None
    if not (r.status == "confirmed" or r.author_org == r.org_inn):
        return None
    d = r.data or {}
    return {"card_id": r.id, "org_inn": r.org_inn, "person_id": r.person_id,
            "subdivision": _text(d.get("subdivision")), "position_code": _text(d.get("position_code")),
            "rate_micro": micro(d.get("rate")), "end_date": _text(d.get("end_date"))}


def credit_row(r: Any) -> dict[str, Any] | None:
    """The report_credit row of a record: a confirmed НМО credit with a value, else None."""
    if r.entity != "nmo" or r.deleted:
        return None
    d = r.data or {}
    value = micro(d.get("credits")) if d.get("status") == "confirmed" else None
    if value is None:
        return None
    return {"record_id": r.id, "person_id": r.person_id, "event_date": _text(d.get("event_date")),
            "credits_micro": value}


def request_row(r: Any) -> dict[str, Any] | None:
    """The report_request row of a live request of an organization, else None."""
    if r.entity != "request" or r.deleted or not r.org_inn:
        return None
    d = r.data or {}
    return {"record_id": r.id, "org_inn": r.org_inn, "status": _text(d.get("status")),
            "received_at": _text(d.get("received_at"))}


def doc_rows(docs: Iterable[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(report_doc rows, report_person rows) from live document records (.person_id .entity .data)."""
    latest: dict[tuple[str, str, str], str] = {}
    starts: dict[str, str] = {}
    for r in docs:
        d = r.data or {}
        if r.entity == "accreditation":
            protocol = _text(d.get("protocol_date"))
            if protocol > starts.get(r.person_id, ""):
                starts[r.person_id] = protocol
        expiry = _text(d.get("end_date") if r.entity == "category" else d.get("valid_until"))
        if expiry:
            key = (r.person_id, r.entity, _text(d.get("specialty_code"))[:100])
            if expiry > latest.get(key, ""):
                latest[key] = expiry
    soonest: dict[str, str] = {}
    for (pid, _, _), day in latest.items():
        if day < soonest.get(pid, "\uffff"):
            soonest[pid] = day
    docs_out = [{"person_id": pid, "entity": e, "specialty_code": spec, "latest": day}
                for (pid, e, spec), day in latest.items()]
    persons = [{"person_id": pid, "cycle_start": starts.get(pid, ""), "soonest": soonest.get(pid, "")}
               for pid in sorted(set(starts) | set(soonest))]
    return docs_out, persons


def doc_persons(recs: Iterable[Any]) -> set[str]:
    """The persons whose document summary a write of these records changes."""
    return {r.person_id for r in recs if r.entity in DOC_ENTITIES}


def summed_persons(recs: Iterable[Any]) -> set[str]:
    """The persons whose summaries (documents, НМО sum) a write of these records recomputes from
    the database: the writer holds their row locks, so two transactions recompute one after the other."""
    return {r.person_id for r in recs if r.entity in DOC_ENTITIES or r.entity == "nmo"}


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _replace(s: Session | Connection, table: Any, key: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    for part in _chunks(keys):
        s.execute(sa.delete(table).where(key.in_(part)))
    for part in _chunks(rows, 5000):
        s.execute(sa.insert(table), list(part))


def _doc_records(s: Session | Connection, pids: Sequence[str]) -> list[Any]:
    out: list[Any] = []
    for part in _chunks(pids):
        out += s.execute(sa.select(col(Record.person_id), col(Record.entity), col(Record.data))
                         .where(col(Record.person_id).in_(part), col(Record.entity).in_(DOC_ENTITIES),
                                col(Record.deleted) == sa.false())).all()
    return out


def credits_by_person(rows: Iterable[Any]) -> dict[str, list[tuple[str, int]]]:
    """person_id -> their credits (event_date, millionths), from (person_id, event_date, millionths) rows."""
    out: dict[str, list[tuple[str, int]]] = {}
    for pid, day, value in rows:
        out.setdefault(pid, []).append((day, value))
    return out


def staff_rows(cards: Iterable[Any], persons: dict[str, Any], credits: dict[str, list[tuple[str, int]]],
               today: dt.date) -> list[dict[str, Any]]:
    """report_staff rows from report_card rows (.org_inn .person_id .end_date), person_id ->
    report_person row (.cycle_start .soonest) and person_id -> their credits (event_date, millionths)."""
    until: dict[tuple[str, str], str] = {}
    for c in cards:
        key = (c.org_inn, c.person_id)
        until[key] = max(until.get(key, ""), c.end_date or OPEN)
    out = []
    for (inn, pid), day in until.items():
        p = persons.get(pid)
        start = p.cycle_start if p else ""
        out.append({"org_inn": inn, "person_id": pid, "until": day, "soonest": p.soonest if p else "",
                    "cycle_start": start, **nmo_columns(credits.get(pid, ()), start, today)})
    return out


def unit_rows(cards: Iterable[Any]) -> list[dict[str, Any]]:
    """report_unit rows from report_card rows (.org_inn .person_id .subdivision .position_code .end_date
    .rate_micro)."""
    until: dict[tuple[str, str, str, str], str] = {}
    open_cards: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    for c in cards:
        for dim, value in (("s", c.subdivision), ("p", c.position_code)):
            key = (c.org_inn, dim, value, c.person_id)
            until[key] = max(until.get(key, ""), c.end_date or OPEN)
            if not c.end_date:
                n, rate = open_cards.get(key, (0, 0))
                open_cards[key] = (n + 1, rate + (c.rate_micro or 0))
    return [{"org_inn": inn, "dim": dim, "value": value, "person_id": pid, "until": day,
             "open_cards": open_cards.get((inn, dim, value, pid), (0, 0))[0],
             "open_rate": open_cards.get((inn, dim, value, pid), (0, 0))[1]}
            for (inn, dim, value, pid), day in until.items()]


def _refresh_staff(s: Session | Connection, pids: list[str]) -> None:
    """Recompute the report_staff rows of these persons (every organization) from their summary rows."""
    for part in _chunks(pids):
        cards = s.execute(sa.select(col(ReportCard.org_inn), col(ReportCard.person_id), col(ReportCard.end_date),
                                    col(ReportCard.subdivision), col(ReportCard.position_code),
                                    col(ReportCard.rate_micro))
                          .where(col(ReportCard.person_id).in_(part))).all()
        persons = {r.person_id: r for r in s.execute(
            sa.select(col(ReportPerson.person_id), col(ReportPerson.cycle_start), col(ReportPerson.soonest))
            .where(col(ReportPerson.person_id).in_(part))).all()}
        credits = credits_by_person(s.execute(
            sa.select(col(ReportCredit.person_id), col(ReportCredit.event_date), col(ReportCredit.credits_micro))
            .where(col(ReportCredit.person_id).in_(part))))
        s.execute(sa.delete(ReportStaff).where(col(ReportStaff.person_id).in_(part)))
        s.execute(sa.delete(ReportUnit).where(col(ReportUnit.person_id).in_(part)))
        rows = staff_rows(cards, persons, credits, dt.date.today())
        if rows:
            s.execute(sa.insert(ReportStaff), rows)
        units = unit_rows(cards)
        if units:
            s.execute(sa.insert(ReportUnit), units)


def upkeep(s: Session | Connection, recs: Iterable[Any]) -> None:
    """Bring the summary rows of these just-written records up to date (same transaction)."""
    recs = list(recs)
    cards = [r for r in recs if r.entity == "employment"]
    if cards:
        _replace(s, ReportCard, col(ReportCard.card_id), [r.id for r in cards],
                 [row for row in map(card_row, cards) if row is not None])
    credits = [r for r in recs if r.entity == "nmo"]
    if credits:
        _replace(s, ReportCredit, col(ReportCredit.record_id), [r.id for r in credits],
                 [row for row in map(credit_row, credits) if row is not None])
    reqs = [r for r in recs if r.entity == "request"]
    if reqs:
        _replace(s, ReportRequest, col(ReportRequest.record_id), [r.id for r in reqs],
                 [row for row in map(request_row, reqs) if row is not None])
    pids = sorted(doc_persons(recs))
    if pids:
        docs, persons = doc_rows(_doc_records(s, pids))
        _replace(s, ReportDoc, col(ReportDoc.person_id), pids, docs)
        _replace(s, ReportPerson, col(ReportPerson.person_id), pids, persons)
    # a credit changes its person's НМО sum, kept on their report_staff rows
    staff = sorted(set(pids) | {r.person_id for r in cards} | {r.person_id for r in credits})
    if staff:
        _refresh_staff(s, staff)


_COLUMNS = (col(Record.id), col(Record.entity), col(Record.person_id), col(Record.deleted), col(Record.org_inn),
            col(Record.status), col(Record.author_org), col(Record.data))


def rebuild(conn: Session | Connection) -> dict[str, int]:
    """Recompute every summary row from the records; returns the row counts."""
    for table in (ReportCard, ReportCredit, ReportDoc, ReportPerson, ReportStaff, ReportUnit, ReportRequest):
        conn.execute(sa.delete(table))
    live = col(Record.deleted) == sa.false()
    cards = [row for r in conn.execute(sa.select(*_COLUMNS).where(col(Record.entity) == "employment", live))
             if (row := card_row(r)) is not None]
    credits = [row for r in conn.execute(sa.select(*_COLUMNS).where(col(Record.entity) == "nmo", live))
               if (row := credit_row(r)) is not None]
    reqs = [row for r in conn.execute(sa.select(*_COLUMNS).where(col(Record.entity) == "request", live))
            if (row := request_row(r)) is not None]
    docs, persons = doc_rows(conn.execute(sa.select(*_COLUMNS).where(col(Record.entity).in_(DOC_ENTITIES), live)))
    by_id = {p["person_id"]: SimpleNamespace(**p) for p in persons}
    by_person = credits_by_person((k["person_id"], k["event_date"], k["credits_micro"]) for k in credits)
    staff = staff_rows((SimpleNamespace(**c) for c in cards), by_id, by_person, dt.date.today())
    units = unit_rows(SimpleNamespace(**c) for c in cards)
    for table, rows in ((ReportCard, cards), (ReportCredit, credits), (ReportDoc, docs), (ReportPerson, persons),
                        (ReportStaff, staff), (ReportUnit, units), (ReportRequest, reqs)):
        for part in _chunks(rows, 5000):
            conn.execute(sa.insert(table), list(part))
    return {"cards": len(cards), "credits": len(credits), "docs": len(docs), "persons": len(persons),
            "staff": len(staff), "units": len(units), "requests": len(reqs)}
