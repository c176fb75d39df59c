"""Per-IP limit on login attempts (POST /oauth/authorize and /oauth/token), shared through the database.

A fixed one-minute window per address: one upsert per attempt returns the count so far, so
several worker processes (or machines) on one database enforce one limit. A fixed window lets a
burst of up to twice the limit straddle a window boundary; the per-account lockout still caps
password guesses per account (server.auth.accounts).
"""

from __future__ import annotations

import math
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from server.cli import is_loopback
from server.config import Settings
from server.db import in_write_tx
from server.models import RateLimit
from server.problems import Problem

WINDOW = 60.0
TOO_MANY = "Слишком много попыток входа с этого адреса. Повторите через {seconds} с."


def check_login_rate(engine: Engine, settings: Settings, ip: str) -> None:
    """Count one attempt from ``ip``; 429 problem with Retry-After once over the limit."""
    limit = settings.login_rate_per_minute
    if limit <= 0 or (settings.login_rate_exempt_loopback and is_loopback(ip)):
        return
    now = time.time()
    key = f"login:{ip}"[:100]

    def tx(s: Session) -> tuple[int, float]:
        t: sa.Table = RateLimit.__table__  # type: ignore[attr-defined]  # columns = the existing row
        new_window = t.c.window_start <= now - WINDOW
        insert: Any = (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(t)
        stmt = insert.values(key=key, window_start=now, count=1).on_conflict_do_update(
            index_elements=[t.c.key],
            set_={"count": sa.case((new_window, 1), else_=t.c.count + 1),
                  "window_start": sa.case((new_window, now), else_=t.c.window_start)},
        ).returning(t.c.count, t.c.window_start)
        count, start = s.execute(stmt).one()
        if count == 1:
            # a new window for this address: forget addresses quiet for an hour (keeps the table small)
            s.execute(sa.delete(RateLimit).where(col(RateLimit.window_start) < now - 3600))
        return int(count), float(start)

    count, start = in_write_tx(engine, tx)
    if count > limit:
        wait = max(1, math.ceil(start + WINDOW - now))
        raise Problem(429, TOO_MANY.format(seconds=wait), type_="https://frmr.local/problems/too-many-logins",
                      headers={"Retry-After": str(wait)}, retry_after=wait)
