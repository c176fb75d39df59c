"""What the HR views run on the DB worker (no Qt here): read one person for the person card,
and the writes of the card, each through the staff core (``desktop/models/staff.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from desktop.i18n import N_
from desktop.models import seniority, staff, staff_list
from desktop.models.repository import RecordRepository, get_organizations, table
from desktop.models.tables import Audit

QUALIFICATION = ("education", "certificate", "accreditation", "category")


@dataclass
class PersonData:
    person: dict[str, Any]
    #: the person's cards in the shown organization, oldest first
    cards: list[dict[str, Any]]
    #: every card of the person (стаж counts all of them; overlaps are checked against them)
    all_cards: list[dict[str, Any]]
    qualification: dict[str, list[dict[str, Any]]]
    seniority: seniority.Seniority
    #: journal entries about the person's rows, newest first
    history: list[dict[str, Any]] = field(default_factory=list)
    #: the organization's requests to the person
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: a registry person kept only by a link: their own data is not the clerk's to change
    linked: bool = False


@dataclass
class OrgValues:
    """The organization's own values, offered first when a card is typed."""

    subdivisions: list[str]
    positions: list[str]
    organizations: list[dict[str, str]]


def read_person(repo: RecordRepository, person_id: str, org_inn: str | None) -> PersonData | None:
    person = repo.get("person", person_id)
    if person is None:
        return None
    snap = repo.snapshot(person_id)
    every = sorted(snap.get("employment", []), key=lambda c: (str(c.get("begin_date") or ""), str(c["id"])))
    cards = [c for c in every if org_inn is None or c.get("org_inn") == org_inn]
    qual = {name: snap.get(name, []) for name in QUALIFICATION}
    ids = [person_id, *(r["id"] for rows in snap.values() for r in rows)]
    t = Audit.__table__  # type: ignore[attr-defined]
    history: list[dict[str, Any]] = []
    with repo.vault.read() as conn:
        for k in range(0, len(ids), 500):
            q = select(t.c.ts, t.c.user, t.c.action, t.c.entity, t.c.entity_id, t.c.fields).where(
                t.c.entity_id.in_(ids[k:k + 500]))
            history.extend(dict(r) for r in conn.execute(q).mappings())
    for h in history:
        try:
            h["fields"] = [str(x) for x in json.loads(h["fields"] or "[]")]
        except ValueError:
            h["fields"] = []
    history.sort(key=lambda h: str(h["ts"]), reverse=True)
    requests = [r for r in snap.get("request", []) if org_inn is None or r.get("org_inn") == org_inn]
    from desktop.models.staff_link import is_linked

    with repo.vault.read() as conn:
        linked = is_linked(conn, person_id)
    return PersonData(person, cards, every, qual, seniority.compute(every), history, requests, linked)


def org_values(repo: RecordRepository, org_inn: str | None) -> OrgValues:
    with repo.vault.read() as conn:
        conn.exec_driver_sql("SELECT 1")
        raw: Any = conn.connection.dbapi_connection
        subs = staff_list.subdivisions(raw, org_inn)
        pos = staff_list.positions(raw, org_inn)
        orgs = get_organizations(conn)
    return OrgValues(subs, pos, orgs)


def save_person(repo: RecordRepository, person_id: str, values: dict[str, Any]) -> list[str]:
    from desktop.models.staff_link import is_linked, linked_read_only
    from desktop.models.validation import ValidationFailed

    with repo.vault.read() as conn:
        if is_linked(conn, person_id):
            raise ValidationFailed({"person": linked_read_only()})
    return repo.edit("person", person_id, values).changed


def save_card(repo: RecordRepository, person_id: str, card_id: str | None, values: dict[str, Any]) -> str:
    """Add (``card_id`` None) or change a card; returns its id."""
    if card_id is None:
        return staff.add_card(repo, person_id, values)
    staff.edit_card(repo, card_id, values)
    return card_id


def delete_card(repo: RecordRepository, card_id: str) -> None:
    repo.delete("employment", card_id)


def find_person(repo: RecordRepository, snils: str) -> dict[str, Any] | None:
    with repo.vault.read() as conn:
        return staff.find_by_snils(conn, snils)


