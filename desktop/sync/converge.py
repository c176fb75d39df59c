"""Convergence: after every sync the per-entity counts and checksums of what this vault
knows of the server are compared with ``GET /sync/state``; a mismatching entity is re-pulled
from the start of the feed — without touching rows that carry unsynced work."""

from __future__ import annotations

import hashlib
import heapq
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, select

from desktop.models.repository import get_meta, set_meta, table
from desktop.models.schema import ENTITIES, entity
from desktop.sync import decisions
from desktop.sync.api import SyncError
from desktop.sync.core import log
from desktop.sync.pull import PullMixin
from desktop.sync.tables import SYNC_ROW


class Diverged(SyncError):
    """Still different from the server after the targeted re-pulls."""


class ConvergeMixin(PullMixin):
    # -- convergence -----------------------------------------------------------------------------
    def local_state(self) -> dict[str, dict[str, Any]]:
        """Same shape and checksum as GET /sync/state, over the server state this vault knows."""
        out: dict[str, dict[str, Any]] = {}
        with self.vault.read() as conn:
            for ent in ENTITIES:
                # The server's version of a row is the local one, unless noted aside in
                # sync_row (rows that carried local work when the server's state arrived).
                # SQLite sorts (ids are fixed-length UUIDs, so id order is line order) and the
                # hash is fed in chunks: one big sorted() would hold the GIL long enough to
                # freeze the GUI on a 100,000-row vault, while SQLite's sort runs with the GIL
                # released. NOT INDEXED: walking the id index instead fetches every row from
                # its own table page — six times slower (1.6 s against 0.25 s for 100,000 cards).
                notes = {rid: (ver, deleted) for rid, ver, deleted in conn.exec_driver_sql(
                    "SELECT id, version, deleted FROM sync_row WHERE entity = ?", (ent,))}
                noted = sorted((rid, ver) for rid, (ver, deleted) in notes.items() if not deleted)
                # The DB-API cursor directly, in chunks: per-row result objects would triple
                # the cost on an HR vault, and the chunks keep the GIL handed around.
                cur = conn.connection.cursor()
                cur.execute(f"SELECT id, version FROM rec_{ent} NOT INDEXED WHERE version > 0 ORDER BY id")
                h = hashlib.sha256()
                n = 0
                merged: list[tuple[str, int]] = []
                while True:
                    chunk = cur.fetchmany(5000)
                    if not chunk:
                        break
                    rows = [(r, v) for r, v in chunk if r not in notes] if notes else chunk
                    if noted:
                        merged.extend(rows)
                        continue
                    h.update("".join(f"{r}:{v}\n" for r, v in rows).encode())
                    n += len(rows)
                cur.close()
                if noted:
                    merged = list(heapq.merge(merged, noted))
                    h.update("".join(f"{r}:{v}\n" for r, v in merged).encode())
                    n = len(merged)
                out[ent] = {"count": n, "checksum": h.hexdigest()}
        return out

    def _catch_up_versions(self, conn: Connection) -> None:
        """Rows whose local work is done (sent and answered, or decided) while a newer server
        state was noted aside: the pull merged their untouched fields, so they now hold the
        server's state — take its version and drop the note. (An op the server applied as a
        no-op never re-announces the row, so nothing else would.) A row the server deleted
        goes; a note for a row missing here stays, so the checksum shows it and a re-pull
        brings the row back."""
        protected = decisions.protected_fields(conn)
        notes = conn.execute(select(SYNC_ROW.c.id, SYNC_ROW.c.entity, SYNC_ROW.c.version, SYNC_ROW.c.deleted)).all()
        for rid, ent, version, deleted in notes:
            if rid in protected or ent not in ENTITIES:
                continue
            t = table(ent)
            here = conn.execute(select(t.c.id).where(t.c.id == rid)).first() is not None
            if deleted:
                conn.execute(t.delete().where(t.c.id == rid))
            elif here and version >= 0:
                conn.execute(t.update().where(t.c.id == rid).values(version=version))
            else:
                continue
            conn.execute(SYNC_ROW.delete().where(SYNC_ROW.c.id == rid))

    def _state_soon(self) -> None:
        """Ask for the server's state now, on a thread of its own — called when the last page
        of the feed has arrived, so that the server hashes its rows while we still write ours.
        As good as asking after the writes: a change committed after it shows as a mismatch
        either way (and is re-pulled). Dropped if a push follows the pull (see sync())."""
        if not self._report.checked:
            return  # no check in this sync (engine._check_reason): no request either
        fut: Future[dict[str, Any]] = Future()
        api = self._api_()

        def ask() -> None:
            try:
                fut.set_result(self._call(api.state)["entities"])
            except BaseException as exc:  # handed to _both_states, which raises it there
                fut.set_exception(exc)

        threading.Thread(target=ask, name="frmr-state", daemon=True).start()
        self._state_ahead = fut

    def _both_states(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The server's state and ours, computed at the same time: the server hashes its rows
        while we hash ours, instead of one after the other."""
        ahead, self._state_ahead = self._state_ahead, None
        if ahead is not None:
            local = self.local_state()
            return ahead.result(), local
        api = self._api_()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="frmr-state") as ex:
            fut = ex.submit(self._call, api.state)
            try:
                local = self.local_state()
            except BaseException:
                self.cancel_event.set()  # don't wait out the server's retries
                raise
            server: dict[str, Any] = fut.result()["entities"]
        return server, local

    def _converge(self) -> None:
        self._write(self._catch_up_versions)
        with self.vault.read() as conn:
            forced = set(filter(None, (get_meta(conn, decisions.REPULL_KEY) or "").split(",")))
        for attempt in range(2):
            self.progress("check", attempt, None)
            server, local = self._both_states()
            bad = {ent for ent, s in server.items()
                   if ent in ENTITIES and (s.get("count") != local[ent]["count"]
                                           or s.get("checksum") != local[ent]["checksum"])}
            bad |= forced
            forced = set()
            if not bad:
                self._write(lambda conn: set_meta(conn, decisions.REPULL_KEY, ""))
                return
            log.warning("sync: convergence mismatch in %s — re-pulling", sorted(bad))
            self._report.repulled.extend(sorted(bad))
            self._pull(only=bad)
            self._write(lambda conn: set_meta(conn, decisions.REPULL_KEY, ""))
        server, local = self._both_states()
        bad = {e for e, s in server.items() if e in ENTITIES and s.get("checksum") != local[e]["checksum"]}
        if bad:
            raise Diverged("Не совпадают с сервером: " + ", ".join(entity(e).plural for e in sorted(bad)))

