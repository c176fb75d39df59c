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
from urllib.parse import urlsplit

import sqlcipher3
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import OperationalError

from desktop.models.repository import RecordRepository, get_meta
from desktop.models.tables import Outbox
from desktop.sync.api import Api, Cancelled, LoginNeeded, Transient
from desktop.sync.auth import SERVER_KEY, TokenKeeper
from desktop.sync.report import Progress, SyncReport, TransferHook
from desktop.sync.transfer import Meter
from desktop.vault.store import Vault

log = logging.getLogger("frmr.sync")

OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
T = TypeVar("T")

#: how long a finished sync's connection is kept for the next one: the GUI syncs a few seconds
#: after an edit, and a warm connection saves that sync a TCP (and TLS) handshake — one or two
#: round trips on a high-latency link. The server's keep-alive (uvicorn: 5 s) may end it sooner;
#: httpx then just opens a new one.
IDLE_SECONDS = 30.0
_IDLE: dict[str, tuple[Api, float]] = {}
_IDLE_LOCK = threading.Lock()


def _take_idle(key: str) -> Api | None:
    with _IDLE_LOCK:
        parked = _IDLE.pop(key, None)
    if parked is None:
        return None
    api, since = parked
    if time.monotonic() - since > IDLE_SECONDS:
        api.close()
        return None
    return api


def _park(key: str, api: Api) -> None:
    with _IDLE_LOCK:
        old = _IDLE.pop(key, None)
        _IDLE[key] = (api, time.monotonic())
    if old is not None:
        old[0].close()


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def close_idle() -> None:
    """Close the parked connections (on logout, lock, exit; tests)."""
    with _IDLE_LOCK:
        parked = list(_IDLE.values())
        _IDLE.clear()
    for api, _since in parked:
        api.close()


class EngineCore:
    def __init__(self, vault: Vault, *, server: str | None = None, timeout: float = 30.0,
                 page_limit: int = 5000, commit_rows: int = 20_000, batch_size: int = 200, max_attempts: int = 6,
                 base_delay: float = 0.5, max_delay: float = 30.0, progress: Progress | None = None,
                 rng: random.Random | None = None, repo: RecordRepository | None = None,
                 on_transfer: TransferHook | None = None, check: str = "auto", keep_alive: bool | None = None,
                 compress: bool = True) -> None:
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
        #: the pull's bytes, rows and time left, as pages arrive (report.Transfer)
        self.on_transfer = on_transfer
        #: "auto": the convergence check runs when something suggests a divergence (engine.py
        #: ``_check_reason``); "always": after every sync (benches, a person's explicit check)
        self.check = check
        #: hand the connection to the next sync of this vault (IDLE_SECONDS). By default not for a
        #: server on this machine (the embedded demo, tests): no latency to save there, and a
        #: connection left open would hold the server's port in TIME_WAIT when it stops
        self.keep_alive = keep_alive if keep_alive is not None else not _is_loopback(self.server)
        #: gzip both ways (False: identity, for the benches' baseline)
        self.compress = compress
        #: bytes and requests of this sync (the Api's meter)
        self.meter = Meter()
        self.rng = rng or random.Random()
        self.cancel_event = threading.Event()
        self._report = SyncReport()
        self.keeper = TokenKeeper(vault, self.server)
        self._api: Api | None = None
        self._handed = threading.local()
        #: the server's state, asked for as soon as the last pull page arrived (converge.py)
        self._state_ahead: Future[dict[str, Any]] | None = None
        #: the server refused our cursor and the feed was read again from its start (pull.py)
        self._feed_restarted = False

    # -- public ------------------------------------------------------------------------------
    def cancel(self) -> None:
        self.cancel_event.set()

    # -- plumbing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _open_api(self) -> Iterator[Api]:
        if self._api is not None:
            yield self._api
            return
        key = f"{self.server}|{self.vault.folder}"
        api = ((_take_idle(key) if self.keep_alive else None)
               or Api(self.server, timeout=self.timeout, compress=self.compress))
        self.meter = api.meter = Meter()
        api.cancelled = self.cancel_event.is_set

        def hand_out() -> str:
            # Remembered per thread: a 401 then names the token the server refused, so the
            # forced refresh is skipped if another thread has already rotated the pair.
            tok = self.keeper.access_token(api)
            self._handed.token = tok
            return tok

        api._token = hand_out
        self._api = api
        clean = False
        try:
            yield api
            clean = True
        finally:
            self._api = None
            m = self.meter
            rep = self._report
            rep.bytes_sent, rep.bytes_received, rep.bytes_plain, rep.requests = m.sent, m.received, m.plain, m.requests
            if clean and self.keep_alive:
                _park(key, api)
            else:
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
            except (OperationalError, sqlcipher3.OperationalError) as exc:
                # the vault's engine is built on a creator, so SQLAlchemy's dialect knows the
                # stdlib sqlite3 module only and passes SQLCipher's own error through unwrapped:
                # caught as SQLAlchemy's alone, a lock held by the GUI thread failed the sync at once
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.05 * (i + 1))
        with self.vault.begin() as conn:
            return fn(conn)

    def _pending_count(self) -> int:
        with self.vault.read() as conn:
            return int(conn.execute(select(func.count()).where(OUTBOX.c.state == "pending")).scalar_one())

