"""Sync endpoints (docs/sync-protocol.md): push, pull, state."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from server import audit, feed, sync
from server.api.common import client_schema_required
from server.auth.principal import CurrentUser
from server.db import autocommit_read, in_write_tx, is_sqlite, read_session
from server.state import State

router = APIRouter(tags=["синхронизация"], dependencies=[Depends(client_schema_required)])

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class PushOp(BaseModel):
    op_id: str = Field(pattern=UUID_RE)
    counter: int = Field(default=0, ge=0, le=2**62)
    entity: str = Field(max_length=30)
    entity_id: str = Field(pattern=UUID_RE)
    person_id: str = Field(pattern=UUID_RE)
    op: Literal["create", "update", "delete"]
    fields: dict[str, Any] | None = None
    base: dict[str, Any] | None = None
    base_version: int = Field(default=0, ge=0, le=2**62)
    blobs: list[str] = Field(default_factory=list, max_length=50)


class PushBody(BaseModel):
    client_id: str = Field(pattern=UUID_RE)
    ops: list[PushOp] = Field(max_length=1000)


class PushResult(BaseModel):
    op_id: str
    status: Literal["applied", "conflict", "rejected"]
    version: int | None = None
    applied_fields: list[str] | None = None
    conflicts: dict[str, Any] | None = None
    errors: dict[str, str] | None = None


class PushAnswer(BaseModel):
    results: list[PushResult]


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


def _json(body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


@router.post("/sync/push", response_model=PushAnswer, response_model_exclude_unset=True,
             summary="Отправка пакета операций (ровно один раз)")
def push(body: PushBody, p: CurrentUser, st: State) -> Response:
    ops = [op.model_dump() for op in body.ops]
    results = in_write_tx(st.engine, lambda s: sync.push(s, p, st.nsi, body.client_id.lower(), ops))
    # The results are built by the server itself; validating them again against the response
    # model only cost time on every push (the model stays for the OpenAPI description).
    return _json({"results": results})


@router.get("/sync/pull", response_model=PullAnswer, summary="Лента изменений после курсора",
            response_class=Response)
def pull(
    p: CurrentUser,
    st: State,
    cursor: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Response:
    after = feed.decode_cursor(st.cursor_key, cursor)
    limit = min(limit, st.settings.pull_limit_max)
    if is_sqlite(st.engine):
        with st.engine.connect() as conn:
            rows, last, more = feed.pull(conn, p, after, limit)
        if rows:
            audit.log(st.engine, p, "read_personal_data", "sync_pull", "", f"изменений: {len(rows)}")
    else:
        # PostgreSQL: the page is one statement (one snapshot) and its journal entry one INSERT, both
        # autocommitted on one connection; an empty page (the usual periodic sync) writes nothing.
        def read(conn: sa.Connection) -> tuple[list[Any], int, bool]:
            page = feed.pull(conn, p, after, limit)
            if page[0]:
                audit.add(conn, p, "read_personal_data", "sync_pull", "", f"изменений: {len(page[0])}")
            return page

        rows, last, more = autocommit_read(st.engine, read)
    # Built from the database's own JSON text: no response-model validation, no re-encoding.
    return Response(feed.encode_page(rows, feed.encode_cursor(st.cursor_key, last), more),
                    media_type="application/json")


@router.get("/sync/state", summary="Количество и контрольные суммы видимых записей")
def state(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        return feed.state(s, p)
