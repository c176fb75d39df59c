"""One СНИЛС, one person (issue 13): a person the registry already knows is linked, never created again.

Two ways a clerk meets a person the registry has:

- **Online, adding a person** (``frmr staff add-person``, «Добавить сотрудника»): ``GET /persons``
  answers with the person's id — and only that, for someone outside the clerk's organizations
  (server/api/records.py). :func:`link_person` keeps the person in the vault under the
  registry's id, with no outbox entry: nothing of theirs is re-created. The link itself is the
  first card the clerk opens for them in its own organization, which goes out like any card.
- **Offline, then sync**: the clerk created the person locally; the server refuses the create
  and names the person it has with that СНИЛС (``server.sync.EXISTING``). :func:`relink_rejected`
  (run by the sync engine right after each push) re-keys the local twin onto that id: its row,
  its cards and every queued edit of theirs — so the cards go out again, now for the registry's
  person, and no duplicate ever exists. What the clerk typed and the registry holds differently
  becomes an ordinary edit, which the server answers with per-field conflicts for a person to
  decide, never silently overwritten either way.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from desktop.i18n import tr
from desktop.models.repository import RecordRepository, now_iso, table
from desktop.models.schema import ENTITIES, entity
from desktop.models.staff import DuplicatePerson, find_by_snils, full_name
from desktop.models.tables import Outbox
from desktop.models.validation import ValidationFailed, validate

#: the key of a refused person create naming the registry's person (server/sync.py ``EXISTING``)
EXISTING = "_existing_person"
#: with it, whether the clerk may read that person (one of its staff, or entered by its organization)
EXISTING_SHARED = "_existing_shared"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
_PERSON = table("person")


def link_person(repo: RecordRepository, person_id: str, values: Mapping[str, Any], *, version: int = 0) -> str:
    """Keep the registry's person ``person_id`` in the vault (the answer of ``GET /persons``),
    with ``values`` — the registry's row when the clerk may read it (``version`` its version,
    so the next pull takes it for an echo), else what the clerk typed from the person's
    documents (version 0: the server's state of it is unknown here and the convergence check
    does not count it). Nothing is queued. A СНИЛС already in the vault → :class:`DuplicatePerson`."""
    if not _UUID.match(person_id):
        raise ValidationFailed({"person_id": tr("Регистр вернул неверный идентификатор человека")})
    res = validate("person", dict(values), nsi=repo.nsi())
    if res.errors:
        raise ValidationFailed(res.errors)
    with repo.vault.begin() as conn:
        existing = find_by_snils(conn, str(res.values.get("snils") or ""))
        if existing is not None:
            raise DuplicatePerson(existing["id"], full_name(existing), existing["snils"])
        if conn.execute(select(_PERSON.c.id).where(_PERSON.c.id == person_id)).first() is not None:
            raise ValidationFailed({"person_id": tr("Этот человек уже есть в хранилище")})
        conn.execute(_PERSON.insert().values(id=person_id, person_id=person_id, version=version,
                                             updated_at=now_iso(), **res.values))
        repo._journal(conn, "link", "person", person_id, [])
    return person_id


def linked_read_only() -> str:
    """Why a linked person's own data is not the clerk's to change (the server would refuse it)."""
    return tr("Человек из регистра, связанный с вашей организацией карточкой: его персональные данные меняет "
              "он сам или оператор регистра. Они появятся здесь полностью, когда карточку подтвердят.")


def is_linked(conn: Connection, person_id: str) -> bool:
    """A registry person this vault keeps only by a link (:func:`link_person`, or a twin re-keyed
    onto someone the clerk may not read): never synced (version 0) and never created here."""
    row = conn.execute(select(_PERSON.c.version).where(_PERSON.c.id == person_id)).first()
    if row is None or int(row.version or 0) != 0:
        return False
    created = select(_OUTBOX.c.seq).where(_OUTBOX.c.entity_id == person_id, _OUTBOX.c.entity == "person",
                                          _OUTBOX.c.op == "create").limit(1)
    return conn.execute(created).first() is None


def _errors(result: str | None) -> dict[str, Any]:
    try:
        res = json.loads(result or "{}")
    except ValueError:
        return {}
    errs = res.get("errors") if isinstance(res, dict) else None
    return errs if isinstance(errs, dict) else {}


def relink_rejected(repo: RecordRepository, conn: Connection) -> int:
    """Re-key every local person whose create the server refused because it already has that
    СНИЛС; returns how many refused edits that answered (the creates and the cards sent again).
    In the caller's transaction (the sync engine's, after a push)."""
    ops = conn.execute(select(_OUTBOX).where(_OUTBOX.c.state == "rejected", _OUTBOX.c.entity == "person",
                                             _OUTBOX.c.op == "create")).mappings().all()
    n = 0
    for op in ops:
        errs = _errors(op["result"])
        target = str(errs.get(EXISTING) or "")
        if not _UUID.match(target) or target == op["entity_id"]:
            continue
        n += _merge(repo, conn, dict(op), target, shared=bool(errs.get(EXISTING_SHARED)))
    return n


def _merge(repo: RecordRepository, conn: Connection, create: Mapping[str, Any], target: str, *, shared: bool) -> int:
    local_id = str(create["entity_id"])
    mine = conn.execute(select(_PERSON).where(_PERSON.c.id == local_id)).mappings().first()
    theirs = conn.execute(select(_PERSON).where(_PERSON.c.id == target)).mappings().first()
    names = entity("person").names
    typed = {k: mine[k] for k in names if mine is not None and mine[k] is not None}
    # the create and every later edit of the twin are answered: it never existed on the server
    merged = json.dumps({"status": "merged", "into": target}, ensure_ascii=False)
    answered = 0
    for state in ("rejected", "pending"):
        n = conn.execute(_OUTBOX.update().where(
            _OUTBOX.c.entity_id == local_id, _OUTBOX.c.entity == "person", _OUTBOX.c.state == state).values(
            state="applied", result=merged)).rowcount
        answered += n if state == "rejected" else 0  # only refusals the sync report counted
    if mine is not None:
        if theirs is None:
            conn.execute(_PERSON.update().where(_PERSON.c.id == local_id).values(
                id=target, person_id=target, version=0, updated_at=now_iso()))
        else:
            conn.execute(_PERSON.delete().where(_PERSON.c.id == local_id))
    for name in ENTITIES:
        if name != "person":
            t = table(name)
            conn.execute(t.update().where(t.c.person_id == local_id).values(person_id=target))
    # the twin's cards (and anything else of theirs) go out again, now for the registry's person;
    # only those refused for want of the person — a card refused for its own values stays refused
    for op in conn.execute(select(_OUTBOX.c.seq, _OUTBOX.c.state, _OUTBOX.c.result).where(
            _OUTBOX.c.person_id == local_id)).all():
        again = op.state == "rejected" and set(_errors(op.result)) <= {"person_id", "_permission"}
        # a new op id: the server answers an op id it has seen with its first answer (exactly once)
        conn.execute(_OUTBOX.update().where(_OUTBOX.c.seq == op.seq).values(
            person_id=target, **({"state": "pending", "result": "", "op_id": str(uuid.uuid4())} if again else {})))
        answered += int(again)
    if shared and typed:
        # What this clerk typed, offered as an edit from a state it never saw (base version 0):
        # where the registry holds the same, nothing happens; where it differs, the server
        # answers with a conflict per field — shown, decided by a person, nothing overwritten.
        current = dict(theirs) if theirs is not None else {}
        diff = {k: v for k, v in typed.items() if k != "snils" and current.get(k) != v} if theirs else {
            k: v for k, v in typed.items() if k != "snils"}
        if diff:
            repo._queue(conn, "person", target, target, "update", diff, {}, 0)
    repo._journal(conn, "merge", "person", target, sorted(typed))
    return int(answered)
