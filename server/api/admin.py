"""Operator tools: accounts and the audit journal."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from server import audit
from server.api.common import client_schema_optional
from server.auth import passwords
from server.auth.accounts import create_account
from server.auth.principal import Principal, require
from server.db import in_write_tx, read_session
from server.models import Account, AccountOrg, Audit, AuthSession, LoginFailure, Record, RecoveryCode
from server.problems import Problem
from server.state import State

router = APIRouter(tags=["оператор"], dependencies=[Depends(client_schema_optional)])
Admin = Annotated[Principal, Depends(require("admin"))]


def _account_out(s: Session, a: Account) -> dict[str, Any]:
    inns = s.exec(select(AccountOrg.org_inn).where(AccountOrg.account_id == a.id)).all()
    return {"id": a.id, "login": a.login, "role": a.role, "person_id": a.person_id, "display_name": a.display_name,
            "organizations": list(inns), "disabled": a.disabled, "totp_enrolled": a.totp_confirmed,
            "locked_until": a.locked_until or None}


@router.get("/admin/accounts", summary="Учётные записи")
def accounts(p: Admin, st: State, role: Literal["doctor", "hr", "manager", "admin", ""] = "",
             limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    with read_session(st.engine) as s:
        q = select(Account).order_by(col(Account.id)).limit(limit)
        if role:
            q = q.where(Account.role == role)
        return {"items": [_account_out(s, a) for a in s.exec(q).all()]}


class NewAccount(BaseModel):
    login: str = Field(min_length=3, max_length=100)
    password: str = Field(min_length=1, max_length=256)
    role: Literal["doctor", "hr", "manager", "admin"]
    person_id: str | None = Field(default=None, max_length=36)
    org_inns: list[str] = Field(default_factory=list, max_length=50)
    display_name: str = Field(default="", max_length=300)


@router.post("/admin/accounts", status_code=201, summary="Создать учётную запись (с секретом TOTP)")
def create(body: NewAccount, p: Admin, st: State) -> dict[str, Any]:
    def tx(s: Session) -> dict[str, Any]:
        if body.person_id:
            person = s.get(Record, body.person_id)
            if person is None or person.entity != "person" or person.deleted:
                raise Problem(422, "Запись регистра не найдена.", errors={"person_id": "не найдена"})
        made = create_account(s, body.login, body.password, body.role, person_id=body.person_id,
                              org_inns=body.org_inns, display_name=body.display_name)
        audit.add(s, p, "account_create", "account", body.login, body.role)
        out = _account_out(s, made.account)
        out.update(totp_secret=made.totp_secret, recovery_codes=made.recovery_codes)
        return out

    return in_write_tx(st.engine, tx)


class AccountChange(BaseModel):
    disabled: bool | None = None
    unlock: bool = False
    reset_totp: bool = False
    password: str | None = Field(default=None, max_length=256)


@router.patch("/admin/accounts/{account_id}", summary="Заблокировать, разблокировать, сбросить пароль или TOTP")
def change(account_id: Annotated[int, Path(ge=1, le=2**31)], body: AccountChange, p: Admin,
           st: State) -> dict[str, Any]:
    def tx(s: Session) -> dict[str, Any]:
        a = s.get(Account, account_id)
        if a is None:
            raise Problem(404, "Учётная запись не найдена.")
        if body.password is not None:
            bad = passwords.policy_errors(body.password)
            if bad:
                raise Problem(422, "Пароль не соответствует требованиям: " + ", ".join(bad),
                              errors={"password": ", ".join(bad)})
            a.password_hash = passwords.hash_password(body.password)
            a.password_changed_at = time.time()
        if body.disabled is not None:
            a.disabled = body.disabled
            if body.disabled:
                s.execute(update(AuthSession).where(col(AuthSession.account_id) == a.id,
                                                    col(AuthSession.revoked_at).is_(None))
                          .values(revoked_at=time.time(), revoke_reason="disabled"))
        if body.unlock:
            a.locked_until = 0.0
            a.failed_count = 0
            s.execute(delete(LoginFailure).where(col(LoginFailure.account_id) == a.id))
        if body.reset_totp:
            a.totp_secret = None
            a.totp_pending_secret = None
            a.totp_confirmed = False
            a.totp_last_step = 0
            # the password alone now admits, to a session that can do nothing but enrol anew
            a.must_enrol = True
            s.execute(delete(RecoveryCode).where(col(RecoveryCode.account_id) == a.id))
        if body.password is not None or body.reset_totp:
            # new credentials end every session opened with the old ones (a reset is what one
            # does when they may be known to someone else)
            s.execute(update(AuthSession).where(col(AuthSession.account_id) == a.id,
                                                col(AuthSession.revoked_at).is_(None))
                      .values(revoked_at=time.time(),
                              revoke_reason="password_reset" if body.password is not None else "totp_reset"))
        s.add(a)
        audit.add(s, p, "account_change", "account", a.login, body.model_dump_json(exclude={"password"}))
        return _account_out(s, a)

    return in_write_tx(st.engine, tx)


@router.get("/admin/audit", summary="Журнал аудита")
def audit_journal(
    p: Admin, st: State,
    action: Annotated[str, Query(max_length=50)] = "",
    login: Annotated[str, Query(max_length=100)] = "",
    entity: Annotated[str, Query(max_length=30)] = "",
    since: Annotated[float, Query(ge=0, le=1e11)] = 0,
    until: Annotated[float, Query(ge=0, le=1e11)] = 0,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    with read_session(st.engine) as s:
        q = select(Audit).where(col(Audit.id) > after_id)
        if action:
            q = q.where(Audit.action == action)
        if login:
            q = q.where(Audit.login == login)
        if entity:
            q = q.where(Audit.entity == entity)
        if since:
            q = q.where(col(Audit.at) >= since)
        if until:
            q = q.where(col(Audit.at) <= until)
        rows = s.exec(q.order_by(col(Audit.id)).limit(limit)).all()
    audit.log(st.engine, p, "read_audit", "audit", "", f"записей: {len(rows)}")
    return {"items": [r.model_dump() for r in rows]}
