"""The staff-list summary (``staff_entry``): one row per person and organization, from their live cards.

The writer (server.feed.Writer) calls ``refresh`` at the end of every transaction that changed an
employment card, for the persons and organizations concerned, after the changes are flushed.
``rebuild`` recomputes everything (migration backfill, bulk-loaded benchmark data).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from server.models import Record, StaffEntry
from server.policy import org_of_person_card


def _frame(values: Iterable[Any]) -> str:
    return "," + "".join(f"{v}," for v in sorted({str(v) for v in values if v not in (None, "")}))


def summarise(cards: Iterable[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(org_inn, person_id) -> staff_entry row, from live card rows (.person_id .org_inn .sort_name
    .snils .begin_date .data)."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for c in cards:
        if c.org_inn:
            groups.setdefault((c.org_inn, c.person_id), []).append(c)
    out = {}
    for (inn, pid), cs in groups.items():
        begins = [c.begin_date for c in cs if c.begin_date]
        out[(inn, pid)] = {
            "org_inn": inn, "person_id": pid, "sort_name": cs[0].sort_name, "snils": cs[0].snils,
            "begin_date": min(begins) if begins else None,
            "active": any(not (c.data or {}).get("end_date") for c in cs), "cards": len(cs),
            "positions": _frame((c.data or {}).get("position_code") for c in cs)[:400],
            "statuses": _frame((c.data or {}).get("status") for c in cs)[:100],
        }
    return out


_CARD_COLUMNS = (col(Record.person_id), col(Record.org_inn), col(Record.sort_name), col(Record.snils),
                 col(Record.begin_date), col(Record.data))
#: the organization's own cards: confirmed, or written by the organization itself. A card a worker
#: filed "in" an organization is not on its staff list until the organization accepts it
#: (docs/security.md), else anyone could place themselves on any staff list.
def org_card(table: Any = Record) -> Any:
    """The card is its organization's own: confirmed, or written by the organization itself."""
    return sa.or_(table.status == "confirmed", table.author_org == table.org_inn)


_LIVE_CARD = (col(Record.entity) == "employment", col(Record.deleted) == sa.false(), org_card())


def refresh(s: Session | Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Recompute the entries of these (person_id, org_inn) pairs from the cards as the transaction sees them.

    On PostgreSQL the caller holds the persons' row locks: two transactions changing cards of one
    person then recompute one after the other, the second seeing the first's committed cards."""
    pairs = set(pairs)
    if not pairs:
        return
    pids = sorted({pid for pid, _ in pairs})
    orgs = sorted({inn for _, inn in pairs})
    cards = s.execute(sa.select(*_CARD_COLUMNS).where(*_LIVE_CARD, col(Record.person_id).in_(pids),
                                                      org_of_person_card(col(Record.org_inn)).in_(orgs))).all()
    rows = [r for key, r in summarise(cards).items() if (key[1], key[0]) in pairs]
    s.execute(sa.delete(StaffEntry).where(
        sa.tuple_(col(StaffEntry.person_id), col(StaffEntry.org_inn)).in_(sorted(pairs))))
    if rows:
        s.execute(sa.insert(StaffEntry), rows)


def rename(s: Session | Connection, person_id: str, sort_name: str | None, snils: str | None) -> None:
    s.execute(sa.update(StaffEntry).where(col(StaffEntry.person_id) == person_id)
              .values(sort_name=sort_name, snils=snils))


def rebuild(conn: Connection, org_inn: str | None = None, chunk: int = 20000) -> int:
    """Recompute the whole table (or one organization's part); returns the number of entries."""
    where: list[Any] = list(_LIVE_CARD)
    if org_inn is not None:
        where.append(col(Record.org_inn) == org_inn)
        conn.execute(sa.delete(StaffEntry).where(col(StaffEntry.org_inn) == org_inn))
    else:
        conn.execute(sa.delete(StaffEntry))
    cards = conn.execute(sa.select(*_CARD_COLUMNS).where(*where).order_by(col(Record.person_id))).all()
    rows = list(summarise(cards).values())
    for i in range(0, len(rows), chunk):
        conn.execute(sa.insert(StaffEntry), rows[i:i + chunk])
    return len(rows)
