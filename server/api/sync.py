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
    gzip = coding.accepts_gzip(request.headers.get("accept-encoding"))

    def read(conn: sa.Connection) -> tuple[coding.PageCoder, int]:
        # Built from the database's own JSON text, piece by piece, compressed meanwhile: no
        # response-model validation, no re-encoding. A new coder per attempt (PostgreSQL may
        # retry the read on a fresh connection).
        coder = coding.PageCoder(gzip, coding.PULL_LEVEL)
        try:
            n, last, more = feed.write_page(conn, p, after, limit, coder.add)
            left = feed.remaining(conn, p, last) if count and more else (0 if count else None)
            coder.add(feed.encode_tail(feed.encode_cursor(st.cursor_key, last), more, left))
            if n and not is_sqlite(st.engine):
                # PostgreSQL: the page is one statement (one snapshot) and its journal entry one
                # INSERT, both autocommitted on one connection; an empty page (the usual
                # periodic sync) writes nothing.
                audit.add(conn, p, "read_personal_data", "sync_pull", "", f"изменений: {n}")
        except BaseException:
            coder.close()
            raise
        return coder, n

    if is_sqlite(st.engine):
        with st.engine.connect() as conn:
            coder, n = read(conn)
        if n:
            audit.log(st.engine, p, "read_personal_data", "sync_pull", "", f"изменений: {n}")
    else:
        coder, n = autocommit_read(st.engine, read)
    t1 = time.perf_counter()
    body, headers = coder.finish()
    t2 = time.perf_counter()
    # Server-Timing (W3C): the server's own share of a pull, which the sync bench adds up —
    # building the page (compressed meanwhile), then the compression left after its last piece
    headers["Server-Timing"] = f"feed;dur={(t1 - t0) * 1000:.1f}, gzip;dur={(t2 - t1) * 1000:.1f}"
    return Response(body, media_type="application/json", headers=headers)


@router.get("/sync/state", response_model=StateAnswer, summary="Количество и контрольные суммы видимых записей")
def state(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        return feed.state(s, p)
