"""What every request handler needs: settings, the engine, НСИ, server keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import select

from desktop.models.nsi import NsiRegistry
from server.config import Settings
from server.db import in_write_tx, read_session
from server.models import ServerKey


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    nsi: NsiRegistry
    cursor_key: bytes


def load_key(engine: Engine, name: str) -> bytes:
    """A secret shared by all worker processes: created once, stored in the database."""
    with read_session(engine) as s:
        row = s.get(ServerKey, name)
        if row:
            return bytes.fromhex(row.value)

    def create(s):  # type: ignore[no-untyped-def]
        row = s.get(ServerKey, name)
        if row is None:
            row = ServerKey(name=name, value=secrets.token_hex(32))
            s.add(row)
        return row.value

    return bytes.fromhex(in_write_tx(engine, create))


def build_state(settings: Settings, engine: Engine) -> AppState:
    return AppState(settings, engine, NsiRegistry.shipped(), load_key(engine, "cursor"))


def get_state(request: Request) -> AppState:
    st: AppState = request.app.state.frmr
    return st


__all__ = ["AppState", "State", "build_state", "get_state", "select"]


State = Annotated[AppState, Depends(get_state)]
