"""An organization's figures for its manager (issue 15): aggregates computed in SQL.

The same SQLAlchemy expressions run on SQLite and PostgreSQL (JSON fields through ``as_string``,
which is ``json_extract`` on one and ``->>`` on the other). Who may ask is decided before any of
this runs (``server.policy.may_read_org``); this module only counts.

Definitions (docs/reports.md):
- *staff*: persons with a live card of the organization's own (confirmed or written by it, as on
  the staff list) that has not ended by today; the subdivision/position filters narrow the cards.
- *expiring*: per person, the latest expiry of each kind and specialty (a renewed certificate
  replaces the old one); the soonest of those decides the person's bucket. ``30`` and ``90`` are
  "within N days from today" (so ``90`` includes ``30``), ``expired`` is before today.
- *НМО compliance*: confirmed credits since the cycle start (the latest accreditation's protocol
  date, else five years back) as a share of the cycle's hours, in bins of 25 %.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from server.models import Confirmation, Record, SeqCounter, StaffEntry
from server.staff import org_card

#: hours of a five-year НМО cycle (docs/domain.md; the desktop's CycleRule default, which the
#: server cannot import: it sees the domain models only)
NMO_CYCLE_HOURS = Decimal(144)
NMO_CYCLE_YEARS = 5
#: compliance bins: lower bounds in per cent of the cycle; the last one is "done"
NMO_BINS = (0, 25, 50, 75, 100)
#: age bins of the confirmation backlog, in days
AGE_BINS = (0, 7, 30)
OPEN_REQUEST = ("new", "acknowledged")
EXPIRY_ENTITIES = ("certificate", "accreditation", "category")
LIST_LIMIT = 500


@dataclass(frozen=True)
class Filters:
    #: None = any; "" = the cards with none given
    subdivision: str | None = None
    position: str | None = None
    #: the period of requests and confirmations (ISO dates, inclusive); empty = all
    date_from: str = ""
    date_to: str = ""


def _f(table: Any, key: str) -> Any:
    return sa.func.coalesce(table.data[key].as_string(), "")


def _card_conditions(E: Any, inn: str, today: dt.date, flt: Filters) -> list[Any]:
    end = _f(E, "end_date")
    cond = [E.entity == "employment", E.org_inn == inn, E.deleted == sa.false(), org_card(E),
            sa.or_(end == "", end >= today.isoformat())]
    if flt.subdivision is not None:
        cond.append(_f(E, "subdivision") == flt.subdivision)
    if flt.position is not None:
        cond.append(_f(E, "position_code") == flt.position)
    return cond


def staff_ids(inn: str, today: dt.date, flt: Filters) -> Any:
    """Subquery: the persons counted as the organization's staff today."""
    E: Any = aliased(Record)
    return sa.select(E.person_id).where(*_card_conditions(E, inn, today, flt)).distinct()


@dataclass
class Facts:
    """What the per-person figures are computed from, read in two passes over the database
    (the live cards; the staff's documents and credits) instead of one pass per figure: each
    pass over 100,000 JSON rows costs seconds on a busy SQLite, and there were ten."""

    today: dt.date
    #: (person_id, subdivision, position_code, rate) of every counted card
    cards: list[tuple[str, str, str, str]]
    staff: set[str]
    #: (person_id, entity, specialty) -> the latest expiry (ISO date)
    latest: dict[tuple[str, str, str], str]
    #: person_id -> the latest accreditation's protocol date (the cycle start)
    starts: dict[str, str]
    #: (person_id, event_date, credits) of confirmed НМО credits
    credits: list[tuple[str, str, str]]


