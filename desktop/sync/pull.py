"""Pull: the feed applied page by page, each page with its cursor in one transaction.

Rows that carry a person's work (pending or rejected edits, undecided conflict fields) are
rebased, never overwritten: the fields the person didn't touch take the server's values, and
the server's version is noted aside in ``sync_row`` (the local one stays the edits' base).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, select

from desktop.models.repository import get_meta, set_meta, table
from desktop.models.schema import ENTITIES, entity
from desktop.sync import decisions
from desktop.sync.api import ServerProblem
from desktop.sync.auth import CURSOR_KEY
from desktop.sync.core import EngineCore
from desktop.sync.report import now_iso
from desktop.sync.tables import SYNC_ROW


class PullMixin(EngineCore):
    # -- pull ----------------------------------------------------------------------------------
    def _pull(self, only: set[str] | None = None) -> None:
        """Apply the feed. ``only`` set: a targeted re-pull of those entities from the start."""
        api = self._api_()
        with self.vault.read() as conn:
            cursor = "" if only else (get_meta(conn, CURSOR_KEY) or "")
        seen: set[str] = set()
        reset_once = False
        pulled = 0
        # The next page is fetched while this one is written: the server's work and ours
        # overlap instead of adding up (a first sync of a big organization is mostly this loop).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="frmr-pull") as ex:
            fut = ex.submit(self._call, api.pull, cursor, self.page_limit)
            while True:
                try:
                    page = fut.result()
                except ServerProblem as exc:
                    if exc.status == 400 and "cursor" in exc.errors and not reset_once and cursor:
                        # Not this server's cursor (a restored server, another instance): start
                        # the feed again. Local work is protected by the same rules as any pull.
                        reset_once, cursor = True, ""
                        fut = ex.submit(self._call, api.pull, cursor, self.page_limit)
                        continue
                    raise
                changes = page["changes"]
                new_cursor = str(page["cursor"])
                more = bool(page.get("has_more"))
                if more:
                    fut = ex.submit(self._call, api.pull, new_cursor, self.page_limit)

                def apply(conn: Connection, ch: list[Any] = changes, cur: str = new_cursor) -> None:
                    self._apply_page(conn, ch, cur, only, seen)

                try:
                    self._write(apply)
                except BaseException:
                    self.cancel_event.set()  # stop the prefetch quickly; the page stays unapplied
                    raise
                pulled += len(changes)
                self._report.pulled += len(changes)
                self.progress("repull" if only else "pull", pulled, None)
                cursor = new_cursor
                if not more:
                    break
        if only:
            self._write(lambda conn: self._drop_vanished(conn, only, seen))

    def _apply_page(self, conn: Connection, changes: list[Any], cursor: str, only: set[str] | None,
                    seen: set[str]) -> None:
        protected = decisions.protected_fields(conn)
        stamp = now_iso()
        names = {e: spec.names for e, spec in ENTITIES.items()}
        upserts: dict[str, list[tuple[Any, ...]]] = {}
        deletes: dict[str, list[str]] = {}
        shadow: list[tuple[Any, ...]] = []
        settled: list[str] = []
        merges: list[tuple[str, str, int, dict[str, Any] | None, set[str] | None]] = []
        for ch in changes:
            if not isinstance(ch, dict):
                continue
            ent, rid = ch.get("entity"), ch.get("id")
            if ent not in ENTITIES or not isinstance(rid, str) or (only and ent not in only):
                continue  # an entity this client doesn't know yet: skip, never fail the page
            version = int(ch.get("version") or 0)
            deleted = bool(ch.get("deleted"))
            pid = str(ch.get("person_id") or rid)
            row = ch.get("row") if isinstance(ch.get("row"), dict) else None
            if row is None:
                deleted = True
            if not deleted:
                seen.add(rid)
            if rid in protected:
                # Local work on this row: rebase instead of overwrite. A tombstone leaves the
                # local row alone — the pending edits meet it on push and become a conflict.
                # The local version stays the edits' base, so the server's is noted aside.
                shadow.append((rid, ent, pid, version, int(deleted)))
                merges.append((ent, rid, version, None if deleted else row, protected[rid]))
                continue
            settled.append(rid)
            if deleted:
                deletes.setdefault(ent, []).append(rid)
            else:
                assert row is not None
                upserts.setdefault(ent, []).append((rid, pid, version, stamp, *map(row.get, names[ent])))
        # Straight to the driver: for a first sync of 100,000 rows SQLAlchemy's per-row
        # parameter processing would cost more than SQLCipher's own work.
        overridden = {r for (r,) in conn.exec_driver_sql("SELECT id FROM sync_row")}
        stale = [r for r in settled if r in overridden]
        for i in range(0, len(stale), 500):
            conn.execute(SYNC_ROW.delete().where(SYNC_ROW.c.id.in_(stale[i:i + 500])))
        if shadow:
            conn.exec_driver_sql(
                "INSERT OR REPLACE INTO sync_row (id, entity, person_id, version, deleted) VALUES (?, ?, ?, ?, ?)",
                shadow)  # type: ignore[arg-type]
        for ent, rows in upserts.items():
            cols = ("id", "person_id", "version", "updated_at", *entity(ent).names)
            conn.exec_driver_sql(
                f"INSERT OR REPLACE INTO rec_{ent} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                rows)  # type: ignore[arg-type]
        for ent, ids in deletes.items():
            t = table(ent)
            for i in range(0, len(ids), 500):
                conn.execute(t.delete().where(t.c.id.in_(ids[i:i + 500])))
        for ent, rid, version, row, prot in merges:
            self._merge(conn, ent, rid, version, row, prot, stamp)
        if only is None:
            set_meta(conn, CURSOR_KEY, cursor)

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
        """After a full re-pull: rows the server no longer shows us go, unless they carry work."""
        protected = decisions.protected_fields(conn)
        for ent in only:
            t = table(ent)
            ids = [r for (r,) in conn.execute(select(t.c.id).where(t.c.version > 0))]
            gone = [r for r in ids if r not in seen and r not in protected]
            for i in range(0, len(gone), 500):
                conn.execute(t.delete().where(t.c.id.in_(gone[i:i + 500])))
            noted = [r for (r,) in conn.execute(select(SYNC_ROW.c.id).where(SYNC_ROW.c.entity == ent))]
            vanished = [r for r in noted if r not in seen]
            for i in range(0, len(vanished), 500):
                conn.execute(SYNC_ROW.update().where(SYNC_ROW.c.id.in_(vanished[i:i + 500])).values(deleted=1))

