"""The change feed: positions, cursors, pull and the convergence checksum.

Every written row gets a fresh position (``record.seq``) when its transaction commits.
Positions come from one counter row (``seq_counter``) whose row lock the taker holds until its
COMMIT is visible (PostgreSQL releases locks only after that). So a writer cannot take positions
while a previous taker is still uncommitted: positions become visible in increasing order with
no holes in what is visible, and a reader that has seen position N never later finds a committed
N-1 it skipped — "positions below the oldest still-open writer" is everything visible.

PostgreSQL: a deferred constraint trigger (migration 0003) takes the positions inside COMMIT, so
the lock is held only for the commit itself, never across a round trip to a busy application
process. SQLite: write transactions are serialized by BEGIN IMMEDIATE; positions are taken at
the end of the transaction from Python.

Pull returns current row states ordered by position: a row changed twice appears once, with
its latest version; deletes are tombstones that keep their position.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from desktop.models.schema import ENTITIES
from server import report_summary, staff
from server.auth.principal import Principal
from server.models import Record, ScopeExit, SeqCounter, StaffEntry
from server.policy import org_of_person_card, scope_clause
from server.problems import Problem

COUNTER = "feed"
#: rows of a page handed on at a time: the answer's compression of one piece overlaps the
#: database producing the next (server/coding.PageCoder)
PIECE_ROWS = 1000


def person_sort_name(d: dict[str, Any]) -> str | None:
    parts = [d.get("last_name"), d.get("first_name"), d.get("patronymic")]
    return " ".join(str(x) for x in parts if x).casefold()[:320] or None


def denormalize(rec: Record, person: Record | None = None) -> None:
    """Copy the values the server filters and sorts on into indexed columns.

    Employment rows also carry their person's name and СНИЛС, so the staff list of a large
    organization is one index range on the card rows, without sorting a join.
    """
    d = rec.data or {}
    if rec.entity in ("employment", "request"):
        rec.org_inn = d.get("org_inn")
    if rec.entity == "person":
        rec.sort_name = person_sort_name(d)
        rec.snils = d.get("snils")
    if rec.entity == "employment":
        rec.begin_date = d.get("begin_date")
        rec.status = d.get("status")
        if person is not None:
            rec.sort_name = person.sort_name
            rec.snils = person.snils


class Writer:
    """Collects the rows a transaction changed and stamps their feed positions at the end."""

    def __init__(self, s: Session, account_id: int | None) -> None:
        self.s = s
        self.account_id = account_id
        self.touched: dict[str, Record] = {}
        #: (person, organization) pairs where a live card was deleted or moved to another
        #: organization: the person may have left that organization's staff (checked in finish)
        self.left: set[tuple[str, str]] = set()
        #: (person, organization) pairs whose staff-list entry must be recomputed (server.staff)
        self.staff: set[tuple[str, str]] = set()

    def touch(self, rec: Record) -> None:
        person = None
        was_org = None
        was_staff = now_staff = None
        if rec.entity == "employment":
            person = self.touched.get(rec.person_id) or self.s.get(Record, rec.person_id)
            was_org = rec.org_inn  # the indexed copies still hold the values before this change
            was_staff = was_org if rec.status == "confirmed" and rec.seq is not None else None
        old = (rec.sort_name, rec.snils)
        denormalize(rec, person)
        if rec.entity == "employment":
            self.staff.update((rec.person_id, inn) for inn in (was_org, rec.org_inn) if inn)
            # An organization's scope over a person is a live confirmed card there
            # (docs/security.md): a card that stops being one may end it, a new one starts it.
            now_staff = rec.org_inn if rec.status == "confirmed" and not rec.deleted else None
            if was_staff and was_staff != now_staff:
                self.left.add((rec.person_id, was_staff))
        if rec.entity == "person" and (rec.sort_name, rec.snils) != old:
            # internal columns only: no new version or feed position for the cards
            self.s.execute(sa.update(Record).where(col(Record.person_id) == rec.id, col(Record.entity) == "employment")
                           .values(sort_name=rec.sort_name, snils=rec.snils))
            for other in self.touched.values():
                if other.entity == "employment" and other.person_id == rec.id:
                    other.sort_name, other.snils = rec.sort_name, rec.snils
            staff.rename(self.s, rec.id, rec.sort_name, rec.snils)
        rec.updated_at = time.time()
        rec.updated_by = self.account_id
        self.touched[rec.id] = rec
        self.s.add(rec)
        if now_staff and now_staff != was_staff:
            # the organization's readers have cursors past the person's rows: give them again
            self.reemit_person(rec.person_id)

    def reemit_person(self, person_id: str) -> None:
        """Give all rows of a person new positions (no new versions).

        Needed when a person becomes visible to more readers (a new employment card): their
        cursors are already past the person's rows, which they must still receive.
        """
        for rec in self.s.exec(select(Record).where(Record.person_id == person_id)).all():
            if rec.id not in self.touched:
                self.touched[rec.id] = rec
                self.s.add(rec)

    def finish(self) -> None:
        """Give the touched rows feed positions. Call it last in the transaction.

        PostgreSQL: the rows get ``seq`` NULL and the deferred trigger of migration 0003 stamps
        them inside COMMIT. SQLite: positions are taken here (writers are serialized anyway).
        """
        if not self.touched:
            return
        recs = list(self.touched.values())
        self.touched.clear()
        left = sorted(self.left)
        self.left.clear()
        pairs = sorted(self.staff)
        self.staff.clear()
        pg = self.s.get_bind().dialect.name == "postgresql"
        if pg:
            for rec in recs:
                if rec.seq is not None:
                    rec.seq = None  # an UPDATE OF seq to NULL queues the trigger
                    self.s.add(rec)
            self.s.flush()
        else:
            # SQLite: writers are serialized (BEGIN IMMEDIATE), so the positions can be taken before
            # the rows are written and the rows go out in one flush instead of INSERT, then UPDATE seq.
            first = self._positions(len(recs))
            for i, rec in enumerate(recs):
                rec.seq = first + i
            self.s.flush()
        # the organization report's summaries (issue 15), under the same person locks
        docs = report_summary.summed_persons(recs)
        if pairs or left or docs:
            if pg:
                # Two transactions changing cards of one person would each see the other's
                # change as not yet made (READ COMMITTED): the second would miss the scope exit
                # or write a staff entry without the first's card. The person's row lock orders
                # them, and the second re-reads after the first commits.
                pids = sorted({pid for pid, _ in pairs} | {pid for pid, _ in left} | docs)
                self.s.execute(sa.select(col(Record.id)).where(col(Record.id).in_(pids))
                               .order_by(col(Record.id)).with_for_update())
            staff.refresh(self.s, pairs)
        report_summary.upkeep(self.s, recs)
        if left:
            self._scope_exits(left, pg)

    def _positions(self, n: int) -> int:
        """SQLite: take n positions from the counter; the first of them."""
        with self.s.no_autoflush:
            end = int(self.s.execute(
                sa.update(SeqCounter).where(col(SeqCounter.name) == COUNTER)
                .values(value=col(SeqCounter.value) + n).returning(col(SeqCounter.value))
            ).scalar_one())
        return end - n + 1

    def _scope_exits(self, left: list[tuple[str, str]], pg: bool) -> None:
        """Feed entries for the (person, organization) pairs where no live card remains."""
        pids = sorted({pid for pid, _ in left})
        live = set(self.s.execute(
            sa.select(col(Record.person_id), col(Record.org_inn)).where(
                col(Record.entity) == "employment", col(Record.deleted) == sa.false(),
                col(Record.status) == "confirmed", col(Record.person_id).in_(pids))).all())
        gone = [(pid, inn) for pid, inn in left if (pid, inn) not in live]
        if not gone:
            return
        now = time.time()
        first = 0 if pg else self._positions(len(gone))
        # PostgreSQL: seq NULL, stamped at COMMIT by the trigger of migration 0004
        self.s.execute(sa.insert(ScopeExit), [
            {"seq": None if pg else first + i, "person_id": pid, "org_inn": inn, "created_at": now}
            for i, (pid, inn) in enumerate(gone)])


# -- cursors -----------------------------------------------------------------------------------

def encode_cursor(key: bytes, seq: int) -> str:
    body = base64.urlsafe_b64encode(str(seq).encode()).rstrip(b"=").decode()
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:20]
    return f"c1.{body}.{mac}"


def decode_cursor(key: bytes, cursor: str) -> int:
    if not cursor:
        return 0
    bad = Problem(400, "Неверный курсор синхронизации: начните синхронизацию заново с пустым курсором.",
                  errors={"cursor": "курсор выдан не этим сервером или повреждён"})
    parts = cursor.split(".")
    if len(parts) != 3 or parts[0] != "c1" or len(cursor) > 100:
        raise bad
    _, body, mac = parts
    good = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:20]
    if not hmac.compare_digest(mac, good):
        raise bad
    try:
        seq = int(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad from exc
    if seq < 0:
        raise bad
    return seq


_DATA_TEXT = sa.cast(col(Record.data), sa.Text)
_Card = aliased(Record)


def _quoted(dialect: str, column: Any) -> Any:
    """A text column as a JSON string literal, quoted by the database (ids are UUIDs and entity
    names plain words, but the page must stay valid JSON whatever a row holds)."""
    if dialect == "postgresql":
        return sa.cast(sa.func.to_json(column), sa.Text)
    return sa.func.json_quote(column)


def _joined(*parts: Any) -> Any:
    """SQL ``a || b || …`` (SQLite before 3.44 has no concat()); the parts are never NULL."""
    out: Any = None
    for part in parts:
        term = sa.literal(part, sa.Text) if isinstance(part, str) else part
        out = term if out is None else out.op("||")(term)
    return out


def _change_text(dialect: str) -> Any:
    """The whole change object of a record, as JSON text built by the database: Python then only
    joins the texts (building them in Python was a quarter of the server's time of a first sync)."""
    deleted = sa.case((col(Record.deleted) == sa.true(), "true"), else_="false")
    row = sa.case((col(Record.deleted) == sa.true(), "null"), else_=sa.func.coalesce(_DATA_TEXT, "null"))
    return _joined('{"entity":', _quoted(dialect, col(Record.entity)), ',"id":', _quoted(dialect, col(Record.id)),
                   ',"person_id":', _quoted(dialect, col(Record.person_id)),
                   ',"version":', sa.cast(col(Record.version), sa.Text), ',"deleted":', deleted, ',"row":', row, "}")


def _exit_text(dialect: str) -> Any:
    pid = _quoted(dialect, col(ScopeExit.person_id))
    return _joined('{"entity":"person","id":', pid, ',"person_id":', pid,
                   ',"version":null,"deleted":true,"row":null,"scope_exit":true}')


def _utf8(dialect: str, text: Any) -> Any:
    """The change's JSON handed over as UTF-8 bytes, the page's own encoding: as text the driver
    would decode every change into a Python string only for the page to encode it back (a fifth
    of the feed's time on a first sync)."""
    if dialect == "postgresql":
        return sa.func.convert_to(text, "UTF8")  # bytea
    return sa.cast(text, sa.LargeBinary)  # SQLite: CAST AS BLOB keeps the bytes as stored


def _feed_scope(p: Principal) -> Any:
    """What the caller may read, for walking the feed by position.

    For an organization's clerk the same rule as :func:`server.policy.scope_clause` — a person
    with a live confirmed card in the organization, or a row the organization wrote — but the
    persons come from the staff list summary (``staff_entry``, kept by this module's writer in
    the transaction that changes a card): its ``statuses`` frame holds ``confirmed`` exactly when
    one of the person's live cards there is. Collecting them from the cards instead read
    100,000 card rows for every page of a large organization's feed (most of the page's time).

    Asked row by row (EXISTS on the entry's primary key, organization and person), not as
    ``person_id IN (the organization's staff)``: that list is built again by every statement —
    20,000 persons of a large organization for each 5,000-row page, a fifth of the feed's time —
    while the feed walks the position index and looks each row's person up once. Whichever way
    it is asked, the position index stays the one walked (the planner sees no person index
    condition on the record itself)."""
    if p.role not in ("hr", "manager") or not p.org_inns:
        return scope_clause(p, feed_order=True)
    on_staff = sa.exists(sa.select(sa.literal(1)).select_from(StaffEntry).where(
        col(StaffEntry.org_inn).in_(p.org_inns), col(StaffEntry.person_id) == col(Record.person_id),
        col(StaffEntry.statuses).like("%,confirmed,%")))
    authored: Any = sa.func.coalesce(col(Record.author_org), "")
    others_request = sa.and_(col(Record.entity) == "request",
                             ~sa.func.coalesce(col(Record.org_inn), "").in_(p.org_inns))
    return sa.and_(sa.or_(on_staff, authored.in_(p.org_inns)), ~others_request)


def pull_query(p: Principal, dialect: str = "sqlite") -> Any:
    """Core query of one feed page, with the bound parameters ``after`` (the cursor's position)
    and ``limit`` (rows wanted, plus one to know whether more follow). Each change comes out of
    the database as its JSON, UTF-8 (its row being the stored JSON as it is), so a 5,000-row page
    is neither parsed nor re-encoded here. Rows: ``(seq, change)``.

    Readers scoped by organization also get the scope exits of their organizations for persons
    they no longer see. One statement for both, so both parts come from one snapshot: with two
    statements a late commit could fall between them and be skipped (the feed is gap-free).
    Each part walks its position index in order, so the database merges the two as they come
    (SQLite: MERGE (UNION ALL)); wrapped in subqueries with their own LIMIT, SQLite sorted both
    parts again in temporary b-trees, changes' text included (a sixth of the page's time)."""
    after = sa.bindparam("after", type_=sa.Integer)
    limit = sa.bindparam("limit", type_=sa.Integer)
    records: Any = (sa.select(col(Record.seq).label("seq"), _utf8(dialect, _change_text(dialect)).label("change"))
                    .where(col(Record.seq) > after, _feed_scope(p)))
    if p.role not in ("hr", "manager") or not p.org_inns:
        return records.order_by(col(Record.seq)).limit(limit)
    pid = col(ScopeExit.person_id)
    exits: Any = (
        sa.select(col(ScopeExit.seq).label("seq"), _utf8(dialect, _exit_text(dialect)).label("change"))
        .where(col(ScopeExit.seq) > after, col(ScopeExit.org_inn).in_(p.org_inns),
               ~sa.exists(sa.select(col(_Card.id)).where(
                   col(_Card.person_id) == pid, col(_Card.entity) == "employment",
                   col(_Card.deleted) == sa.false(), col(_Card.status) == "confirmed",
                   org_of_person_card(col(_Card.org_inn)).in_(p.org_inns))))
    )
    if dialect == "postgresql":
        # PostgreSQL takes each part's own ORDER BY … LIMIT (a Merge Append of two index scans)
        records = records.order_by(col(Record.seq)).limit(limit)
        exits = exits.order_by(col(ScopeExit.seq)).limit(limit)
    return sa.union_all(records, exits).order_by(sa.literal_column("seq")).limit(limit)


@functools.lru_cache(maxsize=512)
def _page_statement(dialect: str, role: str, person_id: str | None, org_inns: tuple[str, ...]) -> Any:
    """The page query of one kind of reader, built once: building the expression cost 4 ms a
    page, for a statement that differs only in who reads (what :func:`_feed_scope` looks at)."""
    return pull_query(Principal(account_id=0, login="", role=role, person_id=person_id, org_inns=org_inns), dialect)


def pull_pieces(conn: Session | sa.Connection, p: Principal, after: int, limit: int) -> Iterator[Sequence[Any]]:
    """A page's rows ``(seq, change)`` — the change's JSON as UTF-8 bytes — in feed order, in
    pieces of :data:`PIECE_ROWS` as the database produces them; ``limit + 1`` rows at most (the
    one past the limit says that more follow)."""
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    stmt = _page_statement(dialect, p.role, p.person_id, tuple(p.org_inns))
    yield from conn.execute(stmt, {"after": after, "limit": limit + 1}).partitions(PIECE_ROWS)


def pull(conn: Session | sa.Connection, p: Principal, after: int, limit: int) -> tuple[list[Any], int, bool]:
    """One page whole: rows ``(seq, change)``, the last position, and whether more follow."""
    rows = [row for piece in pull_pieces(conn, p, after, limit) for row in piece]
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = int(rows[-1][0]) if rows else after
    return rows, last, has_more


def write_page(conn: Session | sa.Connection, p: Principal, after: int, limit: int,
               emit: Callable[[bytes], None]) -> tuple[int, int, bool]:
    """Hands the pull answer's head and its changes to ``emit`` piece by piece, as the database
    produces them (the answer is compressed meanwhile: server.coding.PageCoder); the caller
    emits :func:`encode_tail` last. Returns the changes written, the last position, and
    whether more follow."""
    emit(b'{"changes":[')
    n, last, more = 0, after, False
    for piece in pull_pieces(conn, p, after, limit):
        if n + len(piece) > limit:
            piece, more = piece[:limit - n], True
        if not piece:
            continue
        emit((b"," if n else b"") + b",".join([bytes(row[1]) for row in piece]))
        n += len(piece)
        last = int(piece[-1][0])
    return n, last, more


def _q(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def remaining(conn: Session | sa.Connection, p: Principal, after: int) -> int:
    """How many changes the caller's feed holds after position ``after`` (rows and exits): the
    client's time-left estimate. One count, asked for once per pull (docs/sync-protocol.md)."""
    n = int(conn.execute(sa.select(sa.func.count()).select_from(Record)
                         .where(col(Record.seq) > after, _feed_scope(p))).scalar_one())
    if p.role in ("hr", "manager") and p.org_inns:
        # exits are few; counting the ones the reader may no longer get shown is close enough
        n += int(conn.execute(sa.select(sa.func.count()).select_from(ScopeExit).where(
            col(ScopeExit.seq) > after, col(ScopeExit.org_inn).in_(p.org_inns))).scalar_one())
    return n


def encode_tail(cursor: str, has_more: bool, left: int | None = None) -> bytes:
    """What follows a pull answer's changes: the cursor, has_more and, when asked, remaining."""
    count = "" if left is None else f',"remaining":{int(left)}'
    return f'],"cursor":{_q(cursor)},"has_more":{"true" if has_more else "false"}{count}}}'.encode()


def state(s: Session, p: Principal) -> dict[str, Any]:
    found: dict[str, list[str]] = {name: [] for name in ENTITIES}
    q = select(Record.entity, Record.id, Record.version).where(Record.deleted == sa.false(), scope_clause(p))
    for ent, rid, ver in s.exec(q).all():
        found.setdefault(ent, []).append(f"{rid}:{ver}\n")
    return {"entities": {
        ent: {"count": len(lines), "checksum": hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()}
        for ent, lines in found.items()
    }}