def facts(s: Session, inn: str, today: dt.date, flt: Filters) -> Facts:
    E: Any = aliased(Record)
    cards = [(str(pid), str(sub), str(pos), str(rate or "")) for pid, sub, pos, rate in s.execute(
        sa.select(E.person_id, _f(E, "subdivision"), _f(E, "position_code"), _f(E, "rate"))
        .where(*_card_conditions(E, inn, today, flt))).all()]
    staff = {c[0] for c in cards}
    D: Any = aliased(Record)
    expiry = sa.case((D.entity == "category", _f(D, "end_date")), else_=_f(D, "valid_until"))
    # the organization's people by the staff-list summary (index only, a superset of today's
    # staff: dismissed ones too), narrowed to ``staff`` here
    listed = sa.select(col(StaffEntry.person_id)).where(col(StaffEntry.org_inn) == inn)
    rows = s.execute(sa.select(D.person_id, D.entity, expiry, _f(D, "specialty_code"), _f(D, "protocol_date"),
                               _f(D, "status"), _f(D, "event_date"), _f(D, "credits"))
                     .where(col(D.entity).in_((*EXPIRY_ENTITIES, "nmo")), D.deleted == sa.false(),
                            col(D.person_id).in_(listed))).all()
    latest: dict[tuple[str, str, str], str] = {}
    starts: dict[str, str] = {}
    credits: list[tuple[str, str, str]] = []
    for pid, entity, exp, spec, protocol, status, event, value in rows:
        if pid not in staff:
            continue
        if entity == "nmo":
            if status == "confirmed" and value:
                credits.append((pid, event, value))
            continue
        if entity == "accreditation" and protocol > starts.get(pid, ""):
            starts[pid] = protocol
        if exp:
            key = (pid, entity, spec)
            if exp > latest.get(key, ""):
                latest[key] = exp
    return Facts(today, cards, staff, latest, starts, credits)


def _groups(f: Facts, index: int, key: str) -> list[dict[str, Any]]:
    acc: dict[str, tuple[set[str], int, Decimal]] = {}
    for card in f.cards:
        k = card[index]
        people, n, rate = acc.get(k, (set(), 0, Decimal(0)))
        people.add(card[0])
        try:
            rate += Decimal(card[3]) if card[3] else Decimal(0)
        except ArithmeticError:
            pass  # a malformed rate counts as none
        acc[k] = (people, n + 1, rate)
    return [{key: k, "headcount": len(v[0]), "cards": v[1], "rate": str(v[2].quantize(Decimal("0.01")))}
            for k, v in sorted(acc.items())]


def _soonest(f: Facts) -> dict[str, str]:
    """person -> the soonest of their latest expiries (the one that decides their bucket)."""
    out: dict[str, str] = {}
    for (pid, _, _), d in f.latest.items():
        if d < out.get(pid, "9999"):
            out[pid] = d
    return out


def _bucket_ids(f: Facts, value: str) -> list[str]:
    t0 = f.today.isoformat()
    soon = _soonest(f)
    if value == "expired":
        return [p for p, d in soon.items() if d < t0]
    hi = (f.today + dt.timedelta(days=int(value))).isoformat()
    return [p for p, d in soon.items() if t0 <= d <= hi]


def expiring(s: Session, inn: str, today: dt.date, flt: Filters, f: Facts | None = None) -> dict[str, int]:
    f = f or facts(s, inn, today, flt)
    return {k: len(_bucket_ids(f, k)) for k in ("30", "90", "expired")}


def expiring_items(s: Session, inn: str, today: dt.date, flt: Filters, limit: int = LIST_LIMIT,
                   f: Facts | None = None) -> list[dict[str, Any]]:
    """The documents behind ``expiring``: expired or ending within 90 days, soonest first."""
    f = f or facts(s, inn, today, flt)
    horizon = (today + dt.timedelta(days=90)).isoformat()
    due = sorted(((d, pid, kind) for (pid, kind, _), d in f.latest.items() if d <= horizon))[:limit]
    P: Any = aliased(Record)
    people = dict(s.execute(sa.select(P.id, P.data).where(col(P.id).in_(sorted({pid for _, pid, _ in due})))).all()) \
        if due else {}
    snils = {pid: (data or {}).get("snils") for pid, data in people.items()}
    return [{"person_id": pid, "kind": kind, "date": d, "name": _name(people.get(pid)), "snils": snils.get(pid)}
            for d, pid, kind in due]


