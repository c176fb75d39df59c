"""Every figure of the organization report against a count made here, in Python, from the rows
the test itself inserted — on SQLite and on PostgreSQL (tests/server/conftest.py's db_url)."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from bench.org_seed import OrgData, generate, load
from desktop.models.validation import add_years
from server import reports
from server.db import make_engine

TODAY = dt.date.today()


def _active_cards(d: OrgData, flt: reports.Filters, today: dt.date) -> list[dict[str, Any]]:
    out = []
    for r in d.rows:
        f = r["data"]
        if r["entity"] != "employment" or r["deleted"] or f.get("org_inn") != d.inn:
            continue
        if not (f.get("status") == "confirmed" or r["author_org"] == d.inn):
            continue
        if f.get("end_date") and f["end_date"] < today.isoformat():
            continue
        if flt.subdivision is not None and f.get("subdivision", "") != flt.subdivision:
            continue
        if flt.position is not None and f.get("position_code", "") != flt.position:
            continue
        out.append(r)
    return out


def expected(d: OrgData, flt: reports.Filters | None = None, today: dt.date = TODAY) -> dict[str, Any]:
    flt = flt or reports.Filters()
    cards = _active_cards(d, flt, today)
    staff = {c["person_id"] for c in cards}

    def groups(key: str) -> list[dict[str, Any]]:
        g: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in cards:
            g[c["data"].get(key, "")].append(c)
        return [{key: k, "headcount": len({c["person_id"] for c in v}), "cards": len(v),
                 "rate": str(sum((Decimal(c["data"]["rate"]) for c in v if c["data"].get("rate")), Decimal(0))
                             .quantize(Decimal("0.01")))} for k, v in sorted(g.items())]

    latest: dict[tuple[str, str, str], str] = {}
    for r in d.rows:
        if r["entity"] in reports.EXPIRY_ENTITIES and not r["deleted"] and r["person_id"] in staff:
            v = r["data"].get("end_date" if r["entity"] == "category" else "valid_until") or ""
            if v:
                key = (r["person_id"], r["entity"], r["data"].get("specialty_code", ""))
                latest[key] = max(latest.get(key, ""), v)
    soonest: dict[str, str] = {}
    for (pid, _, _), v in latest.items():
        soonest[pid] = min(soonest.get(pid, v), v)
    t0, t30, t90 = (today + dt.timedelta(days=n) for n in (0, 30, 90))
    exp = {"30": sum(t0.isoformat() <= v <= t30.isoformat() for v in soonest.values()),
           "90": sum(t0.isoformat() <= v <= t90.isoformat() for v in soonest.values()),
           "expired": sum(v < t0.isoformat() for v in soonest.values())}

    start: dict[str, str] = {}
    for r in d.rows:
        if r["entity"] == "accreditation" and not r["deleted"] and r["person_id"] in staff:
            start[r["person_id"]] = max(start.get(r["person_id"], ""), r["data"].get("protocol_date", ""))
    # the doctor's own cabinet's rule, written out here: an accreditation older than the five
    # years ending today does not start the cycle
    five = (add_years(today, -5) + dt.timedelta(days=1)).isoformat()
    done = dict.fromkeys(staff, Decimal(0))
    for r in d.rows:
        f = r["data"]
        if (r["entity"] == "nmo" and not r["deleted"] and r["person_id"] in staff and f.get("status") == "confirmed"
                and f.get("credits") and f.get("event_date", "") >= max(start.get(r["person_id"], ""), five)):
            done[r["person_id"]] += Decimal(f["credits"])
    bins = [0, 0, 0, 0, 0]
    for v in done.values():
        share = v * 100 / 144
        bins[min(4, int(share // 25))] += 1

    def in_period(day: str) -> bool:
        return (not flt.date_from or day >= flt.date_from) and (not flt.date_to or day <= flt.date_to)

    narrowed = flt.subdivision is not None or flt.position is not None

    def whose(pid: str) -> bool:  # filtered by subdivision or position: the people working there
        return not narrowed or pid in staff

    reqs = [r for r in d.rows if r["entity"] == "request" and not r["deleted"] and r["data"].get("org_inn") == d.inn
            and in_period(r["data"]["received_at"]) and whose(r["person_id"])]
    pending = [c for c in d.confirmations if c["status"] == "pending"
               and in_period(dt.date.fromtimestamp(c["created_at"]).isoformat()) and whose(c["person_id"])]
    return {"headcount": len(staff), "by_subdivision": groups("subdivision"), "by_position": groups("position_code"),
            "expiring": exp, "nmo": bins,
            "requests_open": sum(r["data"]["status"] in ("new", "acknowledged") for r in reqs),
            "answered": sum(r["data"]["status"] == "answered" for r in reqs),
            "confirmations_pending": len(pending)}


def _check(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got["headcount"] == want["headcount"]
    assert got["by_subdivision"] == want["by_subdivision"]
    assert got["by_position"] == want["by_position"]
    assert got["expiring"] == want["expiring"]
    assert [b["count"] for b in got["nmo_compliance"]] == want["nmo"]
    assert got["requests_open"] == want["requests_open"]
    assert got["requests"]["answered"] == want["answered"]
    assert got["confirmations_pending"] == want["confirmations_pending"]


def test_every_aggregate_matches_an_independent_count(db_url: str) -> None:
    d = generate(150, seed=11)
    engine = make_engine(db_url)
    try:
        load(engine, d)
        with Session(engine) as s:
            got = reports.org_report(s, d.inn, today=TODAY)
            _check(got, expected(d))
            assert got["headcount"] > 100 and sum(got["expiring"].values()) > 0  # the data exercises them
            # the confirmation backlog's age bins add up to the pending count
            assert sum(b["count"] for b in got["confirmations"]["by_age"]) == got["confirmations_pending"]
            # the expiry list holds every person the counts name (soonest first)
            dates = [i["date"] for i in got["expiring_items"]]
            assert dates == sorted(dates)
            # filters narrow the same way
            for flt in (reports.Filters(subdivision="Поликлиника"), reports.Filters(position="4"),
                        reports.Filters(subdivision="", position="27"),
                        reports.Filters(subdivision="=HYPERLINK(\"x\")"),
                        reports.Filters(date_from=(TODAY - dt.timedelta(days=60)).isoformat(),
                                        date_to=TODAY.isoformat())):
                _check(reports.org_report(s, d.inn, today=TODAY, flt=flt), expected(d, flt))
            # a bar's people are exactly the people the bar counts
            for row in got["by_subdivision"]:
                people = reports.people(s, d.inn, "subdivision", row["subdivision"], today=TODAY)
                assert len(people) == row["headcount"]
            for b in got["nmo_compliance"]:
                assert len(reports.people(s, d.inn, "nmo", str(b["from"]), today=TODAY)) == b["count"]
            for key in ("30", "90", "expired"):
                assert len(reports.people(s, d.inn, "expiring", key, today=TODAY)) == got["expiring"][key]
            # the backlog's and the requests' bars name their people too (each counted once)
            now = time.time()
            got = reports.org_report(s, d.inn, today=TODAY, now=now)
            for b in got["confirmations"]["by_age"]:
                want = {c["person_id"] for c in d.confirmations if c["status"] == "pending"
                        and b["from_days"] * 86400 <= now - c["created_at"]
                        and (b["to_days"] is None or now - c["created_at"] < b["to_days"] * 86400)}
                listed = reports.people(s, d.inn, "confirmations", str(b["from_days"]), today=TODAY, now=now)
                assert {p["person_id"] for p in listed} == want and bool(want) == bool(b["count"])
            for state, statuses in reports.REQUEST_STATES.items():
                want = {r["person_id"] for r in d.rows if r["entity"] == "request" and not r["deleted"]
                        and r["data"].get("org_inn") == d.inn and r["data"]["status"] in statuses}
                assert {p["person_id"] for p in reports.people(s, d.inn, "requests", state, today=TODAY)} == want
            # the other organization's report does not see this one's staff
            other = reports.org_report(s, d.other_inn, today=TODAY)
            assert other["headcount"] == expected(OrgData(d.other_inn, "", d.inn, d.rows, []))["headcount"]
    finally:
        engine.dispose()


def test_another_day_counts_the_cycle_afresh(db_url: str) -> None:
    """Each person's НМО sum is stored as of the day it was written; asked for a later day (credits
    fall out of a five-year cycle) or an earlier one, the report counts those persons afresh."""
    d = generate(150, seed=13)
    engine = make_engine(db_url)
    try:
        load(engine, d)
        with Session(engine) as s:
            for days in (0, 200, 400, 900, -300, -900):
                day = TODAY + dt.timedelta(days=days)
                got = reports.org_report(s, d.inn, today=day)
                _check(got, expected(d, today=day))
                for b in got["nmo_compliance"]:
                    assert len(reports.people(s, d.inn, "nmo", str(b["from"]), today=day)) == b["count"]
    finally:
        engine.dispose()


def test_an_empty_organization_reports_zeroes(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        d = generate(0, seed=3)
        d.rows = []
        load(engine, d)
        with Session(engine) as s:
            got = reports.org_report(s, d.inn, today=TODAY, now=time.time())
        assert got["headcount"] == 0 and got["by_subdivision"] == [] and got["by_position"] == []
        assert got["expiring"] == {"30": 0, "90": 0, "expired": 0}
        assert [b["count"] for b in got["nmo_compliance"]] == [0, 0, 0, 0, 0]
        assert got["confirmations"]["oldest_days"] is None and got["requests_open"] == 0
    finally:
        engine.dispose()
