"""Sync endpoints (docs/sync-protocol.md): push, pull, state."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from desktop.sync.wire import Change, PullAnswer, PushAnswer, PushBody, PushOp, PushResult, StateAnswer
from server import audit, coding, feed, sync
from server.api.common import client_schema_required
from server.auth.principal import CurrentUser
from server.db import autocommit_read, in_write_tx, is_sqlite, read_session
from server.state import State

router = APIRouter(tags=["синхронизация"], dependencies=[Depends(client_schema_required)])

#: the request and answer types are the wire contract both sides import (desktop/sync/wire.py)
__all__ = ["Change", "PullAnswer", "PushAnswer", "PushBody", "PushOp", "PushResult", "StateAnswer"]


def _json(body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


@router.post("/sync/push", response_model=PushAnswer, response_model_exclude_unset=True,
             summary="Отправка пакета операций (ровно один раз)")
def push(body: PushBody, p: CurrentUser, st: State) -> Response:
    ops = [op.model_dump() for op in body.ops]
    results = in_write_tx(st.engine, lambda s: sync.push(s, p, st.nsi, body.client_id.lower(), ops, state=st))
    # The results are built by the server itself; validating them again against the response
    # model only cost time on every push (the model stays for the OpenAPI description).
    return _json({"results": results})


@router.get("/sync/pull", response_model=PullAnswer, summary="Лента изменений после курсора",
            response_class=Response)
def pull(
    request: Request,
    p: CurrentUser,
    st: State,
    cursor: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    count: Annotated[bool, Query(description="добавить в ответ remaining — сколько изменений осталось после "
                                             "этой страницы")] = False,
) -> Response:
    t0 = time.perf_counter()
    after = feed.decode_cursor(st.cursor_key, cursor)
    limit = min(limit, st.settings.pull_limit_max)
    if is_sqlite(st.engine):
        with st.engine.connect() as conn:
            rows, last, more = feed.pull(conn, p, after, limit)
            left = feed.remaining(conn, p, last) if count and more else (0 if count else None)
        if rows:
            audit.log(st.engine, p, "read_personal_data", "sync_pull", "", f"изменений: {len(rows)}")
    else:
        # PostgreSQL: the page is one statement (one snapshot) and its journal entry one INSERT, both
        # autocommitted on one connection; an empty page (the usual periodic sync) writes nothing.
        def read(conn: sa.Connection) -> tuple[list[Any], int, bool, int | None]:
            rows, last, more = feed.pull(conn, p, after, limit)
            if rows:
                audit.add(conn, p, "read_personal_data", "sync_pull", "", f"изменений: {len(rows)}")
            return rows, last, more, (feed.remaining(conn, p, last) if count and more else (0 if count else None))

        rows, last, more, left = autocommit_read(st.engine, read)
    # Built from the database's own JSON text: no response-model validation, no re-encoding.
    page = feed.encode_page(rows, feed.encode_cursor(st.cursor_key, last), more, left)
    t1 = time.perf_counter()
    body, headers = coding.encode_answer(page, request.headers.get("accept-encoding"), level=coding.PULL_LEVEL)
    t2 = time.perf_counter()
    # Server-Timing (W3C): the server's own share of a pull, which the sync bench adds up
    headers["Server-Timing"] = f"feed;dur={(t1 - t0) * 1000:.1f}, gzip;dur={(t2 - t1) * 1000:.1f}"
    return Response(body, media_type="application/json", headers=headers)


@router.get("/sync/state", response_model=StateAnswer, summary="Количество и контрольные суммы видимых записей")
def state(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        return feed.state(s, p)