def _name(data: dict[str, Any] | None) -> str:
    d = data or {}
    return " ".join(str(d.get(k) or "") for k in ("last_name", "first_name", "patronymic")).strip()


def nmo_done(s: Session, inn: str, today: dt.date, flt: Filters, f: Facts | None = None) -> list[tuple[str, Decimal]]:
    """(person_id, confirmed credits in the current cycle) for every staff member."""
    f = f or facts(s, inn, today, flt)
    default_start = dt.date(today.year - NMO_CYCLE_YEARS, today.month, min(today.day, 28)).isoformat()
    done = dict.fromkeys(f.staff, Decimal(0))
    for pid, day, value in f.credits:
        if day >= (f.starts.get(pid) or default_start):
            try:
                done[pid] += Decimal(value)
            except ArithmeticError:
                continue  # a malformed value counts as none
    return list(done.items())


def nmo_bin(done: Decimal) -> int:
    share = done * 100 / NMO_CYCLE_HOURS
    return max(b for b in NMO_BINS if share >= b)


def nmo_histogram(done: list[tuple[str, Decimal]]) -> list[dict[str, Any]]:
    counts = {b: 0 for b in NMO_BINS}
    for _, v in done:
        counts[nmo_bin(v)] += 1
    return [{"from": b, "to": (NMO_BINS[i + 1] if i + 1 < len(NMO_BINS) else None), "count": counts[b]}
            for i, b in enumerate(NMO_BINS)]


def _period(column: Any, flt: Filters, *, epoch: bool) -> list[Any]:
    cond = []
    if flt.date_from:
        lo = dt.datetime.fromisoformat(flt.date_from).timestamp() if epoch else flt.date_from
        cond.append(column >= lo)
    if flt.date_to:
        hi = (dt.datetime.fromisoformat(flt.date_to) + dt.timedelta(days=1)).timestamp() if epoch \
            else flt.date_to
        cond.append(column < hi if epoch else column <= hi)
    return cond