def expiring(repo: RecordRepository, org_inn: str | None, days: int, today: dt.date | None = None,
             rule: Any = None) -> list[dict[str, Any]]:
    """«Сроки»: certificates, accreditations and categories of the staff that expire within
    ``days`` or have expired (within a year), soonest first."""
    day = today or dt.date.today()
    until = (day + dt.timedelta(days=days)).isoformat()
    since = (day - dt.timedelta(days=365)).isoformat()
    p = table("person")
    e = table("employment")
    out: list[dict[str, Any]] = []
    with repo.vault.read() as conn:
        scope = select(e.c.person_id)
        if org_inn is not None:
            scope = scope.where(e.c.org_inn == org_inn)
        for name, col in (("certificate", "valid_until"), ("accreditation", "valid_until"), ("category", "end_date")):
            t = table(name)
            q = select(t.c.id, t.c.person_id, t.c.specialty_code, t.c[col].label("until"), p.c.last_name,
                       p.c.first_name, p.c.patronymic, p.c.snils).join(p, p.c.id == t.c.person_id).where(
                t.c[col] <= until, t.c[col] >= since, t.c.person_id.in_(scope))
            for r in conn.execute(q).mappings():
                out.append({**dict(r), "entity": name})
    out.sort(key=lambda r: str(r["until"]))
    _nmo_shortfall(repo, out, rule, day)
    return out


def _nmo_shortfall(repo: RecordRepository, rows: list[dict[str, Any]], rule: Any, day: dt.date) -> None:
    """For an accreditation about to expire: the НМО credits its cycle still lacks (``nmo_missing``,
    a Decimal; 0 when the cycle's credits are there) — the periodic accreditation needs them."""
    from desktop.documents.nmo import cycle_totals

    persons = sorted({str(r["person_id"]) for r in rows if r["entity"] == "accreditation"})
    nmo, accr = table("nmo"), table("accreditation")
    by_person: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {p: ([], []) for p in persons}
    with repo.vault.read() as conn:
        for k in range(0, len(persons), 500):
            chunk = persons[k:k + 500]
            for got in conn.execute(select(nmo).where(nmo.c.person_id.in_(chunk))).mappings():
                by_person[str(got["person_id"])][0].append(dict(got))
            for got in conn.execute(select(accr).where(accr.c.person_id.in_(chunk))).mappings():
                by_person[str(got["person_id"])][1].append(dict(got))
    for row in rows:
        if row["entity"] == "accreditation":
            credits, accreditations = by_person[str(row["person_id"])]
            row["nmo_missing"] = cycle_totals(credits, accreditations, rule, day).missing_total


DEADLINE_HEADERS = (N_("ФИО"), N_("СНИЛС"), N_("Документ"), N_("Специальность"), N_("Действует до"), N_("Истёк"),
                    N_("Не хватает ЗЕТ НМО за цикл"))


def deadlines_xlsx(rows: list[dict[str, Any]], nsi: Any, today: dt.date | None = None) -> bytes:
    """«Сроки» as an .xlsx: typed cells (dates as dates), text safe from formula injection."""
    import io

    from openpyxl import Workbook

    from desktop.models.checkdigits import format_snils
    from desktop.models.schema import ENTITIES
    from desktop.models.textrules import spreadsheet_cell

    day = (today or dt.date.today()).isoformat()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Сроки")
    ws.append(list(DEADLINE_HEADERS))
    for r in rows:
        fio = " ".join(str(r[k]) for k in ("last_name", "first_name", "patronymic") if r.get(k))
        until = str(r["until"])
        ws.append([spreadsheet_cell(v) for v in (
            fio, format_snils(str(r["snils"])) if r.get("snils") else "", ENTITIES[r["entity"]].label,
            nsi.name("specialty", r.get("specialty_code")), dt.date.fromisoformat(until),
            "да" if until < day else "нет", float(r["nmo_missing"]) if "nmo_missing" in r else None)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


#: rows a printed list holds (a longer one is exported to Excel: a table of thousands of rows
#: laid out for paper stalls the window and is of no use on paper anyway)
PRINT_ROWS = 2000


def list_html(repo: RecordRepository, rowids: list[int], org_inn: str | None, columns: list[str],
              title: str) -> str:
    """The shown list (its first ``PRINT_ROWS`` rows, in its order, the shown columns) as HTML
    for printing. DB worker."""
    from html import escape

    from desktop.i18n import tr

    nsi = repo.nsi()
    with repo.vault.read() as conn:
        conn.exec_driver_sql("SELECT 1")
        raw: Any = conn.connection.dbapi_connection
        rows = staff_list.fetch_rows(raw, rowids[:PRINT_ROWS], org_inn)
    head = "".join(f"<th>{escape(tr(staff_list.COLUMNS[c]))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(staff_list.cell(rows[x], c, nsi))}</td>" for c in columns)
                   + "</tr>" for x in rowids[:PRINT_ROWS] if x in rows)
    more = (f"<p>{escape(tr('Напечатаны первые {n} строк из {total}: весь список — экспортом в Excel.'))}</p>"
            .format(n=PRINT_ROWS, total=len(rowids)) if len(rowids) > PRINT_ROWS else "")
    return (f"<h3>{escape(title)}</h3>{more}<table border='1' cellspacing='0' cellpadding='2' "
            f"style='font-size:8pt'><tr>{head}</tr>{body}</table>")
