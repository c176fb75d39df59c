"""Who is calling: resolved from the bearer token on every request."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import select

from server.db import read_session
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


def principal_for_token(state: AppState, token: str, ip: str) -> Principal:
    now = time.time()
    with read_session(state.engine) as s:
        # one statement per request: token, session, account and its organizations together
        rows = s.exec(
            select(Token, AuthSession, Account, AccountOrg.org_inn)
            .join(AuthSession, AuthSession.id == Token.session_id)  # type: ignore[arg-type]
            .join(Account, Account.id == AuthSession.account_id)  # type: ignore[arg-type]
            .outerjoin(AccountOrg, AccountOrg.account_id == Account.id)  # type: ignore[arg-type]
            .where(Token.token_hash == token_hash(token))
        ).all()
        if not rows:
            raise _unauthorized()
        tok, sess, acc, _ = rows[0]
        if tok.kind != "access" or tok.expires_at <= now or sess.revoked_at is not None or acc.disabled:
            raise _unauthorized("Сеанс истёк или отозван: войдите заново.")
        inns = tuple(sorted(r[3] for r in rows if r[3]))
        assert acc.id is not None
        return Principal(acc.id, acc.login, acc.role, acc.person_id, inns, sess.id, ip)


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
