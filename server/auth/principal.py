"""Who is calling: resolved from the bearer token on every request."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlmodel import col

from server.db import autocommit_read
from server.models import Account, AccountOrg, AuthSession, Token
from server.problems import Problem
from server.state import AppState, State

ROLES = ("doctor", "hr", "manager", "admin")


@dataclass(frozen=True)
class Principal:
    account_id: int
    login: str
    role: str
    person_id: str | None
    org_inns: tuple[str, ...] = field(default_factory=tuple)
    session_id: str = ""
    ip: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _unauthorized(detail: str = "Требуется вход: передайте действующий токен доступа.") -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="frmr"'})


_PRINCIPAL_QUERY = (
    # Core columns, not ORM entities: this runs on every request, and building four mapped
    # objects per row cost more than the query itself.
    sa.select(col(Token.kind), col(Token.expires_at), col(AuthSession.id), col(AuthSession.revoked_at),
              col(Account.id), col(Account.login), col(Account.role), col(Account.person_id),
              col(Account.disabled), col(AccountOrg.org_inn))
    .select_from(Token)
    .join(AuthSession, col(AuthSession.id) == col(Token.session_id))
    .join(Account, col(Account.id) == col(AuthSession.account_id))
    .outerjoin(AccountOrg, col(AccountOrg.account_id) == col(Account.id))
    .where(col(Token.token_hash) == sa.bindparam("h"))
)


def principal_for_token(state: AppState, token: str, ip: str) -> Principal:
    now = time.time()
    h = token_hash(token)
    rows = autocommit_read(state.engine, lambda conn: conn.execute(_PRINCIPAL_QUERY, {"h": h}).all())
    if not rows:
        raise _unauthorized()
    first: Any = rows[0]
    kind, expires_at, session_id, revoked_at, account_id, login, role, person_id, disabled, _ = first
    if kind != "access" or expires_at <= now or revoked_at is not None or disabled:
        raise _unauthorized("Сеанс истёк или отозван: войдите заново.")
    inns = tuple(sorted(r[9] for r in rows if r[9]))
    return Principal(account_id, login, role, person_id, inns, session_id, ip)


def current(request: Request, state: State) -> Principal:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized()
    return principal_for_token(state, token.strip(), client_ip(request))


CurrentUser = Annotated[Principal, Depends(current)]


def require(*roles: str):  # type: ignore[no-untyped-def]
    """Dependency: the caller must have one of these roles (403 otherwise)."""

    def dep(p: CurrentUser) -> Principal:
        if p.role not in roles:
            raise Problem(403, "Недостаточно прав для этого действия.")
        return p

    return dep
