"""The sync engine: push the outbox, pull the feed, check convergence. No Qt, no GUI thread.

Guarantees, and where they come from:

* exactly once — every op keeps its ``op_id`` until the server answered it; the server
  records ``(client_id, op_id)`` with the effect, so a resend after a lost answer, a crash or
  a timeout returns the recorded result instead of applying it again;
* nothing lost — an op leaves ``pending`` only in the transaction that stores the server's
  answer (applied / conflict / rejected); transient failures leave it pending;
* pulls never overwrite a person's work — fields of pending or rejected edits and undecided
  conflict fields are kept; the other fields of such rows take the server's values;
* each pull page and its cursor commit together, so a crash re-reads at most one page;
* after every sync the per-entity counts and checksums are compared with ``GET /sync/state``
  and a mismatching entity is re-pulled from the start of the feed — without touching rows
  that carry unsynced work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import heapq
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import OperationalError

from desktop.models.repository import RecordRepository, get_meta, set_meta, table
from desktop.models.schema import ENTITIES, entity
from desktop.models.tables import Blob, Outbox
from desktop.sync import decisions
from desktop.sync.api import Api, Cancelled, ClientTooOld, LoginNeeded, ServerProblem, SyncError, Transient
from desktop.sync.auth import CURSOR_KEY, SERVER_KEY, TokenKeeper
from desktop.sync.tables import SYNC_ROW
from desktop.vault.attachments import sniff
from desktop.vault.store import Vault

log = logging.getLogger("frmr.sync")

OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
BLOB = Blob.__table__  # type: ignore[attr-defined]
T = TypeVar("T")

LAST_OK_KEY = "sync_last_ok"
STATE_KEY = "sync_state"
DETAIL_KEY = "sync_detail"

# Exit codes of ``frmr sync`` (issue 4), also what the GUI maps to its status text.
EXIT_CONVERGED = 0
EXIT_DIVERGED = 1
EXIT_WAITING = 3
EXIT_UNREACHABLE = 4
EXIT_LOGIN = 5
EXIT_TOO_OLD = 6

OUTCOME_EXIT = {
    "converged": EXIT_CONVERGED, "waiting": EXIT_WAITING, "unreachable": EXIT_UNREACHABLE,
    "login_needed": EXIT_LOGIN, "client_too_old": EXIT_TOO_OLD, "diverged": EXIT_DIVERGED,
    "cancelled": EXIT_UNREACHABLE, "busy": EXIT_UNREACHABLE, "error": EXIT_DIVERGED,
}

OUTCOME_TEXT = {
    "converged": "Синхронизировано",
    "waiting": "Синхронизировано; есть конфликты или отклонённые записи — нужно ваше решение",
    "unreachable": "Сервер недоступен — изменения сохранены и будут отправлены позже",
    "login_needed": "Требуется вход на сервер — изменения сохранены и ждут отправки",
    "client_too_old": "Версия приложения устарела — обновите ФРМР Desktop",
    "diverged": "Данные не совпали с сервером даже после повторной загрузки",
    "cancelled": "Синхронизация прервана",
    "busy": "Синхронизация уже идёт",
    "error": "Ошибка синхронизации",
}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class SyncReport:
    outcome: str = "converged"
    message: str = ""
    pushed: int = 0
    applied: int = 0
    conflicts_new: int = 0
    rejected_new: int = 0
    pulled: int = 0
    repulled: list[str] = field(default_factory=list)
    blobs_uploaded: int = 0
    retries: int = 0
    pending: int = 0
    conflicts: int = 0
    rejected: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return OUTCOME_EXIT.get(self.outcome, EXIT_DIVERGED)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "exit_code": self.exit_code}


#: progress(phase, done, total-or-None): "push" | "pull" | "check" | "repull"
Progress = Callable[[str, int, int | None], None]

_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _single_sync(folder: Path) -> Iterator[bool]:
    """One sync per vault: a lock in this process plus an OS file lock across processes."""
    key = str(folder.resolve())
    with _PROCESS_LOCKS_GUARD:
        lock = _PROCESS_LOCKS.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    fh = None
    try:
        try:
            import fcntl

            fh = open(folder / "sync.lock", "a+")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
        except ImportError:  # Windows: the in-process lock is what the app needs
            pass
        yield True
    finally:
        if fh is not None:
            fh.close()
        lock.release()


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Keep the GUI responsive while a sync allocates heavily. A garbage collection holds
    the GIL for its whole run — a full one over the app's heap for 50–150 ms — which
    freezes the event loop. So: freeze what exists now (the app's long-lived state, never
    garbage; not undone, or the next full collection would walk it all again) and pause
    automatic collection while the sync runs; the pages it parses hold no reference cycles,
    so memory stays flat and plain reference counting frees them."""
    gc.collect(1)
    gc.freeze()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SyncEngine:
    def __init__(self, vault: Vault, *, server: str | None = None, timeout: float = 30.0,
                 page_limit: int = 5000, batch_size: int = 200, max_attempts: int = 6,
                 base_delay: float = 0.5, max_delay: float = 30.0, progress: Progress | None = None,
                 rng: random.Random | None = None, repo: RecordRepository | None = None) -> None:
        self.vault = vault
        self.repo = repo or RecordRepository(vault)
        with vault.read() as conn:
            self.server = (server or get_meta(conn, SERVER_KEY) or "").rstrip("/")
        self.timeout = timeout
        # The protocol's maximum page: per-request costs on the server dominate a first sync,
        # and pages are parsed change by change, so a big page doesn't stall the GUI.
        self.page_limit = page_limit
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.progress = progress or (lambda _p, _d, _t: None)
        self.rng = rng or random.Random()
        self.cancel_event = threading.Event()
        self._report = SyncReport()
        self.keeper = TokenKeeper(vault, self.server)
        self._api: Api | None = None

    # -- public ------------------------------------------------------------------------------
    def cancel(self) -> None:
        self.cancel_event.set()

    def sync(self) -> SyncReport:
        t0 = time.perf_counter()
        self._report = rep = SyncReport()
        if not self.server:
            rep.outcome, rep.message = "login_needed", "Сервер не задан: выполните вход (frmr login --server URL …)"
            return self._finish(rep, t0)
        with _single_sync(self.vault.folder) as mine:
            if not mine:
                rep.outcome, rep.message = "busy", OUTCOME_TEXT["busy"]
                return self._fill_counts(rep)
            self.cancel_event.clear()
            try:
                with _quiet_gc(), self._open_api():
                    self._push()
                    self._pull()
                    # Edits made (or rebased) while we pulled go out in the same sync.
                    if self._pending_count() and not self.cancel_event.is_set():
                        self._push()
                    self._converge()
                rep.outcome = "converged"
            except Cancelled:
                rep.outcome = "cancelled"
            except LoginNeeded as exc:
                rep.outcome, rep.message = "login_needed", str(exc)
            except ClientTooOld as exc:
                rep.outcome, rep.message = "client_too_old", str(exc)
            except Transient as exc:
                rep.outcome, rep.message = "unreachable", str(exc)
            except ServerProblem as exc:
                rep.outcome, rep.message = "error", str(exc)
            except _Diverged as exc:
                rep.outcome, rep.message = "diverged", str(exc)
            except Exception as exc:  # a local fault (disk full, a bug): report it, keep the queue
                log.exception("sync failed")
                rep.outcome, rep.message = "error", f"Ошибка синхронизации: {type(exc).__name__}: {exc}"
        return self._finish(rep, t0)

    def fetch_blob(self, sha256: str) -> bytes:
        """The attachment's bytes: from the vault, else downloaded once and kept in the vault."""
        data = self.repo.get_blob(sha256)
        if data is not None:
            return data
        with self._open_api():
            data = self._call(self._api_().get_blob, sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise Transient("Файл с сервера повреждён (SHA-256 не совпадает)")
        with self.vault.begin() as conn:
            if conn.execute(select(BLOB.c.sha256).where(BLOB.c.sha256 == sha256)).first() is None:
                conn.execute(BLOB.insert().values(sha256=sha256, mime=sniff(data) or "application/octet-stream",
                                                  size=len(data), created_at=now_iso(), data=data))
        return data

    # -- plumbing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _open_api(self) -> Iterator[Api]:
        if self._api is not None:
            yield self._api
            return
        api = Api(self.server, timeout=self.timeout)
        api._token = lambda: self.keeper.access_token(api)
        self._api = api
        try:
            yield api
        finally:
            self._api = None
            api.close()

    def _api_(self) -> Api:
        assert self._api is not None
        return self._api

    def _sleep(self, seconds: float) -> None:
        if self.cancel_event.wait(seconds):
            raise Cancelled("Синхронизация прервана")

    def _call(self, fn: Callable[..., T], *args: Any, on_retry: Callable[[], None] | None = None) -> T:
        """fn(*args) with retries: exponential backoff with full jitter; Retry-After honoured;
        one forced token refresh on a 401 (the access token may have expired in flight)."""
        refreshed = force = False
        attempt = 0
        while True:
            if self.cancel_event.is_set():
                raise Cancelled("Синхронизация прервана")
            try:
                if force:
                    self.keeper.access_token(self._api_(), force_refresh=True)
                    force = False
                return fn(*args)
            except LoginNeeded:
                # A 401 is never a verdict on an edit: refresh once, then ask for a login.
                if refreshed:
                    raise
                refreshed = force = True
            except Transient as exc:
                attempt += 1
                self._report.retries += 1
                if on_retry is not None:
                    on_retry()
                if attempt >= self.max_attempts:
                    raise
                cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
                delay = exc.retry_after if exc.retry_after is not None else self.rng.uniform(cap / 2, cap)
                log.info("sync: %s — retry %d in %.2fs", exc, attempt, delay)
                self._sleep(delay)

    def _write(self, fn: Callable[[Connection], T]) -> T:
        """A vault transaction, retried when the GUI thread holds the write lock just then."""
        for i in range(20):
            try:
                with self.vault.begin() as conn:
                    return fn(conn)
            except OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.05 * (i + 1))
        with self.vault.begin() as conn:
            return fn(conn)

    def _pending_count(self) -> int:
        with self.vault.read() as conn:
            return int(conn.execute(select(func.count()).where(OUTBOX.c.state == "pending")).scalar_one())

    def _fill_counts(self, rep: SyncReport) -> SyncReport:
        with self.vault.read() as conn:
            c = decisions.counts(conn)
        rep.pending, rep.conflicts, rep.rejected = c["pending"], c["conflicts"], c["rejected"]
        return rep

    def _finish(self, rep: SyncReport, t0: float) -> SyncReport:
        self._fill_counts(rep)
        if rep.outcome == "converged" and (rep.conflicts or rep.rejected):
            rep.outcome = "waiting"
        if rep.outcome == "converged" and rep.pending:
            # Edits arrived faster than we could send them: not an error, just not done yet.
            rep.outcome = "unreachable" if rep.retries else "converged"
        if not rep.message:
            rep.message = OUTCOME_TEXT.get(rep.outcome, "")
        rep.seconds = round(time.perf_counter() - t0, 3)
        state = {"converged": "ok", "waiting": "ok", "unreachable": "offline"}.get(rep.outcome, rep.outcome)

        def save(conn: Connection) -> None:
            if state == "ok":
                set_meta(conn, LAST_OK_KEY, now_iso())
            if rep.outcome not in ("busy", "cancelled"):
                set_meta(conn, STATE_KEY, state)
                set_meta(conn, DETAIL_KEY, rep.message)

        with contextlib.suppress(Exception):
            self._write(save)
        return rep

    # -- push ----------------------------------------------------------------------------------
    def _push(self) -> None:
        with self.vault.read() as conn:
            client_id = get_meta(conn, "client_id")
        if not client_id:
            client_id = self.repo.client_id()
        total = self._pending_count()
        done = 0
        for _round in range(10_000):  # bounded: a person typing can't keep us here forever
            with self.vault.read() as conn:
                ops = [dict(r) for r in conn.execute(
                    select(OUTBOX).where(OUTBOX.c.state == "pending").order_by(OUTBOX.c.seq).limit(self.batch_size)
                ).mappings()]
            if not ops:
                return
            ops = self._upload_blobs(ops)
            if ops:
                self._send(client_id, ops)
                done += len(ops)
                self.progress("push", done, max(total, done))

    def _wire(self, op: Mapping[str, Any]) -> dict[str, Any]:
        fields = json.loads(op["fields"] or "{}")
        blobs = []
        if op["entity"] == "document" and op["op"] != "delete":
            sha = fields.get("blob_sha256")
            if sha:
                blobs.append(sha)
        return {
            "op_id": op["op_id"], "counter": int(op["seq"]), "entity": op["entity"], "entity_id": op["entity_id"],
            "person_id": op["person_id"], "op": op["op"], "fields": fields if op["op"] != "delete" else {},
            "base": json.loads(op["base"] or "{}"), "base_version": int(op["base_version"]), "blobs": blobs,
        }

    def _upload_blobs(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Attachments first: an op is sent only after the file it refers to is on the server."""
        api = self._api_()
        ready: list[dict[str, Any]] = []
        for op in ops:
            for sha in self._wire(op)["blobs"]:
                data = self.repo.get_blob(sha)
                if data is None:
                    self._reject_locally(op, {"blob_sha256": "Файл документа отсутствует в хранилище"})
                    break
                self._call(api.put_blob, sha, data)
                self._report.blobs_uploaded += 1
            else:
                ready.append(op)
        return ready

    def _reject_locally(self, op: Mapping[str, Any], errors: dict[str, str]) -> None:
        result = json.dumps({"status": "rejected", "errors": errors, "local": True}, ensure_ascii=False)
        self._write(lambda conn: conn.execute(OUTBOX.update().where(OUTBOX.c.seq == op["seq"]).values(
            state="rejected", result=result, attempts=OUTBOX.c.attempts + 1)))
        self._report.rejected_new += 1

    def _send(self, client_id: str, ops: list[dict[str, Any]]) -> None:
        api = self._api_()
        seqs = [op["seq"] for op in ops]

        def count_attempt() -> None:
            self._write(lambda conn: conn.execute(
                OUTBOX.update().where(OUTBOX.c.seq.in_(seqs)).values(attempts=OUTBOX.c.attempts + 1)))

        try:
            results = self._call(api.push, client_id, [self._wire(op) for op in ops], on_retry=count_attempt)
        except ServerProblem as exc:
            if exc.status not in (400, 413, 422):
                raise
            # The whole batch was refused as malformed or too big. Halve it until the one op
            # at fault stands alone — it becomes a rejection; the rest of the queue goes on.
            if len(ops) == 1:
                errors = exc.errors or {"_request": str(exc)}
                self._reject_locally(ops[0], {k: str(v) for k, v in errors.items()})
                return
            mid = len(ops) // 2
            self._send(client_id, ops[:mid])
            self._send(client_id, ops[mid:])
            return
        by_id = {op["op_id"]: op for op in ops}
        rep = self._report

        def store(conn: Connection) -> None:
            for res in results:
                op = by_id.get(str(res.get("op_id")))
                if op is None:
                    continue
                status = res.get("status")
                if status not in ("applied", "conflict", "rejected"):
                    continue  # unknown answer: keep it pending, resend later (exactly once anyway)
                cur = conn.execute(select(OUTBOX.c.state).where(OUTBOX.c.seq == op["seq"])).scalar_one_or_none()
                if cur != "pending":
                    continue
                conn.execute(OUTBOX.update().where(OUTBOX.c.seq == op["seq"]).values(
                    state=status, result=json.dumps(res, ensure_ascii=False), attempts=OUTBOX.c.attempts + 1))
                rep.pushed += 1
                if status == "applied":
                    rep.applied += 1
                elif status == "conflict":
                    if decisions.record_conflict(conn, op, res) is not None:
                        rep.conflicts_new += 1
                else:
                    rep.rejected_new += 1
                if op["op"] == "delete" and status != "applied":
                    # Deleted here, alive on the server: note its version, so the convergence
                    # check counts it instead of re-pulling the whole entity.
                    version = res.get("version") if isinstance(res.get("version"), int) else op["base_version"]
                    conn.execute(SYNC_ROW.insert().prefix_with("OR IGNORE").values(
                        id=op["entity_id"], entity=op["entity"], person_id=op["person_id"], version=version,
                        deleted=0))

        self._write(store)

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

    # -- convergence -----------------------------------------------------------------------------
    def local_state(self) -> dict[str, dict[str, Any]]:
        """Same shape and checksum as GET /sync/state, over the server state this vault knows."""
        out: dict[str, dict[str, Any]] = {}
        with self.vault.read() as conn:
            for ent in ENTITIES:
                # The server's version of a row is the local one, unless noted aside in
                # sync_row (rows that carried local work when the server's state arrived).
                # SQLite walks the id index (ids are fixed-length UUIDs, so id order is line
                # order) and the hash is fed row by row: one big sorted() would hold the GIL
                # long enough to freeze the GUI on a 100,000-row vault.
                notes = {rid: (ver, deleted) for rid, ver, deleted in conn.exec_driver_sql(
                    "SELECT id, version, deleted FROM sync_row WHERE entity = ?", (ent,))}
                noted = sorted((rid, ver) for rid, (ver, deleted) in notes.items() if not deleted)
                # The DB-API cursor directly, in chunks: per-row result objects would triple
                # the cost on an HR vault, and the chunks keep the GIL handed around.
                cur = conn.connection.cursor()
                cur.execute(f"SELECT id, version FROM rec_{ent} WHERE version > 0 ORDER BY id")
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

    def _converge(self) -> None:
        self._write(self._catch_up_versions)
        api = self._api_()
        with self.vault.read() as conn:
            forced = set(filter(None, (get_meta(conn, decisions.REPULL_KEY) or "").split(",")))
        for attempt in range(2):
            self.progress("check", attempt, None)
            server = self._call(api.state)["entities"]
            local = self.local_state()
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
        server = self._call(api.state)["entities"]
        local = self.local_state()
        bad = {e for e, s in server.items() if e in ENTITIES and s.get("checksum") != local[e]["checksum"]}
        if bad:
            raise _Diverged("Не совпадают с сервером: " + ", ".join(entity(e).plural for e in sorted(bad)))


class _Diverged(SyncError):
    pass


def sync_status(vault: Vault) -> dict[str, Any]:
    """What the status bar and ``frmr status`` show; reads only the vault."""
    with vault.read() as conn:
        c = decisions.counts(conn)
        return {
            **c,
            "server": get_meta(conn, SERVER_KEY) or "",
            "last_sync": get_meta(conn, LAST_OK_KEY) or "",
            "state": get_meta(conn, STATE_KEY) or "never",
            "detail": get_meta(conn, DETAIL_KEY) or "",
        }
