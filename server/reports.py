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

from server.models import Confirmation, Record, SeqCounter
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


def _num(table: Any, key: str) -> Any:
    return sa.cast(sa.func.nullif(table.data[key].as_string(), ""), sa.Numeric(12, 2))


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


def _groups(s: Session, inn: str, today: dt.date, flt: Filters, key: str) -> list[dict[str, Any]]:
    E: Any = aliased(Record)
    k = _f(E, key)
    rows = s.execute(sa.select(k, sa.func.count(sa.distinct(E.person_id)), sa.func.count(),
                               sa.func.coalesce(sa.func.sum(_num(E, "rate")), 0))
                     .where(*_card_conditions(E, inn, today, flt)).group_by(k).order_by(k)).all()
    return [{key: v, "headcount": int(n), "cards": int(c), "rate": str(Decimal(str(r)).quantize(Decimal("0.01")))}
            for v, n, c, r in rows]


def _latest_expiries(inn: str, today: dt.date, flt: Filters) -> Any:
    """Subquery (person_id, entity, latest): the latest expiry per person, kind and specialty."""
    D: Any = aliased(Record)
    expiry = sa.case((D.entity == "category", _f(D, "end_date")), else_=_f(D, "valid_until"))
    return (sa.select(D.person_id.label("person_id"), D.entity.label("entity"), sa.func.max(expiry).label("latest"))
            .where(col(D.entity).in_(EXPIRY_ENTITIES), D.deleted == sa.false(), expiry != "",
                   col(D.person_id).in_(staff_ids(inn, today, flt)))
            .group_by(D.person_id, D.entity, _f(D, "specialty_code")).subquery())


def expiring(s: Session, inn: str, today: dt.date, flt: Filters) -> dict[str, int]:
    latest = _latest_expiries(inn, today, flt)
    soonest = (sa.select(latest.c.person_id, sa.func.min(latest.c.latest).label("d"))
               .group_by(latest.c.person_id).subquery())
    t0, t30, t90 = today.isoformat(), (today + dt.timedelta(days=30)).isoformat(), \
        (today + dt.timedelta(days=90)).isoformat()

    def n(cond: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    e, a, b = s.execute(sa.select(n(soonest.c.d < t0), n(sa.and_(soonest.c.d >= t0, soonest.c.d <= t30)),
                                  n(sa.and_(soonest.c.d >= t0, soonest.c.d <= t90)))).one()
    return {"30": int(a), "90": int(b), "expired": int(e)}


def expiring_items(s: Session, inn: str, today: dt.date, flt: Filters, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """The documents behind ``expiring``: expired or ending within 90 days, soonest first."""
    latest = _latest_expiries(inn, today, flt)
    P: Any = aliased(Record)
    horizon = (today + dt.timedelta(days=90)).isoformat()
    rows = s.execute(sa.select(latest.c.person_id, latest.c.entity, latest.c.latest, P.data, P.snils)
                     .join(P, P.id == latest.c.person_id).where(latest.c.latest <= horizon)
                     .order_by(latest.c.latest, P.sort_name).limit(limit)).all()
    return [{"person_id": pid, "kind": kind, "date": d, "name": _name(data), "snils": snils}
            for pid, kind, d, data, snils in rows]


def _name(data: dict[str, Any] | None) -> str:
    d = data or {}
    return " ".join(str(d.get(k) or "") for k in ("last_name", "first_name", "patronymic")).strip()


def nmo_done(s: Session, inn: str, today: dt.date, flt: Filters) -> list[tuple[str, Decimal]]:
    """(person_id, confirmed credits in the current cycle) for every staff member.

    Three plain reads summed here: joining the cycle starts as a derived table made SQLite scan
    it once per person (20 s for 20,000 staff); each read below walks the person index once."""
    staff = staff_ids(inn, today, flt)
    A: Any = aliased(Record)
    N: Any = aliased(Record)
    people = [pid for (pid,) in s.execute(staff).all()]
    starts = dict(s.execute(sa.select(A.person_id, sa.func.max(_f(A, "protocol_date")))
                            .where(A.entity == "accreditation", A.deleted == sa.false(), col(A.person_id).in_(staff))
                            .group_by(A.person_id)).all())
    default_start = dt.date(today.year - NMO_CYCLE_YEARS, today.month, min(today.day, 28)).isoformat()
    done = dict.fromkeys(people, Decimal(0))
    credits = s.execute(sa.select(N.person_id, _f(N, "event_date"), _f(N, "credits"))
                        .where(N.entity == "nmo", N.deleted == sa.false(), _f(N, "status") == "confirmed",
                               col(N.person_id).in_(staff))).all()
    for pid, day, value in credits:
        if value and day >= (starts.get(pid) or default_start):
            try:
                done[pid] += Decimal(str(value))
            except ArithmeticError:
                continue  # a malformed value counts as none, as the SQL sum's cast would fail
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
    E: Any = aliased(Record)
    headcount = s.execute(sa.select(sa.func.count(sa.distinct(E.person_id)))
                          .where(*_card_conditions(E, inn, today, flt))).scalar_one()
    conf = confirmations(s, inn, now, flt)
    req = requests(s, inn, flt)
    return {
        "org_inn": inn, "as_of": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "filters": {"subdivision": flt.subdivision, "position": flt.position, "date_from": flt.date_from,
                    "date_to": flt.date_to},
        "headcount": int(headcount),
        "by_subdivision": _groups(s, inn, today, flt, "subdivision"),
        "by_position": _groups(s, inn, today, flt, "position_code"),
        "expiring": expiring(s, inn, today, flt),
        "expiring_items": expiring_items(s, inn, today, flt),
        "nmo_required": str(NMO_CYCLE_HOURS),
        "nmo_compliance": nmo_histogram(nmo_done(s, inn, today, flt)),
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
        # the soonest of a person's latest expiries decides their bucket, as in ``expiring``:
        # items come soonest first, so a person's first item is that one
        soonest: dict[str, str] = {}
        for it in expiring_items(s, inn, today, flt, limit=1_000_000):
            soonest.setdefault(it["person_id"], it["date"])
        t0 = today.isoformat()
        if value == "expired":
            ids = [pid for pid, d in soonest.items() if d < t0]
        else:
            hi = (today + dt.timedelta(days=int(value))).isoformat()
            ids = [pid for pid, d in soonest.items() if t0 <= d <= hi]
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
