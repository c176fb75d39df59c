"""An organization for the report tests and bench/org_report.py: staff with cards, documents that
expire, НМО credits, requests and confirmations — varied, with the edge cases the aggregates
must get right (ended and future-ended cards, unconfirmed cards, deleted rows, a renewed
certificate, another organization's cards, empty rates and dates).

Rows are bulk-inserted as the feed's writer would leave them (denormalized columns filled,
feed positions taken), so 100,000 cards load in seconds; ``rows`` hands the same data to a test
that counts it independently.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from desktop.models.checkdigits import make_inn10, make_snils
from server import report_summary
from server import staff as staff_list
from server.models import Confirmation, Organization, Record, SeqCounter

UNITS = ["Терапевтическое отделение", "Хирургическое отделение", "Поликлиника", "Приёмное отделение",
         "Кардиологическое отделение", "=HYPERLINK(\"x\")", ""]
POSITIONS = ["4", "5", "6", "3", "27", "109"]
RATES = ["1", "1", "0.5", "0.25", "0.75", "1.5", ""]
SPECIALTIES = ["36", "39", "53"]


@dataclass
class OrgData:
    inn: str
    name: str
    other_inn: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    confirmations: list[dict[str, Any]] = field(default_factory=list)


def _row(entity: str, pid: str, data: dict[str, Any], *, deleted: bool = False, author_org: str | None = None,
         rid: str | None = None) -> dict[str, Any]:
    name = " ".join(str(data.get(k) or "") for k in ("last_name", "first_name", "patronymic")).strip().casefold()
    return {"id": rid or str(uuid.uuid4()), "entity": entity, "person_id": pid, "version": 1, "deleted": deleted,
            "data": data, "field_versions": {k: 1 for k in data}, "field_clients": {},
            "org_inn": data.get("org_inn"), "status": data.get("status"), "sort_name": name or None,
            "snils": data.get("snils"), "begin_date": data.get("begin_date"), "author_org": author_org,
            "updated_at": time.time(), "updated_by": None}


def generate(n_staff: int, *, seed: int = 7, today: dt.date | None = None, cards_per: float = 1.6,
             n: int | None = None) -> OrgData:
    """``n_staff`` persons of one organization (plus ~10 % of outsiders with cards elsewhere)."""
    today = today or dt.date.today()
    rnd = random.Random(seed)
    k = n if n is not None else rnd.randrange(1, 10**8)
    inn = make_inn10(f"{300000000 + k % 600000000:09d}")
    other = make_inn10(f"{300000000 + (k + 1) % 600000000:09d}")
    out = OrgData(inn, f"ГБУЗ «Больница отчётов № {k}»", other)
    org = {"org_name": out.name, "org_inn": inn}
    now = time.time()

    def day(lo: int, hi: int) -> str:
        return (today + dt.timedelta(days=rnd.randrange(lo, hi))).isoformat()

    for i in range(n_staff + n_staff // 10):
        pid = str(uuid.uuid4())
        g = rnd.random() < 0.5
        person = {"snils": make_snils(f"{10_000_000 + i * 37 + k % 1000:09d}"),
                  "last_name": rnd.choice(["Иванов", "Петров", "Ёлкин", "Сидоров"]) + ("а" if g else ""),
                  "first_name": rnd.choice(["Анна", "Мария"] if g else ["Пётр", "Иван"]),
                  "patronymic": "Ивановна" if g else "Петрович", "gender": "female" if g else "male",
                  "birth_date": "1980-01-01"}
        out.rows.append(_row("person", pid, person, rid=pid))
        outsider = i >= n_staff
        cards = max(1, int(rnd.random() * cards_per * 2 + 0.5)) if not outsider else 1
        for c in range(cards):
            card = {**(org if not outsider else {"org_name": "Другая", "org_inn": other}),
                    "subdivision": rnd.choice(UNITS), "position_code": rnd.choice(POSITIONS),
                    "position_type": "main", "contract_kind": "labor", "rate": rnd.choice(RATES),
                    "begin_date": day(-9000, -10), "status": "confirmed"}
            r = rnd.random()
            if c > 0 and r < 0.35:
                card["end_date"] = day(-3000, -1)  # ended
            elif r < 0.45:
                card["end_date"] = day(1, 400)  # ends later: still working today
            author = None
            s = rnd.random()
            if s < 0.06:
                card["status"] = "submitted"  # the worker's own, not yet the organization's
            elif s < 0.1:
                card["status"] = "draft"
                author = inn  # written by the organization itself: on its list already
            out.rows.append(_row("employment", pid, card, deleted=rnd.random() < 0.03, author_org=author))
            if not outsider and rnd.random() < 0.2:
                cid = out.rows[-1]["id"]
                st = rnd.choice(["pending", "pending", "confirmed", "rejected"])
                out.confirmations.append({
                    "id": str(uuid.uuid4()), "employment_id": cid, "person_id": pid,
                    "org_inn": inn, "blob_sha256": "0" * 64, "doc_kind": "contract", "doc_org_inn": inn,
                    "doc_org_name": out.name, "doc_begin_date": card["begin_date"], "doc_date": card["begin_date"],
                    "status": st, "errors": [], "comment": "", "created_at": now - rnd.randrange(0, 60) * 86400})
        for spec in rnd.sample(SPECIALTIES, rnd.randrange(0, 3)):
            kind = rnd.choice(["certificate", "accreditation", "category"])
            key = "end_date" if kind == "category" else "valid_until"
            for _ in range(rnd.choice([1, 1, 2])):  # a renewal: only the latest counts
                doc = {"specialty_code": spec, key: day(-500, 500)}
                if kind == "accreditation":
                    doc["protocol_date"] = day(-1800, -1)
                    doc["kind"] = "periodic"
                if rnd.random() < 0.05:
                    doc[key] = ""
                out.rows.append(_row(kind, pid, doc, deleted=rnd.random() < 0.03))
        for _ in range(rnd.randrange(0, 12)):
            nmo = {"event_date": day(-2200, 0), "kind": rnd.choice(["iom", "event", "program"]),
                   "title": "Модуль", "credits": rnd.choice(["1", "2", "6", "18", "36", "0.5", ""]),
                   "status": rnd.choice(["confirmed", "confirmed", "pending", "rejected"])}
            out.rows.append(_row("nmo", pid, nmo, deleted=rnd.random() < 0.03))
        if rnd.random() < 0.3:
            req = {**(org if rnd.random() < 0.9 else {"org_name": "Другая", "org_inn": other}), "kind": "info",
                   "received_at": day(-200, 0), "text": "Предоставьте сведения",
                   "status": rnd.choice(["new", "acknowledged", "answered", "closed"])}
            out.rows.append(_row("request", pid, req, deleted=rnd.random() < 0.03))
    return out


def load(engine: Engine, data: OrgData, chunk: int = 5000, *, summaries: bool = True) -> None:
    """Insert the organization, its rows (with feed positions) and confirmations; rebuild its
    staff-list entries and the report's summaries as the feed's writer would have kept them."""
    with engine.begin() as conn:
        for inn, name in ((data.inn, data.name), (data.other_inn, "Другая")):
            conn.execute(sa.insert(Organization).values(inn=inn, name=name))
        seq = int(conn.execute(sa.select(col(SeqCounter.value)).where(col(SeqCounter.name) == "feed")).scalar_one())
        rows = []
        for r in data.rows:
            seq += 1
            rows.append({**r, "seq": seq})
        for i in range(0, len(rows), chunk):
            conn.execute(sa.insert(Record), rows[i:i + chunk])
        conn.execute(sa.update(SeqCounter).where(col(SeqCounter.name) == "feed").values(value=seq))
        if data.confirmations:
            conn.execute(sa.insert(Confirmation), data.confirmations)
        staff_list.rebuild(conn, data.inn)
        if summaries:  # False: a database before migration 0010, which backfills them
            report_summary.rebuild(conn)
