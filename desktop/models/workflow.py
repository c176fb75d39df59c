"""Workflow rules shared by the server and the desktop: which status a role may set, from which.

One table per entity with a status: for each role, the moves it may make by editing the row
itself. Moves made by a workflow action (a confirmation decision, an operator's decision, a
submit that issues a confirmation number) do not go through this table: those actions check the
caller and the state themselves, then write as the registry. The operator (``admin``) may make
any move. The decisions behind the table are written down in docs/security.md.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    "doctor": {"new": frozenset({"acknowledged", "answered"}), "acknowledged": frozenset({"answered"}),
               "answered": frozenset({"acknowledged"})},
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
