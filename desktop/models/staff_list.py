"""The SQL behind «Сотрудники» (Qt-free): one row per person of the organization, with the
person's employment cards in that organization folded into a few columns.

Built like ``desktop.models.listing``: the list is a sequence of ``rec_person`` rowids read
in one query (search, filters and sort run in the vault), and the view fetches the shown rows
in blocks (``fetch_rows``). Only the rows on screen are aggregated in Python; a sort by an
aggregated column (positions, total rate …) is the one case that groups every card in SQL.

Who is «staff»: a person with a card in the organization — or, when the clerk's organization
is not known (a vault that never logged in, the benchmark), every person of the vault. A
person with no card at all is listed too: a clerk who has just created them must see them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop.i18n import tr
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import fmt_date, fmt_decimal
from desktop.models.listing import DbApi, search_table
from desktop.models.nsi import NsiRegistry
from desktop.models.schema import EMPLOYMENT_STATUS, POSITION_TYPE

#: how far ahead «срок аккредитации истекает» looks, in days
EXPIRY_DAYS = 90

#: column id -> Russian title, in the default order of the list
COLUMNS: dict[str, str] = {
    "fio": "ФИО",
    "snils": "СНИЛС",
    "positions": "Должности",
    "subdivisions": "Подразделения",
    "position_types": "Тип занятия должности",
    "rate": "Ставка",
    "begin_date": "Дата начала",
    "statuses": "Статусы карточек",
    "state": "Работает",
}
#: what a person reads in the «Работает» column and the active/dismissed filter
STATE_LABELS = {"active": "работает", "dismissed": "уволен", "none": "нет карточек"}

# Person columns sort from the person table (its sort indexes); the rest from the cards.
_PERSON_SORT = {
    "fio": "p.last_name {d}, p.first_name {d}, p.patronymic {d}",
    "snils": "p.snils {d}",
}
_CARD_SORT = {
    "positions": "min(e.position_code)",
    "subdivisions": "min(e.subdivision)",
    "position_types": "min(e.position_type)",
    "rate": "sum(CASE WHEN {active} THEN CAST(e.rate AS REAL) ELSE 0 END)",
    "begin_date": "min(e.begin_date)",
    "statuses": "min(e.status)",
    "state": "max(CASE WHEN {active} THEN 2 ELSE 1 END)",
}


@dataclass(frozen=True)
class StaffQuery:
    """What «Сотрудники» shows. ``org_inn`` None: every person of the vault."""

    org_inn: str | None = None
    search: str = ""
    subdivision: str | None = None
    position_code: str | None = None
    position_type: str | None = None
    status: str | None = None
    #: "active", "dismissed" or None (both, and persons with no card)
    state: str | None = None
    #: only persons whose accreditation expires within ``EXPIRY_DAYS``
    expiring: bool = False
    sort: str = "fio"
    descending: bool = False


@dataclass
class StaffRow:
    """One person as the list shows them (canonical values; the view formats them)."""

    rowid: int
    id: str
    snils: str
    last_name: str
    first_name: str
    patronymic: str
    positions: list[str] = field(default_factory=list)
    subdivisions: list[str] = field(default_factory=list)
    position_types: list[str] = field(default_factory=list)
    rate: Decimal = Decimal(0)
    begin_date: str | None = None
    statuses: list[str] = field(default_factory=list)
    state: str = "none"
    cards: int = 0

    @property
    def fio(self) -> str:
        return " ".join(x for x in (self.last_name, self.first_name, self.patronymic) if x)


def today_iso(today: dt.date | None = None) -> str:
    return (today or dt.date.today()).isoformat()


def _active(alias: str, params: list[Any], today: str) -> str:
    # A card is current when it has no end date or ends today or later.
    params.append(today)
    return f"({alias}.end_date IS NULL OR {alias}.end_date >= ?)"


def _org(alias: str, q: StaffQuery, params: list[Any]) -> str:
    if q.org_inn is None:
        return ""
    params.append(q.org_inn)
    return f" AND {alias}.org_inn = ?"


def _cards_of(q: StaffQuery, cond: str, params: list[Any], cond_params: Sequence[Any]) -> str:
    """``p.id IN`` the persons having a card in scope that meets ``cond``."""
    org = _org("e", q, params)
    params.extend(cond_params)
    return f"p.id IN (SELECT e.person_id FROM rec_employment AS e WHERE 1=1{org} AND {cond})"


def _search(q: StaffQuery, nsi: NsiRegistry, params: list[Any]) -> str:
    term = " ".join(q.search.split())
    if not term:
        return ""
    ors: list[str] = []
    if len(term) >= 3:
        ors.append(f"p.rowid IN (SELECT rowid FROM {search_table('person')} WHERE "
                   f"{search_table('person')} MATCH ?)")
        params.append('"' + term.replace('"', '""') + '"')
    else:
        # One or two letters: the start of a surname (trigrams need three), as index ranges
        # (LIKE would read every person; it folds ASCII only anyway).
        variants = sorted({term.capitalize(), term.upper(), term.lower()})
        ors.append("(" + " OR ".join("(p.last_name >= ? AND p.last_name < ?)" for _ in variants) + ")")
        for v in variants:
            params.extend([v, v[:-1] + chr(ord(v[-1]) + 1)])
    digits = term.replace("-", "").replace(" ", "")
    if len(digits) >= 3 and digits.isdigit():
        # A СНИЛС typed without its dashes, or only its tail.
        ors.append("p.snils LIKE ?")
        params.append(f"%{digits}%")
    if len(term) >= 3:
        folded = term.casefold()
        try:
            entries = nsi.get("position").entries
        except KeyError:
            entries = {}
        codes = [c for c, name in entries.items() if folded in name.casefold()]
        if codes and len(codes) < 500:
            ors.append(_cards_of(q, f"e.position_code IN ({', '.join('?' * len(codes))})", params, codes))
    return "(" + " OR ".join(ors) + ")"


def where_sql(q: StaffQuery, nsi: NsiRegistry, today: str | None = None) -> tuple[str, list[Any]]:
    day = today or today_iso()
    params: list[Any] = []
    conds: list[str] = []
    if q.org_inn is not None:
        # Staff of the organization, and persons with no card at all (just created here).
        params.append(q.org_inn)
        conds.append("(p.id IN (SELECT e.person_id FROM rec_employment AS e WHERE e.org_inn = ?) OR NOT EXISTS "
                     "(SELECT 1 FROM rec_employment AS e WHERE e.person_id = p.id))")
    for name, value in (("subdivision", q.subdivision), ("position_code", q.position_code),
                        ("position_type", q.position_type), ("status", q.status)):
        if value is not None:
            conds.append(_cards_of(q, f"e.{name} = ?", params, [value]))
    if q.state == "active":
        conds.append(_cards_of(q, _active("e", [], day), params, [day]))
    elif q.state == "dismissed":
        inner: list[Any] = []
        org = _org("e", q, inner)
        conds.append(f"p.id IN (SELECT e.person_id FROM rec_employment AS e WHERE 1=1{org}) AND p.id NOT IN "
                     f"(SELECT e.person_id FROM rec_employment AS e WHERE 1=1{org} AND {_active('e', [], day)})")
        params.extend([*inner, *inner, day])
    if q.expiring:
        until = (dt.date.fromisoformat(day) + dt.timedelta(days=EXPIRY_DAYS)).isoformat()
        conds.append("p.id IN (SELECT a.person_id FROM rec_accreditation AS a WHERE a.valid_until >= ? "
                     "AND a.valid_until <= ?)")
        params.extend([day, until])
    search = _search(q, nsi, params)
    if search:
        conds.append(search)
    return (" WHERE " + " AND ".join(conds)) if conds else "", params


def ids_sql(q: StaffQuery, nsi: NsiRegistry, today: str | None = None) -> tuple[str, list[Any]]:
    """``SELECT rowid`` of the persons of the list, in its order."""
    day = today or today_iso()
    where, params = where_sql(q, nsi, day)
    d = " DESC" if q.descending else ""
    if q.sort in _CARD_SORT:
        agg_params: list[Any] = []
        template = _CARD_SORT[q.sort]
        expr = template.format(active=_active("e", agg_params, day)) if "{active}" in template else template
        org = _org("e", q, agg_params)
        # Persons with no card sort as NULL: first ascending, last descending, like SQLite.
        sql = (f"SELECT p.rowid FROM rec_person AS p LEFT JOIN (SELECT e.person_id AS pid, {expr} AS k "
               f"FROM rec_employment AS e WHERE 1=1{org} GROUP BY e.person_id) AS agg ON agg.pid = p.id"
               f"{where} ORDER BY agg.k{d}, p.last_name{d}, p.rowid{d}")
        return sql, [*agg_params, *params]
    order = _PERSON_SORT.get(q.sort, _PERSON_SORT["fio"]).format(d=d)
    return f"SELECT p.rowid FROM rec_person AS p{where} ORDER BY {order}, p.rowid{d}", params


def fetch_ids(conn: DbApi, q: StaffQuery, nsi: NsiRegistry, today: str | None = None) -> list[int]:
    sql, params = ids_sql(q, nsi, today)
    return [r[0] for r in conn.execute(sql, params).fetchall()]


def narrow(conn: DbApi, q: StaffQuery, nsi: NsiRegistry, base: Sequence[int], today: str | None = None) -> list[int]:
    """``fetch_ids(q)`` from ``base``, the list of the same query without its search: the matches
    are read unordered and kept in the base's order. A search matching thousands of persons (a
    position's name, the start of a СНИЛС) is then not sorted again at each keystroke."""
    where, params = where_sql(q, nsi, today)
    found = {r[0] for r in conn.execute(f"SELECT p.rowid FROM rec_person AS p{where}", params).fetchall()}
    return [x for x in base if x in found]


