"""Pull: the feed applied in order, each group of pages with its last cursor in one transaction.

Rows that carry a person's work (pending or rejected edits, undecided conflict fields) are
rebased, never overwritten: the fields the person didn't touch take the server's values, and
the server's version is noted aside in ``sync_row`` (the local one stays the edits' base).

A fetcher thread requests the pages one after another and turns each into ready-to-insert
tuples, staying at most ``commit_rows`` rows ahead; the calling thread writes whatever has
arrived in one transaction. So the server never waits for our disk and we never wait for the
server while there is something to write; when we are the slower side, pages pile up and are
written in bigger transactions, which costs SQLCipher less per row.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from desktop.models.repository import get_meta, set_meta, table
from desktop.models.schema import ENTITIES, entity
from desktop.sync import decisions
from desktop.sync.api import Api, BadAnswer, ServerProblem
from desktop.sync.auth import CURSOR_KEY
from desktop.sync.core import EngineCore, log
from desktop.sync.report import Transfer, now_iso
from desktop.sync.tables import SYNC_ROW
from desktop.sync.wire import Change, russian_errors

#: what an entity's row looks like in the upsert: id, person_id, version, updated_at, fields…
_COLUMNS = {name: ", ".join(("id", "person_id", "version", "updated_at", *spec.names))
            for name, spec in ENTITIES.items()}
#: Pulled rows go first into a temporary table (in memory: the vault's temp_store), then into
#: the record table with ONE statement. Written straight with executemany, every row is a
#: statement of its own, and at each statement's end FTS5 writes what the search index's
#: trigger gave it as a new segment (then merges them): for the trigram index of a first HR sync
#: that was three quarters of the vault's time (24,000 rows: 3.5 s straight, 1.5 s staged).
def _stage_sql(name: str, cols: str) -> tuple[str, str, str, str]:
    # the columns in the name: a connection that outlived a schema change makes a new table
    stage = f"temp.sync_stage_{name}_{zlib.crc32(cols.encode()):08x}"
    marks = ", ".join("?" * (4 + len(ENTITIES[name].names)))
    return (f"CREATE TABLE IF NOT EXISTS {stage} AS SELECT {cols} FROM rec_{name} WHERE 0",
            f"INSERT INTO {stage} ({cols}) VALUES ({marks})",
            f"INSERT OR REPLACE INTO rec_{name} ({cols}) SELECT {cols} FROM {stage} ORDER BY rowid",
            f"DELETE FROM {stage}")


_STAGE_SQL = {name: _stage_sql(name, cols) for name, cols in _COLUMNS.items()}
#: A group of pulled rows this large is written with a page cache of BIG_CACHE_KIB. Rows with
#: random UUID keys land all over each of a record table's fifteen-odd indexes: with SQLite's
#: default 2 MB cache most of those pages were read (and decrypted) again and again, and spilled
#: (encrypted) before the commit. 64 MB holds them for a first HR sync (120,000 rows: 30 % less
#: of the vault's CPU); it lasts for the pull only, and only a large one.
BIG_GROUP_ROWS = 2000
BIG_CACHE_KIB = 64 * 1024
#: SQLite's own default (the vault sets none)
DEFAULT_CACHE_KIB = 2000
_NOTE_SQL = "INSERT OR REPLACE INTO sync_row (id, entity, person_id, version, deleted) VALUES (?, ?, ?, ?, ?)"
_NAMES = {name: spec.names for name, spec in ENTITIES.items()}


@dataclass
class _Segment:
    """Changes of one page up to (and including) a scope exit, grouped for executemany."""

    #: entity -> (id, person_id, version, updated_at, *fields) in feed order
    upserts: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    #: entity -> (id, person_id, version) of tombstones
    deletes: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    #: ids of live rows (a re-pull drops what it didn't see)
    seen: list[str] = field(default_factory=list)
    #: the person that left the scope after these changes
    scope_exit: str | None = None


@dataclass
class _Page:
    cursor: str
    changes: int
    segments: list[_Segment]
    #: the feed's last page (the server said ``has_more: false``)
    last: bool = False


def _prepare(raw: dict[str, Any], only: set[str] | None, stamp: str) -> _Page:
    """A decoded pull page -> tuples ready for the driver. Runs on the fetcher thread.

    Server rows are canonical already (the server validated them with the same module), so
    their values are not re-validated; each change is checked against the wire contract
    (``Change``: an object with a string id, an integer version, a row object …) — a change that
    is not is a :class:`BadAnswer` with a Russian message and nothing of the page is written. A
    change of an unknown entity (a newer server) is skipped."""
    seg = _Segment()
    segments = [seg]
    check = Change.model_validate
    for n, ch in enumerate(raw["changes"]):
        try:
            check(ch)  # the wire contract (desktop/sync/wire.py), one change at a time
        except ValidationError as exc:
            places = "; ".join(f"{k}: {v}" for k, v in russian_errors(exc, 3).items())
            raise BadAnswer(f"Ответ сервера на получение изменений не соответствует протоколу "
                            f"(изменение № {n + 1}: {places})") from None
        ent, rid = ch["entity"], ch["id"]
        if ent not in ENTITIES or (only and ent not in only):
            continue  # an entity this client doesn't know yet: skip, never fail the page
        if ch.get("scope_exit") is True:
            if only is None:  # a re-pull drops what it didn't see, after the last page
                seg.scope_exit = str(ch.get("person_id") or rid)
                seg = _Segment()
                segments.append(seg)
            continue
        version = int(ch.get("version") or 0)
        pid = str(ch.get("person_id") or rid)
        row = ch.get("row")
        if not isinstance(row, dict) or ch.get("deleted"):
            seg.deletes.setdefault(ent, []).append((rid, pid, version))
            continue
        seg.upserts.setdefault(ent, []).append((rid, pid, version, stamp, *map(row.get, _NAMES[ent])))
        if only is not None:
            seg.seen.append(rid)
    return _Page(str(raw["cursor"]), len(raw["changes"]), segments, last=not raw.get("has_more"))


class _Fetcher:
    """Requests pages one after another on its own thread, at most ``ahead`` pages ahead of
    the writer. Puts ``_Page``s, then ``None`` at the end of the feed, or the exception that
    stopped it."""

    def __init__(self, engine: EngineCore, api: Api, cursor: str, only: set[str] | None, ahead: int) -> None:
        self.engine, self.api, self.cursor, self.only = engine, api, cursor, only
        self.out: queue.Queue[_Page | BaseException | None] = queue.Queue(maxsize=max(1, ahead))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="frmr-pull", daemon=True)
        #: rows received so far, and the feed's rows when the pull started (once the server said)
        self.received = 0
        self.total: int | None = None
        self.t0 = time.monotonic()
        self.bytes0 = engine.meter.received
        self.plain0 = engine.meter.plain

    def transfer(self) -> Transfer:
        m, secs = self.engine.meter, time.monotonic() - self.t0
        eta = None
        if self.total is not None and self.received and secs > 0:
            eta = max(0, self.total - self.received) * secs / self.received
        return Transfer(rows=self.received, rows_total=self.total, wire_bytes=m.received - self.bytes0,
                        plain_bytes=m.plain - self.plain0, seconds=round(secs, 3), eta=eta)

    def _report_transfer(self) -> None:
        hook = self.engine.on_transfer
        if hook is not None:
            hook(self.transfer())

    def start(self) -> _Fetcher:
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        while self.thread.is_alive():  # unblock a put() waiting for room
            try:
                self.out.get(timeout=0.05)
            except queue.Empty:
                pass
        self.thread.join()

    def _put(self, item: _Page | BaseException | None) -> bool:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        eng, cursor, reset_once = self.engine, self.cursor, False
        first = True
        try:
            while not self.stop.is_set():
                try:
                    # The second page asks for the count of what is left (for the time-left
                    # estimate): a feed of one page — most syncs — never costs the server a count.
                    raw = eng._call(self.api.pull, cursor, eng.page_limit, not first and self.total is None)
                except ServerProblem as exc:
                    if exc.status == 400 and "cursor" in exc.errors and not reset_once and cursor:
                        # Not this server's cursor (a restored server, another instance): start
                        # the feed again. Local work is protected by the same rules as any pull.
                        reset_once, cursor = True, ""
                        eng._feed_restarted = True
                        continue
                    raise
                page = _prepare(raw, self.only, now_iso())
                first = False
                self.received += page.changes
                if isinstance(raw.get("remaining"), int) and self.total is None:
                    self.total = self.received + int(raw["remaining"])
                self._report_transfer()
                if not self._put(page):
                    return
                if not raw.get("has_more"):
                    if self.only is None:
                        eng._state_soon()
                    self._put(None)
                    return
                cursor = page.cursor
        except BaseException as exc:  # handed to the writer, which raises it in its thread
            self._put(exc)


def _drop_echoes(conn: Connection, upserts: dict[str, list[tuple[Any, ...]]], overridden: set[str],
                 fresh: frozenset[str] = frozenset()) -> tuple[dict[str, list[tuple[Any, ...]]], int]:
    """The upserts without the changes the vault already holds: a row whose version here is
    not below the change's and whose person and fields equal it — above all the echo of our
    own pushed edit, whose version the push stored on the row (push.py ``_acknowledge``), and
    rows a re-pull re-announces unchanged. Such a row is not written again, so its
    ``updated_at`` stays and the lists see no change. A different value is written whatever
    the versions say. Only plain rows come here (no local work, no ``sync_row`` note).

    ``fresh``: entities whose table was empty when the pull began (a first sync): what they
    hold came from this pull, so there is nothing to look up — a row the feed brings twice is
    just written twice (a first HR sync asked 240 lookups of 500 ids for nothing)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    echoes = 0
    for ent, rows in upserts.items():
        if not rows:
            continue
        if ent in fresh:
            out[ent] = rows
            continue
        cols = ", ".join(("id", "person_id", "version", *_NAMES[ent]))
        held: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(rows), 500):
            ids = [tup[0] for tup in rows[i:i + 500]]
            held.update((r[0], tuple(r)) for r in conn.exec_driver_sql(
                f"SELECT {cols} FROM rec_{ent} WHERE id IN ({', '.join('?' * len(ids))})", tuple(ids)))
        if not held:
            out[ent] = rows
            continue
        keep = []
        for tup in rows:
            here = held.get(tup[0])
            if (here is not None and here[2] >= tup[2] and here[1] == tup[1] and here[3:] == tup[4:]
                    and tup[0] not in overridden):
                echoes += 1
                continue
            keep.append(tup)
        out[ent] = keep
    return out, echoes


