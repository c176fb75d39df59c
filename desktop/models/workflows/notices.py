"""Notifications that reach the person (issue 14), derived from what sync brought into the vault.

The pull writes rows; it does not say what they mean to the person. After each sync (and when
the list is read) :func:`refresh` compares the statuses in the vault with the snapshot it kept
last time and turns each difference into a notice: a new request from an organization, a status
change of a request, card, application or НМО entry (decisions included), a server refusal or a
conflict waiting. Notices and the snapshot live in the vault's meta table, so they survive
restarts, stay encrypted, and are the same for the window and ``frmr notifications``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from desktop.i18n import N_, tr
from desktop.models.repository import PERSON_KEY, RecordRepository, get_meta, now_iso, set_meta, table
from desktop.models.schema import entity
from desktop.models.tables import Outbox, SyncConflict

NOTICES_KEY = "workflows.notices"
SEEN_KEY = "workflows.seen"
#: the oldest read notices go first past this many
KEEP = 500

WATCHED = ("request", "application", "employment", "nmo")

_WHAT = {"request": N_("Запрос"), "application": N_("Заявление на аккредитацию"),
         "employment": N_("Карточка трудоустройства"), "nmo": N_("Баллы НМО")}


#: statuses that are someone else's decision, worth telling even about a row seen the first time
DECIDED = {"application": ("in_review", "approved", "rejected"), "employment": ("confirmed", "rejected"),
           "nmo": ("confirmed", "rejected")}


def _load(conn: Connection, key: str, default: Any) -> Any:
    raw = get_meta(conn, key)
    return json.loads(raw) if raw else default


def _status_label(ent: str, status: Any) -> str:
    choices = entity(ent).field("status").choices
    return tr(choices[str(status)]) if str(status) in choices else str(status or "—")


def _title(ent: str, row: Mapping[str, Any] | Any) -> str:
    if ent == "request":
        return tr("{kind} от «{org}»").format(kind=row.get("kind") or tr("запрос"), org=row.get("org_name") or "")
    if ent == "employment":
        return f"«{row.get('org_name') or ''}»"
    if ent == "application":
        return f"№ {row['confirmation_number']}" if row.get("confirmation_number") else ""
    return f"«{row.get('title') or ''}»"


def _notice(kind: str, text: str, ent: str, entity_id: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": kind, "text": text, "entity": ent, "entity_id": entity_id,
            "created_at": now_iso(), "read": False}


def _own_statuses(conn: Connection) -> set[tuple[str, Any]]:
    """(row, status) pairs this workstation set itself — an edit or an action's local change:
    the person does not need to be told what they just did."""
    ob = Outbox.__table__  # type: ignore[attr-defined]
    own = set()
    for r in conn.execute(select(ob.c.entity_id, ob.c.op, ob.c.fields, ob.c.base)
                          .where(ob.c.entity.in_(WATCHED))).mappings():
        body = json.loads((r["base"] if r["op"] == "action" else r["fields"]) or "{}")
        changed = body.get("preview") if r["op"] == "action" else body
        if isinstance(changed, dict) and "status" in changed:
            own.add((str(r["entity_id"]), changed["status"]))
    return own


def _row_notices(conn: Connection, seen: dict[str, Any], first: bool, person_id: str | None) -> list[dict[str, Any]]:
    out = []
    own = _own_statuses(conn)
    met: set[str] = set()
    for ent in WATCHED:
        t = table(ent)
        # The vault's own person's rows: what a notice can be about. A replica holding other
        # people too (20,000 persons, 100,000 cards) cost a second of the worker, holding the
        # GUI's interpreter lock, and a 6 MB snapshot rewritten at every start and sync.
        q = select(t) if person_id is None else select(t).where(t.c.person_id == person_id)
        for row in conn.execute(q).mappings():
            rid, status = str(row["id"]), row.get("status")
            key = f"{ent}:{rid}"
            met.add(key)
            before = seen.get(key, "_absent")
            seen[key] = status
            if before == "_absent":
                if ent == "request" and status in ("new", None) and not first:
                    said = tr("Новый запрос: {title}").format(title=_title(ent, row))
                    out.append(_notice("new_request", said, ent, rid))
                    continue
                if first or status not in DECIDED.get(ent, ()):
                    continue
                before = None  # a row met for the first time already decided: the decision is news
            if before != status and (rid, status) not in own:
                extra = ""
                if ent == "application" and row.get("decision_comment") and status in ("approved", "rejected"):
                    extra = f" — {row['decision_comment']}"
                text = tr("{what} {title}: «{before}» → «{after}»").format(
                    what=tr(_WHAT[ent]), title=_title(ent, row), before=_status_label(ent, before),
                    after=_status_label(ent, status)) + extra
                out.append(_notice("status", text.replace("  ", " "), ent, rid))
    # rows gone or out of scope are forgotten: the snapshot stays the size of the scanned rows
    for key in [k for k in seen if k.split(":", 1)[0] in WATCHED and k not in met]:
        del seen[key]
    return out


def _sync_notices(conn: Connection, seen: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    ob = Outbox.__table__  # type: ignore[attr-defined]
    for r in conn.execute(select(ob.c.op_id, ob.c.entity, ob.c.entity_id, ob.c.result)
                          .where(ob.c.state == "rejected")).mappings():
        key = f"rejected:{r['op_id']}"
        if key in seen:
            continue
        seen[key] = 1
        errors = (json.loads(r["result"]) if r["result"] else {}).get("errors") or {}
        # a permission refusal names its reason under a field too: each reason said once
        said = "; ".join(dict.fromkeys(tr(str(v)) for v in errors.values()))[:300]
        out.append(_notice("rejected", tr("Сервер отклонил изменение: {said}").format(said=said or tr("без пояснений")),
                           r["entity"], r["entity_id"]))
    sc = SyncConflict.__table__  # type: ignore[attr-defined]
    for r in conn.execute(select(sc.c.id, sc.c.entity, sc.c.entity_id).where(sc.c.state == "open")).mappings():
        key = f"conflict:{r['id']}"
        if key in seen:
            continue
        seen[key] = 1
        out.append(_notice("conflict", tr("Конфликт изменений ждёт решения (раздел «Синхронизация»)"),
                           r["entity"], r["entity_id"]))
    return out


def refresh(repo: RecordRepository) -> list[dict[str, Any]]:
    """New notices since the last refresh (also stored); the first refresh of a vault only takes
    the snapshot, except for requests still new and refusals or conflicts waiting."""
    with repo.vault.begin() as conn:
        raw_seen = get_meta(conn, SEEN_KEY)
        first = raw_seen is None
        seen: dict[str, Any] = json.loads(raw_seen) if raw_seen else {}
        person_id = get_meta(conn, PERSON_KEY)
        fresh = _row_notices(conn, seen, first, person_id) + _sync_notices(conn, seen)
        if first:
            # the requests that wait for an answer are news even on the first look
            t = table("request")
            q = select(t).where(t.c.status == "new")
            if person_id is not None:
                q = q.where(t.c.person_id == person_id)
            fresh = [_notice("new_request", tr("Новый запрос: {title}").format(title=_title("request", r)), "request",
                             str(r["id"]))
                     for r in conn.execute(q).mappings()] + fresh
        set_meta(conn, SEEN_KEY, json.dumps(seen, ensure_ascii=False))
        if fresh:
            items = _load(conn, NOTICES_KEY, [])
            items = fresh[::-1] + items
            if len(items) > KEEP:
                unread = [i for i in items if not i["read"]]
                items = (unread + [i for i in items if i["read"]])[:KEEP]
            set_meta(conn, NOTICES_KEY, json.dumps(items, ensure_ascii=False))
    return fresh


def notices(repo: RecordRepository, unread_only: bool = False) -> list[dict[str, Any]]:
    """Stored notices, newest first."""
    with repo.vault.read() as conn:
        items: list[dict[str, Any]] = _load(conn, NOTICES_KEY, [])
    return [i for i in items if not i["read"]] if unread_only else items


def mark_read(repo: RecordRepository, ids: set[str] | None = None, read: bool = True) -> int:
    """Mark these notices (all when ``ids`` is None) read or unread; how many changed."""
    with repo.vault.begin() as conn:
        items = _load(conn, NOTICES_KEY, [])
        n = 0
        for i in items:
            if (ids is None or i["id"] in ids) and i["read"] != read:
                i["read"] = read
                n += 1
        if n:
            set_meta(conn, NOTICES_KEY, json.dumps(items, ensure_ascii=False))
    return n


def unread_count(repo: RecordRepository) -> int:
    return len(notices(repo, unread_only=True))
