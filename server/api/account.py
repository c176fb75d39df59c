"""A person's own server account: password change and reset, ending other sessions, consent.

Every endpoint acts on the caller's own account only (the account id comes from the token,
never from the request), except the operator's reset-code endpoint, which requires the admin
role. Permission is decided first; each change is journaled in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlmodel import Session, col, select

from server import audit
from server.api.common import client_schema_optional
from server.auth import passwords
from server.auth.accounts import blocked, count_failure, refusal, verify_current
from server.auth.principal import CurrentUser, Principal, client_ip, require
from server.auth.ratelimit import check_login_rate
from server.db import in_write_tx, read_session
from server.models import Account, AuthSession, ConsentRecord, ResetCode
from server.problems import Problem
from server.state import State

router = APIRouter(tags=["учётная запись"], dependencies=[Depends(client_schema_optional)])
Admin = Annotated[Principal, Depends(require("admin"))]

#: reset codes: 16 characters without look-alikes (0/O, 1/I), shown in groups of four
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RESET_FAILED = ("Код сброса неверен, уже использован или истёк, либо попытки временно заблокированы: "
                "попросите оператора выдать новый код.")
RACED = ("Пароль уже изменён на другом устройстве (этот сеанс завершён): "
         "войдите заново с новым паролем.")


def end_sessions(s: Session, account_id: int, reason: str, *, keep: str = "") -> int:
    """Revoke the account's open sessions (all but ``keep``); the count of those ended."""
    q = update(AuthSession).where(col(AuthSession.account_id) == account_id, col(AuthSession.revoked_at).is_(None))
    if keep:
        q = q.where(col(AuthSession.id) != keep)
    return int(s.execute(q.values(revoked_at=time.time(), revoke_reason=reason)).rowcount or 0)  # type: ignore[attr-defined]


def _policy(new: str, field: str = "new_password") -> None:
    bad = passwords.policy_errors(new)
    if bad:
        raise Problem(422, "Пароль не соответствует требованиям: " + ", ".join(bad), errors={field: ", ".join(bad)})


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=300)
    new_password: str = Field(min_length=1, max_length=300)


@router.post("/me/password", summary="Сменить свой пароль (завершает остальные сеансы)")
def change_password(body: PasswordChange, p: CurrentUser, st: State) -> dict[str, Any]:
    # counted with the logins from this address: a stolen token must not become a faster guesser
    check_login_rate(st.engine, st.settings, p.ip)
    if body.new_password == body.old_password:
        raise Problem(422, "Новый пароль совпадает с текущим: придумайте другой.",
                      errors={"new_password": "совпадает с текущим"})
    _policy(body.new_password)
    new_hash = passwords.hash_password(body.new_password)  # outside the row lock: ~0.4 s
    now = time.time()

    def tx(s: Session) -> tuple[str, int]:
        acc = s.exec(select(Account).where(Account.id == p.account_id).with_for_update()).one()
        sess = s.get(AuthSession, p.session_id)
        if sess is None or sess.revoked_at is not None:
            # another device changed the password first and ended this session meanwhile
            return "raced", 0
        why = verify_current(s, st.settings, acc, body.old_password, now)
        if why != "ok":
            audit.add(s, p, "password_change_failed", "account", p.login, why)
            return why, 0
        acc.password_hash = new_hash
        acc.password_changed_at = now
        acc.failed_count = 0
        s.add(acc)
        n = end_sessions(s, p.account_id, "password_change", keep=p.session_id)
        audit.add(s, p, "password_change", "account", p.login, f"завершено других сеансов: {n}")
        return "ok", n

    why, ended = in_write_tx(st.engine, tx)
    if why == "raced":
        raise Problem(409, RACED, type_="https://frmr.local/problems/password-changed-elsewhere")
    if why != "ok":
        raise refusal(why)
    return {"changed": True, "sessions_ended": ended, "password_changed_at": now}


def _code_hash(code: str) -> str:
    norm = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(norm.encode()).hexdigest()


@router.post("/admin/accounts/{account_id}/reset-code", status_code=201,
             summary="Выдать одноразовый код сброса пароля (оператор)")
