"""«Мой журнал» on the server: what happened to the caller's own account and record.

Logins (successful and failed — a failed one is journaled under the login typed, with no
account), changes to the account (password, second factor, sessions, consent, an operator's
changes), exports the caller made, and changes others made to the caller's own record: the
journal's ``change`` entries on those rows, and for each row its last change as the record
itself keeps it (who, when, which fields — the sync push journals batches, not fields).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, col, select

from server.api.common import client_schema_optional
from server.auth.principal import CurrentUser, Principal
from server.db import read_session
from server.models import Account, Audit, Record
from server.state import State

router = APIRouter(tags=["учётная запись"], dependencies=[Depends(client_schema_optional)])

#: journal kind -> the audit actions it shows (``record`` is computed separately)
KINDS: dict[str, frozenset[str]] = {
    "login": frozenset({"login", "login_failed", "logout", "code_replay", "refresh_reuse"}),
    "account": frozenset({"password_change", "password_change_failed", "password_reset", "password_reset_failed",
                          "reset_code_issued", "totp_enrol_start", "totp_enrol_failed", "totp_enrolled",
                          "totp_replaced", "totp_recovery_codes", "totp_recovery_codes_failed", "account_change",
                          "account_create", "session_revoke", "sessions_revoke_others", "consent_recorded"}),
    "export": frozenset({"export"}),
}
#: actions journaled without an account (failed logins, resets by code): matched by the login typed
_BY_LOGIN = ("login_failed", "password_reset", "password_reset_failed")
Kind = Literal["login", "account", "record", "export", ""]


def kind_of(action: str) -> str:
    for kind, actions in KINDS.items():
        if action in actions:
            return kind
    return "record"


def _audit_rows(s: Session, p: Principal, kind: str, since: float, until: float, limit: int) -> list[dict[str, Any]]:
    actions = KINDS[kind] if kind else frozenset().union(*KINDS.values())
    mine = sa.or_(
        col(Audit.account_id) == p.account_id,
        sa.and_(col(Audit.account_id).is_(None), col(Audit.login) == p.login, col(Audit.action).in_(_BY_LOGIN)),
        sa.and_(col(Audit.entity) == "account", col(Audit.entity_id) == p.login),
    )
    q = select(Audit).where(mine, col(Audit.action).in_(sorted(actions)))
    if since:
        q = q.where(col(Audit.at) >= since)
    if until:
        q = q.where(col(Audit.at) <= until)
    rows = s.exec(q.order_by(col(Audit.at).desc()).limit(limit)).all()
    return [{"at": r.at, "kind": kind_of(r.action), "action": r.action, "who": r.login, "ip": r.ip,
             "entity": r.entity, "entity_id": r.entity_id, "fields": [], "detail": r.detail} for r in rows]


def _record_rows(s: Session, p: Principal, since: float, until: float, limit: int) -> list[dict[str, Any]]:
    if not p.person_id:
        return []
    ids = [r[0] for r in s.execute(sa.select(col(Record.id)).where(col(Record.person_id) == p.person_id)).all()]
    if not ids:
        return []
    out: list[dict[str, Any]] = []
    q = select(Audit).where(col(Audit.action) == "change", col(Audit.entity_id).in_(ids))
    if since:
        q = q.where(col(Audit.at) >= since)
    if until:
        q = q.where(col(Audit.at) <= until)
    for r in s.exec(q.order_by(col(Audit.at).desc()).limit(limit)).all():
        # a pushed change names its fields in the detail («поля: a, b», «создана; поля: …»)
        named = r.detail.split("поля: ", 1)[1].split(", ") if "поля: " in r.detail else []
        out.append({"at": r.at, "kind": "record", "action": "change", "who": r.login, "ip": r.ip,
                    "entity": r.entity, "entity_id": r.entity_id, "fields": named, "detail": r.detail})
    # the last change of each row by someone else, with the fields it touched
    last = (sa.select(col(Record.id), col(Record.entity), col(Record.version), col(Record.updated_at),
                      col(Record.field_versions), col(Record.deleted), col(Account.login))
            .join(Account, col(Account.id) == col(Record.updated_by))
            .where(col(Record.person_id) == p.person_id, col(Record.updated_by) != p.account_id))
    if since:
        last = last.where(col(Record.updated_at) >= since)
    if until:
        last = last.where(col(Record.updated_at) <= until)
    for rid, ent, version, at, fv, deleted, who in s.execute(last.limit(limit)).all():
        fields = sorted(k for k, v in (fv or {}).items() if v == version)
        out.append({"at": at, "kind": "record", "action": "delete" if deleted else "last_change", "who": who,
                    "ip": "", "entity": ent, "entity_id": rid, "fields": fields, "detail": ""})
    return out


@router.get("/me/journal", summary="Мой журнал: входы, изменения учётной записи и моей записи, выгрузки")
def my_journal(
    p: CurrentUser, st: State,
    kind: Kind = "",
    since: Annotated[float, Query(ge=0, le=1e11)] = 0,
    until: Annotated[float, Query(ge=0, le=1e11)] = 0,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> dict[str, Any]:
    with read_session(st.engine) as s:
        items = [] if kind == "record" else _audit_rows(s, p, kind, since, until, limit)
        if kind in ("", "record"):
            items += _record_rows(s, p, since, until, limit)
    items.sort(key=lambda i: i["at"], reverse=True)
    return {"items": items[:limit]}