def confirmations(s: Session, inn: str, now: float, flt: Filters) -> dict[str, Any]:
    """The backlog: requests waiting for the clerk's decision, and how long they have waited."""
    c: Any = Confirmation
    rows = s.execute(sa.select(sa.func.count(), sa.func.min(col(c.created_at)))
                     .where(c.org_inn == inn, c.status == "pending",
                            *_period(col(c.created_at), flt, epoch=True))).one()
    ages = []
    for i, lo in enumerate(AGE_BINS):
        hi = AGE_BINS[i + 1] if i + 1 < len(AGE_BINS) else None
        cond = [c.org_inn == inn, c.status == "pending", col(c.created_at) <= now - lo * 86400,
                *_period(col(c.created_at), flt, epoch=True)]
        if hi is not None:
            cond.append(col(c.created_at) > now - hi * 86400)
        n = s.execute(sa.select(sa.func.count()).select_from(c).where(*cond)).scalar_one()
        ages.append({"from_days": lo, "to_days": hi, "count": int(n)})
    oldest = rows[1]
    return {"pending": int(rows[0]), "oldest_days": int((now - oldest) // 86400) if oldest else None, "by_age": ages}


def requests(s: Session, inn: str, flt: Filters) -> dict[str, int]:
    R: Any = aliased(Record)
    st = _f(R, "status")
    rows = s.execute(sa.select(st, sa.func.count())
                     .where(R.entity == "request", R.org_inn == inn, R.deleted == sa.false(),
                            *_period(_f(R, "received_at"), flt, epoch=False))
                     .group_by(st)).all()
    by = {k: int(n) for k, n in rows}
    return {"open": sum(by.get(k, 0) for k in OPEN_REQUEST), "answered": by.get("answered", 0),
            "closed": by.get("closed", 0)}


def org_report(s: Session, inn: str, *, today: dt.date | None = None, now: float | None = None,
               flt: Filters = Filters()) -> dict[str, Any]:
    """Every figure of the manager's dashboard, in the shape of `frmr report org --format json`."""
    today = today or dt.date.today()
    now = time.time() if now is None else now
    f = facts(s, inn, today, flt)
    conf = confirmations(s, inn, now, flt)
    req = requests(s, inn, flt)
    return {
        "org_inn": inn, "as_of": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "filters": {"subdivision": flt.subdivision, "position": flt.position, "date_from": flt.date_from,
                    "date_to": flt.date_to},
        "headcount": len(f.staff),
        "by_subdivision": _groups(f, 1, "subdivision"),
        "by_position": _groups(f, 2, "position_code"),
        "expiring": expiring(s, inn, today, flt, f),
        "expiring_items": expiring_items(s, inn, today, flt, f=f),
        "nmo_required": str(NMO_CYCLE_HOURS),
        "nmo_compliance": nmo_histogram(nmo_done(s, inn, today, flt, f)),
        "confirmations_pending": conf["pending"], "confirmations": conf,
        "requests_open": req["open"], "requests": req,
    }


def people(s: Session, inn: str, group: str, value: str, *, today: dt.date | None = None,
           flt: Filters = Filters(), limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """The persons behind one bar of the dashboard (a click opens this list)."""
    today = today or dt.date.today()
    if group == "subdivision":
        flt = Filters(subdivision=value, position=flt.position)
    elif group == "position":
        flt = Filters(subdivision=flt.subdivision, position=value)
    ids: Any
    if group in ("subdivision", "position", "all"):
        ids = staff_ids(inn, today, flt)
    elif group == "nmo":
        wanted = int(value)
        ids = [pid for pid, v in nmo_done(s, inn, today, flt) if nmo_bin(v) == wanted]
    elif group == "expiring":
        ids = _bucket_ids(facts(s, inn, today, flt), value)
    else:
        raise ValueError(group)
    P: Any = aliased(Record)
    rows = s.execute(sa.select(P.id, P.data, P.snils).where(P.entity == "person", P.deleted == sa.false(),
                                                            col(P.id).in_(ids))
                     .order_by(P.sort_name).limit(limit)).all()
    return [{"person_id": pid, "name": _name(d), "snils": sn} for pid, d, sn in rows]


# -- the last answers, while nothing changed ---------------------------------------------------

_MEMO: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], float, dict[str, Any]]] = OrderedDict()
_MEMO_LOCK = threading.Lock()
_MEMO_SIZE = 64


def data_stamp(s: Session, inn: str) -> tuple[Any, ...]:
    """What changes whenever anything the report counts changes: the feed's last position (every
    committed row change takes one) and the organization's confirmation requests."""
    seq = s.execute(sa.select(sa.func.max(col(Record.seq)))).scalar_one()
    c: Any = Confirmation
    conf = s.execute(sa.select(sa.func.count(), sa.func.max(col(c.created_at)), sa.func.max(col(c.decided_at)))
                     .where(c.org_inn == inn)).one()
    feed = s.execute(sa.select(col(SeqCounter.value)).where(col(SeqCounter.name) == "feed")).scalar_one_or_none()
    return (seq, feed, *conf)


def cached_org_report(s: Session, inn: str, flt: Filters = Filters()) -> dict[str, Any]:
    """``org_report``, answered from the last computation of the same question while the data
    stamp and the day are the same (a dashboard opened again, several managers of one
    organization): the figures are the same by construction, only ``as_of`` is the time they
    were computed. Counting a large organization from its JSON rows takes seconds on SQLite."""
    today = dt.date.today()
    key = (inn, flt, today)
    stamp = data_stamp(s, inn)
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
        if hit is not None and hit[0] == stamp:
            _MEMO.move_to_end(key)
            return dict(hit[2])
    out = org_report(s, inn, today=today, flt=flt)
    with _MEMO_LOCK:
        _MEMO[key] = (stamp, time.time(), out)
        _MEMO.move_to_end(key)
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return dict(out)
