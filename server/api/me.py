"""The caller's own account: /me, the second factor (enrol, replace the device, recovery codes)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlmodel import Session, col, select

from server import audit
from server.api.common import client_schema_optional
from server.auth import totp
from server.auth.accounts import refusal, verify_current
from server.auth.principal import CurrentUser, Principal
from server.auth.ratelimit import check_login_rate
from server.auth.tokens import user_info
from server.config import Settings
from server.db import in_write_tx, read_session
from server.models import Account, RecoveryCode
from server.problems import Problem
from server.state import State

router = APIRouter(tags=["учётная запись"], dependencies=[Depends(client_schema_optional)])


class MeAnswer(BaseModel):
    login: str
    role: str
    person_id: str | None
    display_name: str = ""
    organizations: list[dict[str, str]]
    totp_enrolled: bool
    #: the operator reset the second factor: enrol before anything else
    must_enrol: bool = False
    #: "" or what must be done before anything else: "enrol" or "password"
    restricted: str = ""
    password_changed_at: float = 0.0
    #: null when the server has no expiry policy
    password_expires_at: float | None = None
    #: the expiry is within the warning period (or past)
    password_expiry_warning: bool = False
    recovery_codes_left: int = 0


def password_expiry(settings: Settings, changed_at: float) -> tuple[float | None, bool]:
    if settings.password_max_age_days <= 0:
        return None, False
    expires = changed_at + settings.password_max_age_days * 86400
    return expires, time.time() >= expires - settings.password_warn_days * 86400


@router.get("/me", response_model=MeAnswer, summary="Кто я")
def me(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        acc = s.get(Account, p.account_id)
        assert acc is not None
        out = user_info(s, acc)
        left = s.exec(select(RecoveryCode.id).where(RecoveryCode.account_id == acc.id,
                                                    col(RecoveryCode.used_at).is_(None))).all()
    expires, warn = password_expiry(st.settings, acc.password_changed_at)
    out.update(must_enrol=acc.must_enrol, restricted=p.restricted, password_changed_at=acc.password_changed_at,
               password_expires_at=expires, password_expiry_warning=warn, recovery_codes_left=len(left))
    return out


class TotpCode(BaseModel):
    code: str = Field(min_length=6, max_length=10)


class PasswordProof(BaseModel):
    password: str = Field(default="", max_length=300,
                          description="текущий пароль: нужен, чтобы заменить устройство или коды восстановления")


def _reauthenticated(s: Session, p: Principal, st: Any, acc: Account, password: str, action: str) -> str:
    why = verify_current(s, st.settings, acc, password, time.time())
    if why != "ok":
        audit.add(s, p, action + "_failed", "account", p.login, why)
    return why


@router.post("/me/totp/enrol", summary="Начать подключение (или замену устройства) одноразовых кодов")
def totp_enrol(p: CurrentUser, st: State, body: PasswordProof | None = None) -> dict[str, Any]:
    secret = totp.new_secret()
    password = body.password if body else ""
    if password:
        check_login_rate(st.engine, st.settings, p.ip)  # a password guess, counted with the logins

    def do(s: Session) -> str:
        acc = s.exec(select(Account).where(Account.id == p.account_id).with_for_update()).one()
        replacing = acc.totp_confirmed and not acc.must_enrol
        if replacing:
            # the device in hand is not proof enough to move the second factor elsewhere
            if not password:
                raise Problem(422, "Чтобы заменить устройство, введите текущий пароль.",
                              errors={"password": "обязателен для замены устройства"})
            why = _reauthenticated(s, p, st, acc, password, "totp_enrol")
            if why != "ok":
                return why
        # The confirmed secret stays in use until the new one is confirmed by its first code.
        acc.totp_pending_secret = secret
        s.add(acc)
        audit.add(s, p, "totp_enrol_start", "account", p.login, "замена устройства" if replacing else "")
        return "ok"

    why = in_write_tx(st.engine, do)
    if why != "ok":
        raise refusal(why)
    uri = totp.provisioning_uri(secret, p.login)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg_base64": totp.qr_svg_base64(uri)}


@router.post("/me/totp/confirm", summary="Подтвердить подключение первым кодом; выдаёт коды восстановления")
def totp_confirm(body: TotpCode, p: CurrentUser, st: State) -> dict[str, Any]:
    codes = totp.new_recovery_codes()

    def do(s: Session) -> None:
        acc = s.exec(select(Account).where(Account.id == p.account_id).with_for_update()).one()
        pending = acc.totp_pending_secret
        if not pending:
            raise Problem(409, "Сначала начните подключение одноразовых кодов.")
        step = totp.matching_step(pending, body.code, 0)
        if step is None:
            raise Problem(422, "Неверный одноразовый код: проверьте время на устройстве и введите код заново.",
                          errors={"code": "неверный код"})
        replaced = acc.totp_confirmed and not acc.must_enrol
        acc.totp_secret = pending
        acc.totp_pending_secret = None
        acc.totp_last_step = step
        acc.totp_confirmed = True
        acc.must_enrol = False
        s.add(acc)
        s.execute(delete(RecoveryCode).where(col(RecoveryCode.account_id) == acc.id))
        for c in codes:
            s.add(RecoveryCode(account_id=p.account_id, code_hash=totp.recovery_hash(c)))
        audit.add(s, p, "totp_replaced" if replaced else "totp_enrolled", "account", p.login)

    in_write_tx(st.engine, do)
    return {"recovery_codes": codes}


@router.post("/me/totp/recovery-codes", summary="Выдать новые коды восстановления (прежние перестают действовать)")
def totp_recovery_codes(body: PasswordProof, p: CurrentUser, st: State) -> dict[str, Any]:
    check_login_rate(st.engine, st.settings, p.ip)
    codes = totp.new_recovery_codes()

    def do(s: Session) -> str:
        acc = s.exec(select(Account).where(Account.id == p.account_id).with_for_update()).one()
        if not acc.totp_confirmed:
            raise Problem(409, "Одноразовые коды не подключены: сначала подключите их.")
        if not body.password:
            raise Problem(422, "Чтобы выдать новые коды восстановления, введите текущий пароль.",
                          errors={"password": "обязателен"})
        why = _reauthenticated(s, p, st, acc, body.password, "totp_recovery_codes")
        if why != "ok":
            return why
        s.execute(delete(RecoveryCode).where(col(RecoveryCode.account_id) == acc.id))
        for c in codes:
            s.add(RecoveryCode(account_id=p.account_id, code_hash=totp.recovery_hash(c)))
        audit.add(s, p, "totp_recovery_codes", "account", p.login, "выданы новые коды восстановления")
        return "ok"

    why = in_write_tx(st.engine, do)
    if why != "ok":
        raise refusal(why)
    return {"recovery_codes": codes}
