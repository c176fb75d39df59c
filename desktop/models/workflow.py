"""Workflow rules shared by the server and the desktop: which status a role may set, from which.

One table per entity with a status: for each role, the moves it may make by editing the row
itself. Moves made by a workflow action (a confirmation decision, an operator's decision, a
submit that issues a confirmation number) do not go through this table: those actions check the
caller and the state themselves, then write as the registry. The operator (``admin``) may make
any move. The decisions behind the table are written down in docs/security.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: status -> the statuses a role may move it to by an edit (an unchanged status is always fine)
Moves = Mapping[str | None, frozenset[str]]

_NEW: None = None  # the "from" of a row being created

EMPLOYMENT: dict[str, Moves] = {
    # A worker files a card and asks for it to be checked; confirmed cards are the organization's.
    "doctor": {_NEW: frozenset({"draft", "submitted"}), "draft": frozenset({"submitted"}),
               "submitted": frozenset({"draft"}), "rejected": frozenset({"draft", "submitted"})},
    # The clerk's own entries wait for the worker's document like anyone's: a clerk who could
    # confirm its own card could bring anyone into its organization's scope (docs/security.md).
    "hr": {_NEW: frozenset({"draft", "submitted"}), "draft": frozenset({"submitted"}),
           "submitted": frozenset({"draft"}), "rejected": frozenset({"draft", "submitted"})},
}

NMO: dict[str, Moves] = {
    "doctor": {_NEW: frozenset({"pending"})},
}

APPLICATION: dict[str, Moves] = {
    # Filing by an edit stays possible offline; the number and the decision are the registry's.
    "doctor": {_NEW: frozenset({"draft", "submitted"}), "draft": frozenset({"submitted"}),
               "submitted": frozenset({"draft"})},
}

REQUEST: dict[str, Moves] = {
    # forwards only: an answer once sent is the organization's to read, not to be taken back
    "doctor": {"new": frozenset({"acknowledged", "answered"}), "acknowledged": frozenset({"answered"}),
               "answered": frozenset()},
    "hr": {_NEW: frozenset({"new"}), "new": frozenset({"closed"}), "acknowledged": frozenset({"closed"}),
           "answered": frozenset({"closed", "new"}), "closed": frozenset({"new"})},
}

TABLES: dict[str, dict[str, Moves]] = {
    "employment": EMPLOYMENT, "nmo": NMO, "application": APPLICATION, "request": REQUEST,
}

#: statuses in which the role may no longer change the row at all (only a workflow action may)
LOCKED: dict[str, dict[str, frozenset[str]]] = {
    "employment": {"doctor": frozenset({"confirmed"})},
    "nmo": {"doctor": frozenset({"confirmed", "rejected"})},
    "application": {"doctor": frozenset({"in_review", "approved", "rejected"})},
}

#: fields only the registry (the operator or a workflow action) fills
REGISTRY_FIELDS: dict[str, frozenset[str]] = {
    "application": frozenset({"confirmation_number", "decision_comment"}),
}

#: the only fields a role may change in a row of an entity it does not keep itself (a doctor
#: answers an organization's request by its status; the text is the organization's)
ONLY_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "request": {"doctor": frozenset({"status"})},
}

_ONLY_FIELDS_MESSAGES = {
    ("request", "doctor"): "В запросе организации можно менять только статус",
}

_LOCKED_MESSAGES = {
    "employment": "Подтверждённую карточку меняет только кадровая служба",
    "nmo": "Решение по баллам уже принято — запись не изменяется",
    "application": "Заявление уже рассматривается — изменить его нельзя",
}

_STATUS_MESSAGES = {
    ("employment", "doctor"): "Подтверждает или отклоняет карточку кадровая служба по документу",
    ("employment", "hr"): "Карточка подтверждается только по документу работника (раздел «Подтверждения»)",
    ("nmo", "doctor"): "Баллы подтверждает оператор регистра",
    ("application", "doctor"): "Решение по заявлению принимает оператор регистра",
    ("request", "doctor"): "Закрывает запрос организация",
    ("request", "hr"): "Такой переход статуса запроса невозможен",
}


def allowed_statuses(entity: str, role: str, current: str | None) -> frozenset[str] | None:
    """The statuses ``role`` may give a row of ``entity`` now in ``current`` (None = being created).

    None means the entity has no status rules for this role (every value of the field is fine,
    e.g. the operator); the current status itself is always included.
    """
    if role == "admin":
        return None
    table = TABLES.get(entity)
    if table is None:
        return None
    moves = table.get(role, {})
    allowed = set(moves.get(current, frozenset()))
    if current is not None:
        allowed.add(current)
    return frozenset(allowed)


def status_error(entity: str, role: str, current: str | None, new: str | None) -> str | None:
    """A Russian reason why ``role`` may not move the row from ``current`` to ``new``; None if it may."""
    if role == "admin" or entity not in TABLES or new == current:
        return None
    allowed = allowed_statuses(entity, role, current)
    if allowed is None or new in allowed:
        return None
    return _STATUS_MESSAGES.get((entity, role), "Такой переход статуса недопустим")


def locked_error(entity: str, role: str, current: str | None) -> str | None:
    """Why ``role`` may not change (or delete) a row in status ``current`` at all; None if it may."""
    if current in LOCKED.get(entity, {}).get(role, frozenset()):
        return _LOCKED_MESSAGES[entity]
    return None


def registry_field_error(entity: str, role: str, changed: set[str]) -> tuple[str, str] | None:
    """(field, reason) when ``role`` changed a field only the registry fills; None otherwise."""
    if role == "admin":
        return None
    for name in sorted(changed & REGISTRY_FIELDS.get(entity, frozenset())):
        return name, "Это поле заполняет оператор регистра"
    return None


def only_fields_error(entity: str, role: str, changed: set[str]) -> str | None:
    """Why ``role`` may not change these fields of a row it keeps only a part of; None if it may."""
    only = ONLY_FIELDS.get(entity, {}).get(role)
    if only is None or not changed - only:
        return None
    return _ONLY_FIELDS_MESSAGES.get((entity, role), "Это поле изменить нельзя")


def change_errors(entity: str, role: str, op: str, current: Mapping[str, Any] | None,
                  new: Mapping[str, Any] | None, *, values: bool = True) -> dict[str, str]:
    """The workflow's objections to one change of a row ({} = none), keyed by the field they are about.

    ``op`` is "create", "update" or "delete"; ``current`` the row before (None on create), ``new``
    the row after. ``values=False`` checks only what needs no parsed values (a locked row).
    The server (``server/policy.py``, after its checks of who and whose row) and the desktop's
    repository (before anything is written or queued) ask the same question here.
    """
    cur = current or {}
    nxt = new or {}
    status = None if op == "create" else cur.get("status")
    locked = None if op == "create" else locked_error(entity, role, status)
    if locked:
        return {"status": locked}
    if op == "delete" or not values:
        return {}
    bad = status_error(entity, role, status, nxt.get("status"))
    if bad:
        return {"status": bad}
    changed = {k for k in set(cur) | set(nxt) if cur.get(k) != nxt.get(k)}
    owned = registry_field_error(entity, role, changed)
    if owned:
        return {owned[0]: owned[1]}
    return {}


def readonly_fields(entity: str, role: str, names: Iterable[str], *, creating: bool) -> frozenset[str]:
    """Fields of ``entity`` a form shows to ``role`` but does not let it change.

    ``names`` are the entity's fields. The registry's own fields always; for an entity the role
    keeps only a part of (a doctor and an organization's request), every other field once the
    row exists. The status is not listed: its editor offers only ``allowed_statuses``.
    """
    if role == "admin":
        return frozenset()
    out = set(REGISTRY_FIELDS.get(entity, frozenset()))
    only = ONLY_FIELDS.get(entity, {}).get(role)
    if only is not None and not creating:
        out |= set(names) - only
    return frozenset(out)