def issue_reset_code(account_id: Annotated[int, Path(ge=1, le=2**31)], p: Admin, st: State) -> dict[str, Any]:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
    now = time.time()
    expires = now + st.settings.reset_code_ttl

    def tx(s: Session) -> str:
        acc = s.get(Account, account_id)
        if acc is None:
            raise Problem(404, "Учётная запись не найдена.")
        # one live code per account: a new one voids the ones given before
        s.execute(update(ResetCode).where(col(ResetCode.account_id) == account_id, col(ResetCode.used_at).is_(None))
                  .values(used_at=now))
        s.add(ResetCode(account_id=account_id, code_hash=_code_hash(code), created_at=now, expires_at=expires,
                        issued_by=p.account_id))
        audit.add(s, p, "reset_code_issued", "account", acc.login, "одноразовый код сброса пароля")
        return acc.login

    login = in_write_tx(st.engine, tx)
    return {"login": login, "code": code, "expires_at": expires}


class PasswordReset(BaseModel):
    login: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=40)
    new_password: str = Field(min_length=1, max_length=300)


@router.post("/account/password/reset", summary="Задать новый пароль по коду оператора (без входа)")
def reset_password(body: PasswordReset, request: Request, st: State) -> dict[str, Any]:
    ip = client_ip(request)
    check_login_rate(st.engine, st.settings, ip)
    _policy(body.new_password)
    new_hash = passwords.hash_password(body.new_password)
    now = time.time()
    login = body.login.strip()

    def tx(s: Session) -> str:
        acc = s.exec(select(Account).where(Account.login == login).with_for_update()).first()
        if acc is None or acc.disabled:
            return "unknown"
        if blocked(s, acc, st.settings, now):
            return "locked"
        row = s.exec(select(ResetCode).where(ResetCode.account_id == acc.id,
                                             ResetCode.code_hash == _code_hash(body.code),
                                             col(ResetCode.used_at).is_(None))).first()
        if row is None or row.expires_at <= now:
            count_failure(s, acc, st.settings, now)
            return "bad_code"
        if passwords.verify_password(acc.password_hash, body.new_password):
            return "same"  # the code stays valid: nothing was done
        row.used_at = now
        s.add(row)
        acc.password_hash = new_hash
        acc.password_changed_at = now
        acc.failed_count = 0
        s.add(acc)
        n = end_sessions(s, acc.id or 0, "password_reset")
        audit.add(s, None, "password_reset", "account", acc.login, f"по коду оператора; завершено сеансов: {n}",
                  ip=ip, login=acc.login)
        return "ok"

    why = in_write_tx(st.engine, tx)
    if why == "same":
        raise Problem(422, "Новый пароль совпадает с прежним: придумайте другой.",
                      errors={"new_password": "совпадает с прежним"})
    if why != "ok":
        audit.log(st.engine, None, "password_reset_failed", "account", login, why, ip=ip, login=login)
        raise Problem(400, RESET_FAILED, errors={"code": "неверный, использованный или истёкший код"})
    return {"changed": True}


@router.delete("/sessions", summary="Завершить все мои сеансы, кроме текущего")
def end_other_sessions(p: CurrentUser, st: State) -> dict[str, Any]:
    def tx(s: Session) -> int:
        n = end_sessions(s, p.account_id, "user_others", keep=p.session_id)
        audit.add(s, p, "sessions_revoke_others", "account", p.login, f"завершено сеансов: {n}")
        return n

    return {"revoked": in_write_tx(st.engine, tx)}


class ConsentIn(BaseModel):
    version: str = Field(min_length=1, max_length=50, pattern=r"^[\w.\-]+$")
    given_at: str = Field(default="", max_length=40, description="когда согласие дано в приложении (ISO 8601)")


@router.post("/me/consent", status_code=201, summary="Записать на сервере согласие на обработку ПДн (152-ФЗ)")
def record_consent(body: ConsentIn, p: CurrentUser, st: State) -> dict[str, Any]:
    now = time.time()

    def tx(s: Session) -> None:
        s.add(ConsentRecord(account_id=p.account_id, version=body.version, given_at=body.given_at,
                            recorded_at=now, ip=p.ip[:64]))
        audit.add(s, p, "consent_recorded", "account", p.login, f"версия текста {body.version}")

    in_write_tx(st.engine, tx)
    return {"version": body.version, "given_at": body.given_at, "recorded_at": now}


@router.get("/me/consent", summary="Мои согласия на обработку ПДн, записанные на сервере")
def consents(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        rows = s.exec(select(ConsentRecord).where(ConsentRecord.account_id == p.account_id)
                      .order_by(col(ConsentRecord.recorded_at).desc()).limit(50)).all()
    return {"items": [{"version": r.version, "given_at": r.given_at, "recorded_at": r.recorded_at, "ip": r.ip}
                      for r in rows]}