class PullMixin(EngineCore):
    # -- pull ----------------------------------------------------------------------------------
    def _pull(self, only: set[str] | None = None) -> None:
        """Apply the feed. ``only`` set: a targeted re-pull of those entities from the start."""
        with self.vault.read() as conn:
            cursor = "" if only else (get_meta(conn, CURSOR_KEY) or "")
            fresh = frozenset() if cursor or only else frozenset(
                ent for ent in ENTITIES if conn.exec_driver_sql(f"SELECT 1 FROM rec_{ent} LIMIT 1").first() is None)
        seen: set[str] = set()
        pulled = 0
        big = False  # the last group written left its connection with the big page cache
        ahead = max(2, -(-self.commit_rows // max(1, self.page_limit)))
        fetcher = _Fetcher(self, self._api_(), cursor, only, ahead).start()
        try:
            done = False
            while not done:
                # At least half of commit_rows (or the rest of the feed), then whatever else
                # has arrived, up to commit_rows: the fetcher keeps going meanwhile, so waiting
                # for the second half page costs no server time, and a commit per 10,000+ rows
                # instead of per page saves SQLCipher a good part of its index rewrites.
                group: list[_Page] = []
                rows = 0
                failure: BaseException | None = None
                while True:
                    try:
                        item = fetcher.out.get(block=rows < self.commit_rows // 2)
                    except queue.Empty:
                        break
                    if item is None:
                        done = True
                        break
                    if isinstance(item, BaseException):
                        failure = item
                        break
                    group.append(item)
                    rows += item.changes
                    if rows >= self.commit_rows:
                        break
                if group:
                    # What did arrive is kept even when the next page failed: the next sync
                    # goes on from there instead of fetching it again.
                    tally: dict[str, int] = self._write(functools.partial(
                        self._apply_group, pages=group, only=only, seen=seen, rows=rows,
                        last=group[-1].last or failure is not None, fresh=fresh))
                    big = (big or rows >= BIG_GROUP_ROWS) and not group[-1].last and failure is None
                    pulled += rows
                    self._report.pulled += rows
                    self._report.echoes += tally.pop("", 0)
                    for ent, n in tally.items():
                        self._report.changed[ent] = self._report.changed.get(ent, 0) + n
                    self.progress("repull" if only else "pull", pulled, fetcher.total)
                if failure is not None:
                    raise failure
        except BaseException:
            self.cancel_event.set()  # stop the fetcher's retries now, not after its backoff
            if big:  # stopped between groups: the cache of the last one written goes back too
                with contextlib.suppress(Exception):
                    self._write(lambda conn: conn.exec_driver_sql(f"PRAGMA cache_size = {-DEFAULT_CACHE_KIB}"))
            raise
        finally:
            fetcher.close()
        if only:
            self._write(lambda conn: self._drop_vanished(conn, only, seen))

    def _apply_group(self, conn: Connection, pages: list[_Page], only: set[str] | None, seen: set[str],
                     rows: int, last: bool, fresh: frozenset[str] = frozenset()) -> dict[str, int]:
        """:meth:`_apply_pages` with a page cache big enough for a large group (see
        :data:`BIG_CACHE_KIB`), given back with the pull's last group (or a failed one)."""
        big = rows >= BIG_GROUP_ROWS
        if big:
            conn.exec_driver_sql(f"PRAGMA cache_size = {-BIG_CACHE_KIB}")
        written = False
        try:
            tally = self._apply_pages(conn, pages, only, seen, fresh)
            written = True
            return tally
        finally:
            if last or (big and not written):
                # the connection goes back to the pool: the cache shrinks back, its pages freed
                conn.exec_driver_sql(f"PRAGMA cache_size = {-DEFAULT_CACHE_KIB}")

    def _apply_pages(self, conn: Connection, pages: list[_Page], only: set[str] | None,
                     seen: set[str], fresh: frozenset[str] = frozenset()) -> dict[str, int]:
        """Write prepared pages in feed order, and the last one's cursor, in this transaction.
        Returns entity -> rows written (upserted, deleted or rebased), and under ``""`` how
        many changes were left alone as already held (see ``_drop_echoes``)."""
        protected = decisions.protected_fields(conn)
        overridden = {r for (r,) in conn.exec_driver_sql("SELECT id FROM sync_row")}
        tally: dict[str, int] = {}
        for page in pages:
            for seg in page.segments:
                self._apply_segment(conn, seg, protected, overridden, tally, fresh)
                seen.update(seg.seen)
                if seg.scope_exit is not None:
                    self._leave_scope(conn, seg.scope_exit, protected)
        if only is None and pages:
            set_meta(conn, CURSOR_KEY, pages[-1].cursor)
        return tally

    def _apply_segment(self, conn: Connection, seg: _Segment, protected: dict[str, set[str] | None],
                       overridden: set[str], tally: dict[str, int], fresh: frozenset[str] = frozenset()) -> None:
        shadow: list[tuple[Any, ...]] = []
        stale: list[str] = []
        merges: list[tuple[str, str, int, dict[str, Any] | None, set[str] | None]] = []
        upserts = seg.upserts
        deletes: dict[str, list[str]] = {ent: [d[0] for d in ds] for ent, ds in seg.deletes.items()}
        if protected or overridden:
            # Rows with local work are rebased (the slow path, a handful of rows); rows whose
            # server version was noted aside are now plainly the server's: the note goes.
            upserts = {}
            for ent, rows in seg.upserts.items():
                plain = upserts.setdefault(ent, [])
                for tup in rows:
                    rid = tup[0]
                    if rid in protected:
                        shadow.append((rid, ent, tup[1], tup[2], 0))
                        merges.append((ent, rid, tup[2], dict(zip(_NAMES[ent], tup[4:], strict=True)),
                                       protected[rid]))
                        continue
                    if rid in overridden:
                        stale.append(rid)
                    plain.append(tup)
            deletes = {}
            for ent, dels in seg.deletes.items():
                ids = deletes.setdefault(ent, [])
                for rid, pid, version in dels:
                    if rid in protected:
                        # A tombstone leaves the local row alone — the pending edits meet it
                        # on push and become a conflict.
                        shadow.append((rid, ent, pid, version, 1))
                        merges.append((ent, rid, version, None, protected[rid]))
                        continue
                    if rid in overridden:
                        stale.append(rid)
                    ids.append(rid)
        upserts, echoes = _drop_echoes(conn, upserts, overridden, fresh)
        tally[""] = tally.get("", 0) + echoes
        for ent, n in [*((e, len(r)) for e, r in upserts.items()), *((e, len(i)) for e, i in deletes.items()),
                       *((m[0], 1) for m in merges)]:
            if n:
                tally[ent] = tally.get(ent, 0) + n
        # Straight to the driver: for a first sync of 100,000 rows SQLAlchemy's per-row
        # parameter processing would cost more than SQLCipher's own work.
        for i in range(0, len(stale), 500):
            conn.execute(SYNC_ROW.delete().where(SYNC_ROW.c.id.in_(stale[i:i + 500])))
        if shadow:
            conn.exec_driver_sql(_NOTE_SQL, shadow)  # type: ignore[arg-type]
        for ent, rows in upserts.items():
            if rows:
                create, stage, upsert, clear = _STAGE_SQL[ent]
                conn.exec_driver_sql(create)
                conn.exec_driver_sql(stage, rows)  # type: ignore[arg-type]
                conn.exec_driver_sql(upsert)  # in feed order: a row met twice ends as its later state
                conn.exec_driver_sql(clear)
        for ent, ids in deletes.items():
            t = table(ent)
            for i in range(0, len(ids), 500):
                conn.execute(t.delete().where(t.c.id.in_(ids[i:i + 500])))
        stamp = now_iso()
        for ent, rid, version, row, prot in merges:
            self._merge(conn, ent, rid, version, row, prot, stamp)

    def _leave_scope(self, conn: Connection, person_id: str, protected: dict[str, set[str] | None]) -> None:
        """The server says this person left our scope (``scope_exit``): their rows go, except
        those carrying a person's work (a pending or rejected edit, an open conflict) — those
        stay until the server answered and the person decided, noted aside as gone from the
        server so the convergence check counts the server's view, not ours."""
        self._report.scope_exits += 1
        kept: list[tuple[Any, ...]] = []
        for ent in ENTITIES:
            t = table(ent)
            rows = conn.execute(select(t.c.id, t.c.version).where(t.c.person_id == person_id)).all()
            gone = [rid for rid, _v in rows if rid not in protected]
            kept.extend((rid, ent, person_id, version, 1) for rid, version in rows if rid in protected)
            for i in range(0, len(gone), 500):
                conn.execute(t.delete().where(t.c.id.in_(gone[i:i + 500])))
                conn.execute(SYNC_ROW.delete().where(SYNC_ROW.c.id.in_(gone[i:i + 500])))
        # Notes of rows not here (deleted locally, or taken «theirs» and awaiting a re-pull)
        # no longer stand for anything the server shows us.
        conn.execute(SYNC_ROW.update().where(SYNC_ROW.c.person_id == person_id).values(deleted=1))
        if kept:
            conn.exec_driver_sql(_NOTE_SQL, kept)  # type: ignore[arg-type]
        log.info("sync: person %s left the scope; %d row(s) with local work kept", person_id, len(kept))

    def _merge(self, conn: Connection, ent: str, rid: str, version: int, row: dict[str, Any] | None,
               prot: set[str] | None, stamp: str) -> None:
        """Rebase a row that carries local work onto the server's newer state: the fields the
        person didn't touch take the server's values; the touched ones stay theirs to decide
        (the server reports a per-field conflict on push if it changed them too)."""
        decisions.refresh_theirs(conn, rid, version, row)
        if row is None or prot is None:
            return
        t = table(ent)
        spec = entity(ent)
        free = {n: row.get(n) for n in spec.names if n not in prot}
        if free and conn.execute(select(t.c.id).where(t.c.id == rid)).first() is not None:
            conn.execute(t.update().where(t.c.id == rid).values(**free, updated_at=stamp))

    def _drop_vanished(self, conn: Connection, only: set[str], seen: set[str]) -> None:
        """After a full re-pull: rows the server no longer shows us go, unless they carry work.
        Those stay (a person decides about them), noted aside as gone from the server — the
        convergence check then agrees with the server instead of re-pulling forever (a person
        who left an HR clerk's scope while one of their rows waited to be sent)."""
        protected = decisions.protected_fields(conn)
        for ent in only:
            t = table(ent)
            rows = conn.execute(select(t.c.id, t.c.person_id, t.c.version).where(t.c.version > 0)).all()
            gone = [rid for rid, _p, _v in rows if rid not in seen and rid not in protected]
            for i in range(0, len(gone), 500):
                conn.execute(t.delete().where(t.c.id.in_(gone[i:i + 500])))
            noted = [r for (r,) in conn.execute(select(SYNC_ROW.c.id).where(SYNC_ROW.c.entity == ent))]
            vanished = [r for r in noted if r not in seen]
            for i in range(0, len(vanished), 500):
                conn.execute(SYNC_ROW.update().where(SYNC_ROW.c.id.in_(vanished[i:i + 500])).values(deleted=1))
            known = set(noted)
            kept = [(rid, ent, pid, version, 1) for rid, pid, version in rows
                    if rid not in seen and rid in protected and rid not in known]
            if kept:
                conn.exec_driver_sql(_NOTE_SQL, kept)  # type: ignore[arg-type]
