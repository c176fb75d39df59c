"""The caller's own account: /me, TOTP enrolment and recovery codes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlmodel import Session, col

from server import audit
from server.api.common import client_schema_optional
from server.auth import totp
from server.auth.principal import CurrentUser
from server.auth.tokens import user_info
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


@router.get("/me", response_model=MeAnswer, summary="Кто я")
def me(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        acc = s.get(Account, p.account_id)
        assert acc is not None
        return user_info(s, acc)


class TotpCode(BaseModel):
    code: str = Field(min_length=6, max_length=10)


@router.post("/me/totp/enrol", summary="Начать подключение одноразовых кодов (секрет и QR-код)")
def totp_enrol(p: CurrentUser, st: State) -> dict[str, Any]:
    secret = totp.new_secret()

    def do(s: Session) -> None:
        acc = s.get(Account, p.account_id)
        assert acc is not None
        # A pending secret does not replace a confirmed one until it is confirmed by a code.
        if acc.totp_confirmed:
            raise Problem(409, "Одноразовые коды уже подключены. Чтобы заменить устройство, обратитесь к оператору.")
        acc.totp_secret = secret
        acc.totp_last_step = 0
        s.add(acc)
        audit.add(s, p, "totp_enrol_start", "account", str(p.account_id))

    in_write_tx(st.engine, do)
    uri = totp.provisioning_uri(secret, p.login)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg_base64": totp.qr_svg_base64(uri)}


@router.post("/me/totp/confirm", summary="Подтвердить подключение кодом; выдаёт коды восстановления")
def totp_confirm(body: TotpCode, p: CurrentUser, st: State) -> dict[str, Any]:
    codes = totp.new_recovery_codes()

    def do(s: Session) -> None:
        acc = s.get(Account, p.account_id)
        assert acc is not None
        if acc.totp_confirmed or not acc.totp_secret:
            raise Problem(409, "Сначала начните подключение одноразовых кодов.")
        step = totp.matching_step(acc.totp_secret, body.code, acc.totp_last_step)
        if step is None:
            raise Problem(422, "Неверный одноразовый код.", errors={"code": "неверный код"})
        acc.totp_last_step = step
        acc.totp_confirmed = True
        s.add(acc)
        s.execute(delete(RecoveryCode).where(col(RecoveryCode.account_id) == acc.id))
        for c in codes:
            s.add(RecoveryCode(account_id=p.account_id, code_hash=totp.recovery_hash(c)))
        audit.add(s, p, "totp_enrolled", "account", str(p.account_id))

    in_write_tx(st.engine, do)
    return {"recovery_codes": codes}
