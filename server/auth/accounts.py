"""Accounts: creation, credential checks with lockout, TOTP enrolment."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server import audit
from server.auth import passwords, totp
from server.auth.principal import ROLES
from server.config import Settings
from server.db import in_write_tx
from server.models import Account, AccountOrg, LoginFailure, Organization, RecoveryCode
from server.problems import Problem

LOGIN_FAILED = "Неверный логин, пароль или одноразовый код, либо вход временно заблокирован. Повторите попытку позже."


@dataclass
class NewAccount:
    account: Account
    password: str
    totp_secret: str | None
    recovery_codes: list[str]


def create_account(
    s: Session,
    login: str,
    password: str,
    role: str,
    *,
    person_id: str | None = None,
    org_inns: list[str] | None = None,
    display_name: str = "",
    with_totp: bool = True,
) -> NewAccount:
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = "роль должна быть одной из: " + ", ".join(ROLES)
    if not login or len(login) > 100 or not login.replace(".", "").replace("-", "").replace("_", "").isalnum():
        errors["login"] = "логин: буквы, цифры, точка, дефис, подчёркивание; до 100 символов"
    bad = passwords.policy_errors(password)
    if bad:
        errors["password"] = "пароль не соответствует требованиям: " + ", ".join(bad)
    if role in ("hr", "manager") and not org_inns:
        errors["org_inns"] = "для кадровика и руководителя укажите организации"
    if role == "doctor" and not person_id:
        errors["person_id"] = "для медицинского работника укажите запись регистра"
    for inn in org_inns or []:
        if s.get(Organization, inn) is None:
            errors["org_inns"] = f"организация с ИНН {inn} не найдена"
    if s.exec(select(Account).where(Account.login == login)).first():
        errors["login"] = "такой логин уже занят"
    if errors:
        raise Problem(422, "Учётная запись не создана: " + "; ".join(errors.values()), errors=errors)
    secret = totp.new_secret() if with_totp else None
    acc = Account(
        login=login,
        password_hash=passwords.hash_password(password),
        role=role,
        person_id=person_id if role == "doctor" else None,
        display_name=display_name,
        totp_secret=secret,
        totp_confirmed=with_totp,
        created_at=time.time(),
        password_changed_at=time.time(),
    )
    s.add(acc)
    s.flush()
    assert acc.id is not None
    for inn in org_inns or []:
        s.add(AccountOrg(account_id=acc.id, org_inn=inn))
    codes = totp.new_recovery_codes() if with_totp else []
    for c in codes:
        s.add(RecoveryCode(account_id=acc.id, code_hash=totp.recovery_hash(c)))
    return NewAccount(acc, password, secret, codes)


def _second_factor_ok(s: Session, acc: Account, otp: str, now: float) -> bool:
    if not acc.totp_confirmed or not acc.totp_secret:
        # Not enrolled yet: the password alone admits, and the cabinet asks to enrol.
        return True
    step = totp.matching_step(acc.totp_secret, otp, acc.totp_last_step, now)
    if step is not None:
        acc.totp_last_step = step
        return True
    code = s.exec(
        select(RecoveryCode).where(
            RecoveryCode.account_id == acc.id,
            RecoveryCode.code_hash == totp.recovery_hash(otp),
            RecoveryCode.used_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if code:
        code.used_at = now
        s.add(code)
        return True
    return False


def blocked(s: Session, acc: Account, settings: Settings, now: float) -> bool:
    """Locked out, or over the hourly cap of failures."""
    hour_failures = s.exec(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.account_id == acc.id, LoginFailure.at > now - 3600
        )
    ).one()
    return acc.locked_until > now or hour_failures >= settings.hourly_failure_cap


def count_failure(s: Session, acc: Account, settings: Settings, now: float) -> None:
    """One more wrong password (at login, or when a signed-in person re-enters theirs)."""
    acc.failed_count += 1
    assert acc.id is not None
    s.add(LoginFailure(account_id=acc.id, at=now))
    if acc.failed_count >= settings.lockout_failures:
        acc.locked_until = now + settings.lockout_seconds
        acc.failed_count = 0
    s.add(acc)
    # old failures only matter for the hourly window
    s.execute(delete(LoginFailure).where(col(LoginFailure.account_id) == acc.id, col(LoginFailure.at) < now - 7200))


def verify_current(s: Session, settings: Settings, acc: Account, password: str, now: float) -> str:
    """``ok``, ``locked`` or ``wrong`` for a password re-entered by its signed-in owner.

    Counted exactly like a login failure and under the same lockout, so a stolen session cannot
    be used to guess the password faster than the login form allows. The caller locks the row,
    commits (a failure must stay counted) and only then refuses.
    """
    if blocked(s, acc, settings, now):
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return "locked"
    if passwords.verify_password(acc.password_hash, password):
        return "ok"
    count_failure(s, acc, settings, now)
    return "wrong"


WRONG_PASSWORD = "Неверный текущий пароль."
LOCKED = "Слишком много неверных попыток ввода пароля: ввод временно заблокирован. Повторите попытку позже."


def refusal(why: str) -> Problem:
    """The answer to a failed ``verify_current`` (403: the token is fine, the password is not)."""
    if why == "locked":
        return Problem(403, LOCKED, type_="https://frmr.local/problems/password-locked")
    return Problem(403, WRONG_PASSWORD, type_="https://frmr.local/problems/wrong-password",
                   errors={"password": "неверный пароль"})


def check_credentials(engine: Engine, settings: Settings, login: str, password: str, otp: str, ip: str) -> Account:
    """The account if login, password and second factor are right and it is not locked.

    Every failure raises the same Problem, whatever the cause. Counters live in the
    database so a restart neither forgets a lock nor resets the hourly budget.
    """
    login = (login or "").strip()[:100]
    now = time.time()

    def attempt(s: Session) -> tuple[Account | None, str]:
        acc = s.exec(select(Account).where(Account.login == login).with_for_update()).first()
        if acc is None:
            passwords.verify_password(passwords.DUMMY_HASH, password or "")
            return None, "unknown_login"
        if acc.disabled:
            passwords.verify_password(passwords.DUMMY_HASH, password or "")
            return None, "disabled"
        if blocked(s, acc, settings, now):
            passwords.verify_password(passwords.DUMMY_HASH, password or "")
            return None, "locked"
        ok = passwords.verify_password(acc.password_hash, password or "") and _second_factor_ok(s, acc, otp or "", now)
        if ok:
            acc.failed_count = 0
            s.add(acc)
            return acc, "ok"
        count_failure(s, acc, settings, now)
        return None, "bad_credentials"

    acc, why = in_write_tx(engine, attempt)
    if acc is None:
        audit.log(engine, None, "login_failed", "account", "", why, ip=ip, login=login)
        raise Problem(401, LOGIN_FAILED)
    return acc
