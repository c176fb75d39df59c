"""The sync wire contract (docs/sync-protocol.md, docs/actions.md) as pydantic models — ONE module
that both sides use: the server for its request bodies and its OpenAPI document
(``server/api/sync.py``, the workflow endpoints), the desktop to check every answer it acts on
(``desktop/sync/api.py``, ``desktop/sync/pull.py``).

No Qt, no vault, no server imports: only pydantic and the domain's entity names. The server's pull
pages are built from the database's own JSON text and are NOT validated again on the server (that
would cost most of a pull's time); the client checks them change by change as it prepares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desktop.i18n import tr

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SHA256_RE = r"^[0-9a-f]{64}$"
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
MAX_INT = 2**62

ROW_OPS = ("create", "update", "delete")
OpKind = Literal["create", "update", "delete", "action"]
Status = Literal["applied", "conflict", "rejected"]


# -- push -------------------------------------------------------------------------------------

class PushOp(BaseModel):
    """One queued operation: a row edit (create/update/delete) or a workflow action.

    An action (``op = "action"``) names ``action`` (see :data:`ACTIONS`) and its ``args``; its
    ``entity``/``entity_id`` name what it acts on (for an enrolment: ``programme`` and the
    programme's id). Its arguments are checked by the server per operation, so a bad action is
    a rejection of that operation, not of the whole batch."""

    op_id: str = Field(pattern=UUID_RE)
    counter: int = Field(default=0, ge=0, le=MAX_INT)
    entity: str = Field(max_length=30)
    entity_id: str = Field(pattern=UUID_RE)
    person_id: str = Field(pattern=UUID_RE)
    op: OpKind
    fields: dict[str, Any] | None = None
    base: dict[str, Any] | None = None
    base_version: int = Field(default=0, ge=0, le=MAX_INT)
    blobs: list[str] = Field(default_factory=list, max_length=50)
    #: only with ``op = "action"``
    action: str | None = Field(default=None, max_length=40)
    args: dict[str, Any] | None = Field(default=None, max_length=20)


class PushBody(BaseModel):
    client_id: str = Field(pattern=UUID_RE)
    ops: list[PushOp] = Field(max_length=1000)


class PushResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    op_id: str
    status: Status
    version: int | None = None
    applied_fields: list[str] | None = None
    conflicts: dict[str, Any] | None = None
    errors: dict[str, str] | None = None
    #: an applied action's outcome (a confirmation number, a confirmation request's id …)
    result: dict[str, Any] | None = None


class PushAnswer(BaseModel):
    results: list[PushResult]


# -- pull and state ---------------------------------------------------------------------------

class Change(BaseModel):
    entity: str
    id: str
    person_id: str
    #: null only in a scope exit
    version: int | None
    deleted: bool
    row: dict[str, Any] | None
    #: present (true) only in a scope exit: drop this person and every row with this person_id
    scope_exit: bool | None = None


class PullAnswer(BaseModel):
    changes: list[Change]
    cursor: str
    has_more: bool
    #: only when asked for (``count=1``): changes left after this page, for a time-left estimate
    remaining: int | None = Field(default=None, ge=0)


class PullTail(BaseModel):
    """A pull page without its changes (the client checks those one by one as it prepares them)."""

    cursor: str = Field(max_length=200)
    has_more: bool
    remaining: int | None = Field(default=None, ge=0, le=MAX_INT)


class EntityState(BaseModel):
    count: int = Field(ge=0)
    checksum: str = Field(pattern=r"^[0-9a-f]{64}$")


class StateAnswer(BaseModel):
    entities: dict[str, EntityState]


# -- workflow actions ---------------------------------------------------------------------------
# The arguments of each action: the REST endpoint's body and a push action's ``args`` are the
# same model, so an action is checked the same way whichever way it arrives.

class Args(BaseModel):
    """Unknown arguments are ignored, as in any request body of the server."""


class NoArgs(Args):
    pass


class ConfirmationArgs(Args):
    """A worker's confirmation request: the document (uploaded before) and what it says."""

    blob_sha256: str = Field(pattern=SHA256_RE)
    doc_kind: Literal["contract", "order", "ndfl"]
    doc_org_inn: str = Field(pattern=r"^\d{10}$")
    doc_org_name: str = Field(min_length=1, max_length=300)
    doc_begin_date: str = Field(pattern=DATE_RE)
    doc_date: str = Field(pattern=DATE_RE)


class ConfirmationDecisionArgs(Args):
    decision: Literal["confirm", "reject"]
    comment: str = Field(default="", max_length=2000)


class AnswerArgs(Args):
    text: str = Field(default="", max_length=5000)
    blob_sha256: str | None = Field(default=None, pattern=SHA256_RE)
    status: Literal["acknowledged", "answered"] = "answered"
    #: the request's status the person saw when answering: a reply to a request answered
    #: meanwhile from another workstation is refused as a conflict, not sent twice (issue 14)
    seen_status: Literal["new", "acknowledged", "answered"] | None = None


class ApplicationDecisionArgs(Args):
    status: Literal["in_review", "approved", "rejected"]
    comment: str = Field(default="", max_length=5000)


class NmoDecisionArgs(Args):
    status: Literal["confirmed", "rejected"]


class CloseArgs(Args):
    end_date: str = Field(max_length=10)
    end_reason: str = Field(min_length=1, max_length=300)


@dataclass(frozen=True)
class ActionSpec:
    """What an action acts on, who may ask for it, its arguments, and its Russian name."""

    name: str
    entity: str
    roles: tuple[str, ...]
    args: type[BaseModel]
    label: str
    #: the argument naming a file that must be uploaded before the action goes out
    blob_arg: str | None = None


ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (
    ActionSpec("submit_application", "application", ("doctor",), NoArgs, "Подача заявления на аккредитацию"),
    ActionSpec("answer_request", "request", ("doctor",), AnswerArgs, "Ответ на запрос организации",
               blob_arg="blob_sha256"),
    ActionSpec("request_confirmation", "employment", ("doctor",), ConfirmationArgs,
               "Запрос подтверждения карточки документом", blob_arg="blob_sha256"),
    ActionSpec("enrol", "programme", ("doctor",), NoArgs, "Запись на образовательную программу"),
    ActionSpec("cancel_enrolment", "programme", ("doctor",), NoArgs, "Отмена записи на образовательную программу"),
    ActionSpec("decide_confirmation", "confirmation", ("hr", "admin"), ConfirmationDecisionArgs,
               "Решение по запросу подтверждения"),
    ActionSpec("decide_application", "application", ("admin",), ApplicationDecisionArgs,
               "Решение по заявлению"),
    ActionSpec("decide_nmo", "nmo", ("admin",), NmoDecisionArgs, "Решение по баллам НМО"),
    ActionSpec("close_employment", "employment", ("hr", "admin"), CloseArgs,
               "Закрытие карточки трудоустройства"),
)}


