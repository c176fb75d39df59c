"""The sync engine: push the outbox, pull the feed, check convergence. No Qt, no GUI thread.

Guarantees, and where they come from:

* exactly once — every op keeps its ``op_id`` until the server answered it; the server
  records ``(client_id, op_id)`` with the effect, so a resend after a lost answer, a crash or
  a timeout returns the recorded result instead of applying it again;
* nothing lost — an op leaves ``pending`` only in the transaction that stores the server's
  answer (applied / conflict / rejected); transient failures leave it pending;
* pulls never overwrite a person's work — fields of pending or rejected edits and undecided
  conflict fields are kept; the other fields of such rows take the server's values;
* pulled pages and their cursor commit together (in groups of up to ``commit_rows`` rows), so
  a crash re-reads at most one group;
* after every sync the per-entity counts and checksums are compared with ``GET /sync/state``
  and a mismatching entity is re-pulled from the start of the feed — without touching rows
  that carry unsynced work.

The parts live in their own modules, by idea: :mod:`desktop.sync.push`, :mod:`desktop.sync.pull`
(apply and rebase), :mod:`desktop.sync.converge`; :mod:`desktop.sync.core` holds the shared
plumbing (retries, transactions, the API session) and :mod:`desktop.sync.report` the outcomes.
Everything public is still imported from here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from desktop.models import staff_link
from desktop.models.repository import get_meta, set_meta
from desktop.models.tables import Blob
from desktop.sync import decisions
from desktop.sync.api import Cancelled, ClientTooOld, LoginNeeded, ServerProblem, Transient
from desktop.sync.auth import CURSOR_KEY, SERVER_KEY
from desktop.sync.converge import ConvergeMixin, Diverged
from desktop.sync.core import log
from desktop.sync.push import PushMixin
from desktop.sync.report import (
    DETAIL_KEY,
    EXIT_CONVERGED,
    EXIT_DIVERGED,
    EXIT_LOGIN,
    EXIT_TOO_OLD,
    EXIT_UNREACHABLE,
    EXIT_WAITING,
    LAST_OK_KEY,
    OUTCOME_EXIT,
    OUTCOME_TEXT,
    STATE_KEY,
    Progress,
    SyncReport,
    now_iso,
)
from desktop.vault.attachments import sniff
from desktop.vault.locks import sync_lock
from desktop.vault.store import Vault

__all__ = [
    "DETAIL_KEY", "EXIT_CONVERGED", "EXIT_DIVERGED", "EXIT_LOGIN", "EXIT_TOO_OLD", "EXIT_UNREACHABLE",
    "EXIT_WAITING", "LAST_OK_KEY", "OUTCOME_EXIT", "OUTCOME_TEXT", "STATE_KEY", "Progress", "SyncEngine",
    "SyncReport", "now_iso", "sync_status",
]

BLOB = Blob.__table__  # type: ignore[attr-defined]
#: the old private name, kept for code that caught it
_Diverged = Diverged

#: when the last convergence check ran (ISO time, meta)
CHECKED_KEY = "sync_last_check"
#: the longest a replica goes without a convergence check (a backstop, see _check_reason)
CHECK_EVERY = 6 * 3600

_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _single_sync(folder: Path) -> Iterator[bool]:
    """One sync per vault: a lock in this process plus a file lock across processes."""
    key = str(folder.resolve())
    with _PROCESS_LOCKS_GUARD:
        lock = _PROCESS_LOCKS.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        # The file lock (desktop.vault.locks) is the one frmr sync takes too, on every platform.
        with sync_lock(folder) as got:
            yield got
    finally:
        lock.release()


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Keep the GUI responsive while a sync allocates heavily. A garbage collection holds
    the GIL for its whole run — a full one over the app's heap for 50–150 ms — which
    freezes the event loop. So: freeze what exists now (the app's long-lived state, never
    garbage; not undone, or the next full collection would walk it all again) and pause
    automatic collection while the sync runs; the pages it parses hold no reference cycles,
    so memory stays flat and plain reference counting frees them."""
    was_enabled = gc.isenabled()
    if was_enabled:  # the GUI disables it and collects on its own thread (desktop.views.runtime.heap)
        gc.collect(1)
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SyncEngine(PushMixin, ConvergeMixin):
    """Push then pull, then the convergence check; one sync per vault at a time."""

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
                    self._relink()
                    self._state_ahead = None
                    # Decided before the pull, so that the server's state is asked for as the
                    # last page arrives — and not asked for at all when nothing calls for it.
                    rep.checked = self._check_reason()
                    self._pull()
                    # Edits made (or rebased) while we pulled go out in the same sync; the
                    # server's state asked for at the end of the pull would not show them.
                    if self._pending_count() and not self.cancel_event.is_set():
                        self._state_ahead = None
                        self._push()
                        self._relink()
                    rep.checked = rep.checked or self._check_reason()
                    if rep.checked:
                        self._converge()
                        self._write(lambda conn: set_meta(conn, CHECKED_KEY, now_iso()))
                    else:
                        self._write(self._catch_up_versions)
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
            except Diverged as exc:
                rep.outcome, rep.message = "diverged", str(exc)
            except Exception as exc:  # a local fault (disk full, a bug): report it, keep the queue
                log.exception("sync failed")
                rep.outcome, rep.message = "error", f"Ошибка синхронизации: {type(exc).__name__}: {exc}"
        return self._finish(rep, t0)

    def _relink(self) -> None:
        """A person created offline whom the registry already had: the push was refused with
        that person's id; the twin and its queued cards are re-keyed onto it (one СНИЛС, one
        person — desktop/models/staff_link.py), and the cards go out with the next push."""
        answered = self._write(lambda conn: staff_link.relink_rejected(self.repo, conn))
        self._report.rejected_new = max(0, self._report.rejected_new - answered)

    def _check_reason(self) -> str:
        """Why this sync should compare its checksums with ``/sync/state`` ("" = no need).

        The check costs a round trip and a hash over every row on both sides, and with the
        exactly-once push and a gap-free feed a sync that went smoothly cannot have diverged.
        So it runs only when something suggests it might have: a re-pull asked for by a
        decision, a feed read from its start (first sync, a cursor the server refused), the
        previous sync not ending well, retries, refusals or conflicts in this one, a scope exit,
        or — as a backstop against what nobody foresaw — no check for CHECK_EVERY."""
        rep = self._report
        if self.check == "always":
            return "always"
        with self.vault.read() as conn:
            forced = get_meta(conn, decisions.REPULL_KEY) or ""
            cursor = get_meta(conn, CURSOR_KEY) or ""
            state = get_meta(conn, STATE_KEY) or ""
            last = get_meta(conn, CHECKED_KEY) or ""
        if forced:
            return "repull"
        if not cursor or self._feed_restarted:
            return "first"
        if state != "ok":
            return "after_failure"
        if rep.retries:
            return "retries"
        if rep.conflicts_new or rep.rejected_new:
            return "refused"
        if rep.scope_exits:
            return "scope_exit"
        try:
            age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(last)).total_seconds()
        except ValueError:
            return "periodic"
        return "periodic" if age > CHECK_EVERY else ""

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
