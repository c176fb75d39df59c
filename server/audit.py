"""The server's audit journal: logins, reads of personal data, changes, exports."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from server.auth.principal import Principal
from server.db import autocommit_read, in_write_tx, is_sqlite
from server.models import Audit

# Core INSERT of a plain dict: the journal is written on every push and every non-empty pull, and
# an ORM object per entry (identity map, unit of work, flush) cost more than the INSERT itself.
_INSERT = sa.insert(Audit)
#: the same, for callers that journal many entries in one executemany (a push's changes)
INSERT = _INSERT


def entry(
    p: Principal | None,
    action: str,
    entity: str = "",
    entity_id: str = "",
    detail: str = "",
    *,
    ip: str = "",
    login: str = "",
) -> dict[str, Any]:
    return {
        "at": time.time(),
        "account_id": p.account_id if p else None,
        "login": (p.login if p else login)[:100],
        "role": p.role if p else "",
        "org_inns": ",".join(p.org_inns)[:200] if p else "",
        "ip": (p.ip if p else ip)[:64],
        "action": action,
        "entity": entity[:30],
        "entity_id": entity_id[:64],
        "detail": detail[:1000],
    }


def add(s: Session | Connection, p: Principal | None, action: str, entity: str = "", entity_id: str = "",
        detail: str = "", **kw: str) -> None:
    """Journal inside the caller's transaction: the entry commits exactly when the change does."""
    row = entry(p, action, entity, entity_id, detail, **kw)
    if isinstance(s, Session):
        # no autoflush: the caller's pending rows are written once, by its own final flush
        with s.no_autoflush:
            s.execute(_INSERT, row)
    else:
        s.execute(_INSERT, row)


def log(engine: Engine, p: Principal | None, action: str, entity: str = "", entity_id: str = "",
        detail: str = "", **kw: str) -> None:
    """Journal in a transaction of its own (reads, failed logins)."""
    row = entry(p, action, entity, entity_id, detail, **kw)
    if is_sqlite(engine):
        in_write_tx(engine, lambda s: s.execute(_INSERT, row))
        return
    # PostgreSQL: one autocommitted INSERT is the whole transaction; no session, no BEGIN round trip
    autocommit_read(engine, lambda conn: conn.execute(_INSERT, row))
