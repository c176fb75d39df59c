"""A worker readies itself before it accepts requests (issue 15: the manager's figures ≤ 200 ms).

The organization report is the heaviest read a person waits for. Its first run in a fresh
process pays for compiling its statements and for the database session's first look at the
summary tables and their indexes (PostgreSQL's per-connection catalog cache) — about as much
again as the counting itself. The worker pays that once at its start, on a pooled connection,
by asking the report of an organization that cannot exist; the figures themselves are never
cached here (that is ``reports.cached_org_report``'s memo, keyed by the data).

The web framework, too, builds its routing state (each route's parameters and dependencies,
some 60 routes) on the first request that passes through a router, and the middleware stack on
the very first: tens of milliseconds a person's first request would wait for. :func:`warm_routes`
sends two requests through the app in-process — one that no route answers (so every router is
walked) and one that fails authentication with a token that cannot exist (the login's query
compiled; nothing is written, nothing counted against anyone).

A failure (a database not migrated yet) is only logged: a worker must start whatever its
warm-up meets.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
from sqlalchemy import Engine

from server import reports
from server.db import read_session

log = logging.getLogger("frmr.server")

#: an ИНН whose check digit is wrong, so no organization can hold it
NO_SUCH_ORG = "0000000001"


def warm_up(engine: Engine) -> float:
    """Run the report's statements once; returns the seconds it took (0 when it failed)."""
    t = time.perf_counter()
    try:
        with read_session(engine) as s:
            reports.org_report(s, NO_SUCH_ORG)
    except Exception as exc:  # a warm-up never stops a start
        log.warning("прогрев отчёта не выполнен: %s", type(exc).__name__)
        return 0.0
    return time.perf_counter() - t


async def warm_routes(app: Any) -> float:
    """Pass two requests through the ASGI app (see above); returns the seconds it took (0 when it failed)."""
    t = time.perf_counter()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
            walked = await c.get("/warm-up/no-such-route")
            refused = await c.get(f"/orgs/{NO_SUCH_ORG}/report", headers={"Authorization": "Bearer warm-up"})
        if (walked.status_code, refused.status_code) != (404, 401):
            log.warning("прогрев маршрутов: неожиданные ответы %s, %s", walked.status_code, refused.status_code)
    except Exception as exc:  # a warm-up never stops a start
        log.warning("прогрев маршрутов не выполнен: %s", type(exc).__name__)
        return 0.0
    return time.perf_counter() - t