class WireError(ValueError):
    """An answer or an action that does not follow the contract; ``str()`` is Russian."""


_WHAT = {
    "missing": "нет обязательного поля", "string_type": "ожидается строка", "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число", "bool_type": "ожидается true/false", "bool_parsing": "ожидается true/false",
    "dict_type": "ожидается объект", "list_type": "ожидается список", "literal_error": "недопустимое значение",
    "string_pattern_mismatch": "значение в неверном формате", "string_too_long": "слишком длинное значение",
    "string_too_short": "пустое значение", "extra_forbidden": "неизвестный параметр",
    "too_long": "слишком много элементов", "model_type": "ожидается объект",
    "model_attributes_type": "ожидается объект", "greater_than_equal": "слишком маленькое значение",
    "less_than_equal": "слишком большое значение",
}


def russian_errors(exc: ValidationError, limit: int = 5) -> dict[str, str]:
    """pydantic's errors as ``{"place": "Russian message"}`` (the place is the field's path)."""
    out: dict[str, str] = {}
    for e in exc.errors()[:limit]:
        where = ".".join(str(p) for p in e.get("loc", ())) or "ответ"
        out.setdefault(where[:64], _WHAT.get(str(e.get("type")), "недопустимое значение"))
    return out


def check(model: type[BaseModel], data: Any, what: str) -> Any:
    """Validate ``data`` against ``model``; a mismatch is a :class:`WireError` naming the places."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        places = "; ".join(f"{k}: {v}" for k, v in russian_errors(exc, 3).items())
        raise WireError(tr("{what} не соответствует протоколу ({places})").format(what=what, places=places)) from None


def action_args(name: str, args: Mapping[str, Any] | None) -> BaseModel:
    """The arguments of action ``name``, validated; WireError (Russian) when they are not."""
    spec = ACTIONS.get(name)
    if spec is None:
        raise WireError(tr("Неизвестное действие «{value}»").format(value=name[:40]))
    return check(spec.args, dict(args or {}), f"Параметры действия «{spec.label}»")  # type: ignore[no-any-return]
