"""The plumbing every part of the engine shares: the API session with its token keeper,
retries with backoff (``_call``) and vault transactions that wait out the GUI's (``_write``).

The engine is split by idea — :mod:`desktop.sync.push`, :mod:`desktop.sync.pull`,
:mod:`desktop.sync.converge` — each a mixin over this core; :class:`desktop.sync.engine.SyncEngine`
puts them together.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import OperationalError

from desktop.models.repository import RecordRepository, get_meta
from desktop.models.tables import Outbox
from desktop.sync.api import Api, Cancelled, LoginNeeded, Transient
from desktop.sync.auth import SERVER_KEY, TokenKeeper
from desktop.sync.report import Progress, SyncReport
from desktop.vault.store import Vault

log = logging.getLogger("frmr.sync")

OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
T = TypeVar("T")


class EngineCore:
    def __init__(self, vault: Vault, *, server: str | None = None, timeout: float = 30.0,
                 page_limit: int = 5000, commit_rows: int = 20_000, batch_size: int = 200, max_attempts: int = 6,
                 base_delay: float = 0.5, max_delay: float = 30.0, progress: Progress | None = None,
                 rng: random.Random | None = None, repo: RecordRepository | None = None) -> None:
        self.vault = vault
        self.repo = repo or RecordRepository(vault)
        with vault.read() as conn:
            self.server = (server or get_meta(conn, SERVER_KEY) or "").rstrip("/")
        self.timeout = timeout
        # The protocol's maximum page: per-request costs on the server dominate a first sync,
        # and pages are decoded in small slices, so a big page doesn't stall the GUI.
        self.page_limit = page_limit
        # Pulled pages are written in transactions of half this many rows up to this many
        # (whole pages, each group with its last cursor; pull.py): every commit rewrites the
        # index pages the random UUID keys touched, and 120,000 rows committed per 5,000 took
        # ~20 % more SQLCipher CPU than per 20,000 here. A crash re-reads at most one group.
        self.commit_rows = commit_rows
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
        self._handed = threading.local()
        #: the server's state, asked for as soon as the last pull page arrived (converge.py)
        self._state_ahead: Future[dict[str, Any]] | None = None

    # -- public ------------------------------------------------------------------------------
    def cancel(self) -> None:
        self.cancel_event.set()

    # -- plumbing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _open_api(self) -> Iterator[Api]:
        if self._api is not None:
            yield self._api
            return
        api = Api(self.server, timeout=self.timeout)

        def hand_out() -> str:
            # Remembered per thread: a 401 then names the token the server refused, so the
            # forced refresh is skipped if another thread has already rotated the pair.
            tok = self.keeper.access_token(api)
            self._handed.token = tok
            return tok

        api._token = hand_out
        self._api = api
        try:
            yield api
        finally:
            self._api = None
            api.close()

    def _state_soon(self) -> None:
        """Overridden by the convergence part: start fetching the server's state."""

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
                    self.keeper.access_token(self._api_(), force_refresh=True,
                                             stale=getattr(self._handed, "token", None))
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
                log.info("sync: %s (%s) — retry %d in %.2fs", exc, type(exc.__cause__).__name__, attempt, delay)
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

