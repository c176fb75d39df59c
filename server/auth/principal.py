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
    #: "" or what the account must do before anything else: "enrol" (its second factor was
    #: reset by the operator) or "password" (the password is older than the expiry policy)
    restricted: str = ""


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
              col(Account.disabled), col(AccountOrg.org_inn), col(Account.must_enrol),
              col(Account.password_changed_at))
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
    kind, expires_at, session_id, revoked_at, account_id, login, role, person_id, disabled, _, must_enrol, \
        changed_at = first
    if kind != "access" or expires_at <= now or revoked_at is not None or disabled:
        raise _unauthorized("Сеанс истёк или отозван: войдите заново.")
    inns = tuple(sorted(r[9] for r in rows if r[9]))
    restricted = ""
    if must_enrol:
        restricted = "enrol"
    elif password_expired(state.settings.password_max_age_days, float(changed_at or 0), now):
        restricted = "password"
    return Principal(account_id, login, role, person_id, inns, session_id, ip, restricted)


def password_expired(max_age_days: int, changed_at: float, now: float) -> bool:
    return max_age_days > 0 and now >= changed_at + max_age_days * 86400


#: what a restricted account may still call (method, path); everything else is refused
ALLOWED_WHILE: dict[str, frozenset[tuple[str, str]]] = {
    "enrol": frozenset({("GET", "/me"), ("POST", "/me/totp/enrol"), ("POST", "/me/totp/confirm")}),
    "password": frozenset({("GET", "/me"), ("POST", "/me/password")}),
}
RESTRICTED_TEXT = {
    "enrol": "Второй фактор входа сброшен оператором: сначала подключите одноразовые коды заново "
             "(раздел «Учётная запись и безопасность» или «frmr account 2fa enrol»).",
    "password": "Срок действия пароля истёк: сначала смените пароль "
                "(раздел «Учётная запись и безопасность» или «frmr account password»).",
}


def current(request: Request, state: State) -> Principal:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized()
    p = principal_for_token(state, token.strip(), client_ip(request))
    if p.restricted and (request.method, request.url.path) not in ALLOWED_WHILE[p.restricted]:
        # Decided here, once, for every endpoint: a new route cannot forget to check it.
        raise Problem(403, RESTRICTED_TEXT[p.restricted], type_=f"https://frmr.local/problems/{p.restricted}-required",
                      restricted=p.restricted)
    return p


CurrentUser = Annotated[Principal, Depends(current)]


def require(*roles: str):  # type: ignore[no-untyped-def]
    """Dependency: the caller must have one of these roles (403 otherwise)."""

    def dep(p: CurrentUser) -> Principal:
        if p.role not in roles:
            raise Problem(403, "Недостаточно прав для этого действия.")
        return p

    return dep