def _rate(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _add_once(out: list[str], value: Any) -> None:
    if value and value not in out:
        out.append(str(value))


def fetch_rows(conn: DbApi, rowids: Iterable[int], org_inn: str | None,
               today: str | None = None) -> dict[int, StaffRow]:
    """The list's rows for these person rowids, their cards in ``org_inn`` folded in."""
    day = today or today_iso()
    wanted = list(rowids)
    out: dict[int, StaffRow] = {}
    by_id: dict[str, StaffRow] = {}
    for k in range(0, len(wanted), 500):
        chunk = wanted[k:k + 500]
        cur = conn.execute("SELECT rowid, id, snils, last_name, first_name, patronymic FROM rec_person "
                           f"WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk)
        for r in cur.fetchall():
            row = StaffRow(r[0], r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "")
            out[r[0]] = row
            by_id[row.id] = row
    pids = list(by_id)
    for k in range(0, len(pids), 500):
        chunk_ids = pids[k:k + 500]
        params: list[Any] = list(chunk_ids)
        org = ""
        if org_inn is not None:
            org = " AND org_inn = ?"
            params.append(org_inn)
        cur = conn.execute("SELECT person_id, position_code, subdivision, position_type, rate, begin_date, "
                           "end_date, status FROM rec_employment WHERE person_id IN "
                           f"({', '.join('?' * len(chunk_ids))}){org} ORDER BY begin_date", params)
        for pid, pos, sub, ptype, rate, begin, end, status in cur.fetchall():
            row = by_id[pid]
            row.cards += 1
            active = end is None or end >= day
            if active:
                row.state = "active"
                row.rate += _rate(rate)
                _add_once(row.positions, pos)
                _add_once(row.subdivisions, sub)
                _add_once(row.position_types, ptype)
                if row.begin_date is None or (begin and begin < row.begin_date):
                    row.begin_date = begin
            elif row.state == "none":
                row.state = "dismissed"
            _add_once(row.statuses, status or "draft")
    for row in by_id.values():
        if row.state == "dismissed":
            # A dismissed person shows what they last were.
            _fill_last(conn, row, org_inn)
    return out


def _fill_last(conn: DbApi, row: StaffRow, org_inn: str | None) -> None:
    params: list[Any] = [row.id]
    org = ""
    if org_inn is not None:
        org = " AND org_inn = ?"
        params.append(org_inn)
    got = conn.execute("SELECT position_code, subdivision, position_type, begin_date FROM rec_employment "
                       f"WHERE person_id = ?{org} ORDER BY end_date DESC LIMIT 1", params).fetchall()
    if got:
        pos, sub, ptype, begin = got[0]
        _add_once(row.positions, pos)
        _add_once(row.subdivisions, sub)
        _add_once(row.position_types, ptype)
        row.begin_date = begin


def cell(row: StaffRow, column: str, nsi: NsiRegistry) -> str:
    """What the list shows in a column (the one place its text is made, for the view and exports)."""
    if column == "fio":
        return row.fio
    if column == "snils":
        return format_snils(row.snils) if row.snils else ""
    if column == "positions":
        return "; ".join(nsi.name("position", c) for c in row.positions)
    if column == "subdivisions":
        return "; ".join(row.subdivisions)
    if column == "position_types":
        return "; ".join(tr(POSITION_TYPE.get(c, c)) for c in row.position_types)
    if column == "rate":
        return fmt_decimal(str(row.rate.normalize())) if row.cards else ""
    if column == "begin_date":
        return fmt_date(row.begin_date)
    if column == "statuses":
        return "; ".join(tr(EMPLOYMENT_STATUS.get(c, c)) for c in row.statuses)
    if column == "state":
        return tr(STATE_LABELS[row.state])
    raise KeyError(column)


@dataclass
class Counts:
    """The footer: persons in scope, and of them with a current card / only closed cards."""

    total: int = 0
    active: int = 0
    dismissed: int = 0


def counts(conn: DbApi, org_inn: str | None, today: str | None = None) -> Counts:
    params: list[Any] = [today or today_iso()]
    org = _org("e", StaffQuery(org_inn=org_inn), params)
    rows = conn.execute(
        "SELECT max(CASE WHEN e.end_date IS NULL OR e.end_date >= ? THEN 1 ELSE 0 END) FROM rec_employment AS e "
        f"WHERE 1=1{org} GROUP BY e.person_id", params).fetchall()
    active = sum(1 for r in rows if r[0])
    if org_inn is None:
        total = int(conn.execute("SELECT count(*) FROM rec_person").fetchall()[0][0])
    else:
        total = len(rows) + int(conn.execute(
            "SELECT count(*) FROM rec_person AS p WHERE NOT EXISTS "
            "(SELECT 1 FROM rec_employment AS e WHERE e.person_id = p.id)").fetchall()[0][0])
    return Counts(total, active, len(rows) - active)


def subdivisions(conn: DbApi, org_inn: str | None) -> list[str]:
    """The organization's own subdivisions (filters, and completion in the card form)."""
    params: list[Any] = []
    org = _org("e", StaffQuery(org_inn=org_inn), params)
    rows = conn.execute("SELECT DISTINCT e.subdivision FROM rec_employment AS e WHERE e.subdivision IS NOT NULL"
                        f"{org} ORDER BY e.subdivision", params).fetchall()
    return [r[0] for r in rows]


def positions(conn: DbApi, org_inn: str | None) -> list[str]:
    """Position codes the organization uses (listed first in the position filter and completer)."""
    params: list[Any] = []
    org = _org("e", StaffQuery(org_inn=org_inn), params)
    rows = conn.execute("SELECT e.position_code, count(*) AS n FROM rec_employment AS e WHERE "
                        f"e.position_code IS NOT NULL{org} GROUP BY e.position_code ORDER BY n DESC",
                        params).fetchall()
    return [r[0] for r in rows]
