"""The server's audit journal: logins, reads of personal data, changes, exports."""

from __future__ import annotations

import time

from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.auth.principal import Principal
from server.db import in_write_tx
from server.models import Audit


def entry(
    p: Principal | None,
    action: str,
    entity: str = "",
    entity_id: str = "",
    detail: str = "",
    *,
    ip: str = "",
    login: str = "",
) -> Audit:
    return Audit(
        at=time.time(),
        account_id=p.account_id if p else None,
        login=(p.login if p else login)[:100],
        role=p.role if p else "",
        org_inns=",".join(p.org_inns) if p else "",
        ip=(p.ip if p else ip)[:64],
        action=action,
        entity=entity[:30],
        entity_id=entity_id[:64],
        detail=detail[:1000],
    )


def add(s: Session, p: Principal | None, action: str, entity: str = "", entity_id: str = "", detail: str = "",
        **kw: str) -> None:
    """Journal inside the caller's transaction: the entry commits exactly when the change does."""
    s.add(entry(p, action, entity, entity_id, detail, **kw))


def log(engine: Engine, p: Principal | None, action: str, entity: str = "", entity_id: str = "",
        detail: str = "", **kw: str) -> None:
    """Journal in a transaction of its own (reads, failed logins)."""
    e = entry(p, action, entity, entity_id, detail, **kw)
    in_write_tx(engine, lambda s: s.add(e))
