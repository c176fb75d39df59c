"""Engine and transactions for SQLite and PostgreSQL.

SQLite: WAL lets readers run beside the single writer; write transactions start with
BEGIN IMMEDIATE so two writers queue on the database lock instead of failing with
SQLITE_BUSY when a deferred transaction tries to upgrade. PostgreSQL: READ COMMITTED plus
explicit row locks (see server.feed).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

T = TypeVar("T")

_IMMEDIATE = "frmr_immediate"
# SQLite: writers of one process queue on this lock instead of on SQLite's busy handler, which
# sleeps in growing steps and makes latency under contention many times worse. Processes still
# meet at the database lock, which is why one worker per SQLite file is the recommended setup.
_SQLITE_WRITE_LOCK = threading.Lock()


def _json_text(value: Any) -> str:
    # Compact UTF-8 JSON: pull pages copy the stored text into the answer as it is (server.feed),
    # and the default (ASCII escapes, spaces after separators) made an initial pull 30 % larger.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def normalize_url(url: str) -> str:
    # Accept the plain "postgresql://" spelling and use psycopg 3, the only PG driver shipped.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, pool_size=20,
                                  max_overflow=40, json_serializer=_json_text)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            # Take over transaction control from pysqlite so BEGIN is ours to choose.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            if conn.info.get(_IMMEDIATE):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    # As many pooled connections as request threads (anyio's default is 40): connections beyond
    # pool_size are closed when returned, and a fresh PostgreSQL connection costs a process fork.
    pool = int(os.environ.get("FRMR_DB_POOL_SIZE", "40"))
    # No pre-ping: it is a round trip on every checkout, and a request makes two checkouts. A
    # connection the database dropped (a restart) fails its next statement instead; SQLAlchemy
    # then discards the whole pool, and autocommit_read / in_write_tx retry once on a fresh one.
    return sa.create_engine(url, pool_size=pool, max_overflow=10, pool_pre_ping=False, json_serializer=_json_text)


def _dropped(exc: Exception) -> bool:
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def autocommit_read(engine: Engine, fn: Callable[[sa.Connection], T]) -> T:
    """Run single-statement reads (and journal inserts) outside an explicit transaction.

    PostgreSQL: autocommit, so no BEGIN before and no ROLLBACK after — two of the three round
    trips of a token lookup or an empty pull. Each statement is its own snapshot, which is all a
    single-statement read needs. SQLite: an ordinary connection (its BEGIN costs no round trip).
    """
    for attempt in (1, 2):
        try:
            with engine.connect() as conn:
                if not is_sqlite(engine):
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                return fn(conn)
        except DBAPIError as exc:
            if attempt == 2 or not _dropped(exc):
                raise
    raise AssertionError("unreachable")


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction is a writer from its first statement (see module doc)."""
    lock = _SQLITE_WRITE_LOCK if is_sqlite(engine) else contextlib.nullcontext()
    with lock, engine.connect() as conn:
        conn.info[_IMMEDIATE] = True
        try:
            with Session(bind=conn, expire_on_commit=False) as s:
                yield s
                s.commit()
        finally:
            conn.info.pop(_IMMEDIATE, None)


def _retryable(exc: Exception) -> bool:
    if _dropped(exc):
        return True  # the database dropped a pooled connection (restart); the pool is renewed
    if isinstance(exc, IntegrityError):
        return True  # a concurrent duplicate won the race; the retry sees its result
    if isinstance(exc, OperationalError | DBAPIError):
        text = str(exc.orig if hasattr(exc, "orig") else exc).lower()
        return any(k in text for k in ("deadlock", "could not serialize", "database is locked", "busy"))
    return False


def in_write_tx(engine: Engine, fn: Callable[[Session], T], attempts: int = 8) -> T:
    """Run fn in a write transaction, retrying races that the database reports as errors."""
    for i in range(attempts):
        try:
            with write_session(engine) as s:
                return fn(s)
        except Exception as exc:
            if i == attempts - 1 or not _retryable(exc):
                raise
            time.sleep(0.01 * (i + 1))
    raise AssertionError("unreachable")
