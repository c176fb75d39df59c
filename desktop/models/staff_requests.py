"""Requests to workers and confirmation decisions, as the HR clerk's vault keeps them (issue 13). Qt-free.

A request is a row of ``request`` the clerk creates for a person of its staff: queued in the
outbox with the row (one transaction), delivered exactly once at the next sync (the outbox's
``op_id``), checked by the server's policy (``server/policy.py``: the clerk's organization, a
person it may read). Sending to many people is one transaction: all queued or none.

The confirmation requests doctors send live on the server (``GET /confirmations``); the last
list fetched is kept in the vault (``CONFIRMATIONS_KEY``) so the clerk sees it offline, and a
decision taken offline is a queued ``decide_confirmation`` action (desktop/sync/actions.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from desktop.i18n import tr
from desktop.models.repository import RecordRepository, get_meta, now_iso, set_meta, table
from desktop.models.staff import org_defaults, org_error
from desktop.models.tables import Outbox
from desktop.models.validation import ValidationFailed

#: the last confirmation list fetched from the server, JSON {"fetched_at", "items"}
CONFIRMATIONS_KEY = "hr_confirmations"
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]


def _request_values(conn: Connection, values: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if v not in (None, "")}
    defaults = org_defaults(conn, str(out.get("org_inn") or "") or None)
    out.setdefault("org_inn", defaults.get("org_inn"))
    out.setdefault("org_name", defaults.get("org_name"))
    out.setdefault("received_at", dt.date.today().isoformat())
    out.setdefault("status", "new")
    if not out.get("kind"):
        raise ValidationFailed({"kind": tr("«Тип запроса»: обязательное поле")})
    bad = org_error(conn, out.get("org_inn"))
    if bad:
        raise ValidationFailed({"org_inn": bad})
    return out


def send_requests(repo: RecordRepository, person_ids: Sequence[str], values: Mapping[str, Any],
                  files: Sequence[tuple[str, bytes]] = ()) -> list[str]:
    """One request (kind, text; the organization defaults to the clerk's; ``files`` as (name,
    bytes) — PDF/JPG/PNG by their bytes, ≤ 5 MB each) to each person, in ONE transaction with the
    files' blobs; returns the new rows' ids. An unknown person or a bad file refuses the whole send."""
    from desktop.models import staff_request_files as rf

    if len(files) > rf.MAX_FILES:
        raise ValidationFailed({"attachments": tr("Не больше {n} файлов в одном запросе").format(n=rf.MAX_FILES)})
    checked = []
    for name, data in files:
        try:
            checked.append((*rf.checked_file(name, data), data))
        except ValueError as exc:
            raise ValidationFailed({"attachments": str(exc)}) from None
    persons = table("person")
    with repo.vault.begin() as conn:
        full = _request_values(conn, values)
        if checked:
            for sha, mime, data in checked:
                repo._put_blob(conn, sha, data, mime)
            full["attachments"] = rf.join(sha for sha, _m, _d in checked)
        ids = []
        for pid in person_ids:
            if conn.execute(select(persons.c.id).where(persons.c.id == pid)).first() is None:
                raise ValidationFailed({"person_id": tr("Человек {id} не найден в хранилище").format(id=pid)})
            ids.append(repo.add_in(conn, "request", full, person_id=pid).id)
    return ids


def send_request(repo: RecordRepository, person_id: str, values: Mapping[str, Any]) -> str:
    return send_requests(repo, [person_id], values)[0]


# -- confirmations ------------------------------------------------------------------------------

def remember_confirmations(repo: RecordRepository, items: Iterable[Mapping[str, Any]]) -> None:
    with repo.vault.begin() as conn:
        set_meta(conn, CONFIRMATIONS_KEY, json.dumps({"fetched_at": now_iso(), "items": list(items)},
                                                     ensure_ascii=False, default=str))


def cached_confirmations(repo: RecordRepository) -> tuple[list[dict[str, Any]], str | None]:
    """(the last list fetched, when) — ([], None) before the first fetch."""
    with repo.vault.read() as conn:
        raw = get_meta(conn, CONFIRMATIONS_KEY)
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return [], None
    items = data.get("items") if isinstance(data, dict) else None
    return ([dict(i) for i in items if isinstance(i, dict)] if isinstance(items, list) else [],
            data.get("fetched_at") if isinstance(data, dict) else None)


def queued_decisions(repo: RecordRepository) -> dict[str, dict[str, Any]]:
    """Confirmation id -> the decision waiting to be sent (or refused by the server), from the outbox."""
    out: dict[str, dict[str, Any]] = {}
    with repo.vault.read() as conn:
        rows = conn.execute(select(_OUTBOX.c.entity_id, _OUTBOX.c.fields, _OUTBOX.c.state).where(
            _OUTBOX.c.op == "action", _OUTBOX.c.entity == "confirmation").order_by(_OUTBOX.c.seq)).all()
    for entity_id, fields, state in rows:
        try:
            body = json.loads(fields or "{}")
        except ValueError:
            continue
        args = body.get("args") or {}
        out[str(entity_id)] = {"decision": args.get("decision"), "comment": args.get("comment") or "",
                               "state": state}
    return out


def with_local_decisions(repo: RecordRepository, items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each confirmation request with ``local_decision`` — the clerk's decision not yet answered
    by the server (None when there is none)."""
    queued = queued_decisions(repo)
    return [{**i, "local_decision": queued.get(str(i.get("id")))} for i in items]


def reject_needs_reason(item: Mapping[str, Any] | None) -> bool:
    """The server refuses a rejection without a reason unless its automatic checks found problems."""
    return not (item and item.get("errors"))
