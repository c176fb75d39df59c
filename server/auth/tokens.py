"""Sessions, access tokens and rotating refresh tokens (reuse revokes the family)."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.auth.principal import token_hash
from server.config import Settings
from server.models import Account, AccountOrg, AuthSession, Organization, Token
from server.problems import Problem


def invalid_grant(detail: str = "Код или токен обновления недействителен.") -> Problem:
    # RFC 6749 error code kept beside the RFC 9457 fields so OAuth clients understand it too.
    return Problem(400, detail, error="invalid_grant")


def user_info(s: Session, acc: Account) -> dict[str, Any]:
    orgs = s.exec(
        select(Organization).join(AccountOrg, AccountOrg.org_inn == Organization.inn)  # type: ignore[arg-type]
        .where(AccountOrg.account_id == acc.id).order_by(Organization.inn)
    ).all()
    return {
        "login": acc.login,
        "role": acc.role,
        "person_id": acc.person_id,
        "display_name": acc.display_name,
        "organizations": [{"inn": o.inn, "name": o.name} for o in orgs],
        "totp_enrolled": acc.totp_confirmed,
    }


def _issue_pair(s: Session, settings: Settings, session_id: str, now: float) -> tuple[str, str]:
    access = secrets.token_urlsafe(32)
    refresh = secrets.token_urlsafe(48)
    s.add(Token(token_hash=token_hash(access), session_id=session_id, kind="access",
                expires_at=now + settings.access_ttl))
    s.add(Token(token_hash=token_hash(refresh), session_id=session_id, kind="refresh",
                expires_at=now + settings.refresh_ttl))
    return access, refresh


def _answer(s: Session, settings: Settings, acc: Account, access: str, refresh: str, session_id: str) -> dict[str, Any]:
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": settings.access_ttl,
        "refresh_token": refresh,
        "scope": acc.role,
        "role": acc.role,
        "session_id": session_id,
        "user": user_info(s, acc),
    }


def start_session(s: Session, settings: Settings, acc: Account, ip: str, user_agent: str) -> dict[str, Any]:
    now = time.time()
    assert acc.id is not None
    sess = AuthSession(id=str(uuid.uuid4()), account_id=acc.id, created_at=now, last_used_at=now,
                       ip=ip[:64], user_agent=user_agent[:300])
    s.add(sess)
    s.flush()
    access, refresh = _issue_pair(s, settings, sess.id, now)
    return _answer(s, settings, acc, access, refresh, sess.id)


def revoke_session(s: Session, session_id: str, reason: str) -> None:
    s.execute(update(AuthSession).where(col(AuthSession.id) == session_id, col(AuthSession.revoked_at).is_(None))
              .values(revoked_at=time.time(), revoke_reason=reason))


#: how long after an exchange its answer may be asked for again with the same retry_key
RETRY_WINDOW = 120.0


def refresh(s: Session, settings: Settings, refresh_token: str, retry_key: str = "",
            ) -> tuple[dict[str, Any], Account, bool]:
    """Exchange a refresh token for a new pair; a second use of any refresh token kills its family.

    The one exception (docs/sync-protocol.md, Login): the same token presented again with the
    ``retry_key`` of the exchange it caused, within RETRY_WINDOW, while the refresh token that
    exchange issued is still unused — the client never got that answer. The unused pair is
    revoked and a fresh one issued in the same session. Returns (answer, account, was_retry).
    """
    now = time.time()
    row = s.exec(select(Token).where(Token.token_hash == token_hash(refresh_token)).with_for_update()).first()
    if row is None or row.kind != "refresh":
        raise invalid_grant()
    sess = s.get(AuthSession, row.session_id)
    if sess is None or sess.revoked_at is not None:
        raise invalid_grant("Сеанс завершён: войдите заново.")
    acc = s.get(Account, sess.account_id)
    if acc is None or acc.disabled:
        raise invalid_grant()
    key_hash = token_hash(retry_key) if retry_key else None
    retry = False
    if row.used_at is not None:
        if not (key_hash and _retry_allowed(s, row, key_hash, now)):
            revoke_session(s, sess.id, "refresh_reuse")
            # the revocation must survive the error answer, so the caller commits before raising
            raise _Reuse()
        retry = True
    elif row.expires_at <= now:
        raise invalid_grant("Срок действия токена обновления истёк: войдите заново.")
    access, new_refresh = _issue_pair(s, settings, sess.id, now)
    row.used_at = now
    row.retry_key_hash = key_hash
    row.child_refresh_hash = token_hash(new_refresh)
    row.child_access_hash = token_hash(access)
    s.add(row)
    sess.last_used_at = now
    s.add(sess)
    return _answer(s, settings, acc, access, new_refresh, sess.id), acc, retry


def _retry_allowed(s: Session, row: Token, key_hash: str, now: float) -> bool:
    """A retry of the exchange this token caused; if so, that exchange's unused pair is revoked."""
    if (row.retry_key_hash is None or not secrets.compare_digest(row.retry_key_hash, key_hash)
            or row.used_at is None or now - row.used_at > RETRY_WINDOW or row.child_refresh_hash is None):
        return False
    child = s.exec(select(Token).where(Token.token_hash == row.child_refresh_hash).with_for_update()).first()
    if child is None or child.used_at is not None or child.session_id != row.session_id:
        return False
    # Marked as exchanged, not deleted: should the lost answer surface after all, presenting its
    # refresh token is a reuse and revokes the family, as for any other replayed token.
    child.used_at = now
    s.add(child)
    if row.child_access_hash:
        s.execute(update(Token).where(col(Token.token_hash) == row.child_access_hash).values(expires_at=now))
    return True


class _Reuse(Exception):
    pass


Reuse = _Reuse
