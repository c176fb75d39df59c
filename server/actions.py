"""Workflow actions arriving through /sync/push (docs/actions.md).

Each action is the same core function its REST endpoint calls — ``(session, state, principal,
target id, args) -> {"version", "result"}`` — run inside the push's transaction under a
SAVEPOINT: a refusal (the core raises :class:`Problem`) rolls back only that action and becomes
the op's ``rejected`` result; success becomes ``applied`` with the action's result. Either is
recorded in ``applied_op`` with the op in the same transaction (server/sync.py), so a resent op
returns what happened the first time and the action takes effect exactly once.

Authorization is the endpoints' own, in the same order (docs/security.md): the caller's role
first (the endpoint's ``require`` dependency), then the arguments, then the core's checks —
a target the caller may not read is answered exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from desktop.sync.wire import ACTIONS, russian_errors
from server.api import programmes, staff, workflows
from server.api.helpers import ACTING_CLIENT
from server.auth.principal import Principal
from server.problems import Problem
from server.state import AppState

Core = Callable[[Session, AppState, Principal, str, Any], dict[str, Any]]

CORES: dict[str, Core] = {
    "submit_application": workflows.submit_application_core,
    "answer_request": workflows.answer_request_core,
    "request_confirmation": workflows.request_confirmation_core,
    "enrol": programmes.enrol_core,
    "cancel_enrolment": programmes.cancel_enrolment_core,
    "decide_confirmation": workflows.decide_confirmation_core,
    "decide_application": workflows.decide_application_core,
    "decide_nmo": workflows.decide_nmo_core,
    "close_employment": staff.close_employment_core,
}
assert set(CORES) == set(ACTIONS), "every action of the wire contract has its core here"

#: what the REST endpoints' role dependency answers (server.auth.principal.require)
NO_RIGHT = "Недостаточно прав для этого действия."


def _rejected(errors: dict[str, str]) -> dict[str, Any]:
    return {"status": "rejected", "errors": errors}


def refusal(exc: Problem) -> dict[str, Any]:
    """A core's refusal as a push result, keyed the way a rejected edit is (docs/actions.md):
    404 → ``entity_id`` (not found, or not readable: the same words), 403 → ``_permission``,
    409 → ``_state`` (the precondition no longer holds), 422 → ``_action`` plus the fields."""
    key = {404: "entity_id", 403: "_permission", 409: "_state"}.get(exc.status, "_action")
    errors = {key: exc.detail}
    if exc.status != 404 and exc.errors:
        # the fields the refusal is about (a 404 says nothing more than "not found")
        errors.update({str(k)[:64]: str(v) for k, v in exc.errors.items() if str(k) not in errors})
    return _rejected(errors)


def apply(s: Session, st: AppState, p: Principal, op: dict[str, Any], client_id: str) -> dict[str, Any]:
    """One action op of a push batch, in the batch's transaction."""
    name = str(op.get("action") or "")
    spec = ACTIONS.get(name)
    if spec is None:
        return _rejected({"action": f"Неизвестное действие «{name[:40]}»"})
    if p.role not in spec.roles:
        return _rejected({"_permission": NO_RIGHT})
    if op.get("entity") != spec.entity:
        return _rejected({"entity": f"Действие «{spec.label}» относится к разделу «{spec.entity}»"})
    try:
        args: BaseModel = spec.args.model_validate(op.get("args") or {})
    except ValidationError as exc:
        return _rejected({f"args.{k}"[:64]: v for k, v in russian_errors(exc).items()})
    token = ACTING_CLIENT.set(client_id)
    try:
        # A SAVEPOINT (flushing what the batch did so far first): a refused action leaves the
        # batch's other ops, before and after it, as they are.
        with s.begin_nested():
            out = CORES[name](s, st, p, str(op["entity_id"]), args)
    except Problem as exc:
        return refusal(exc)
    finally:
        ACTING_CLIENT.reset(token)
    return {"status": "applied", "version": out.get("version"), "result": out.get("result") or {}}
