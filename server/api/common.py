"""Shared dependencies of the JSON API: client schema version header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from server.problems import Problem
from server.state import AppState, State

UPDATE_APP = "Версия приложения устарела: обновите ФРМР Desktop до последней версии, затем повторите синхронизацию."


def _check(raw: str | None, st: AppState, required: bool) -> int | None:
    if raw is None or raw == "":
        if required:
            raise Problem(400, "Не указан заголовок X-Client-Schema (версия схемы данных приложения).",
                          errors={"X-Client-Schema": "обязательный заголовок"})
        return None
    try:
        v = int(raw.strip())
    except ValueError:
        raise Problem(400, "Заголовок X-Client-Schema должен быть целым числом.",
                      errors={"X-Client-Schema": "ожидается целое число"}) from None
    if v < st.settings.min_client_schema:
        raise Problem(426, UPDATE_APP, type_="https://frmr.local/problems/client-too-old",
                      min_client_schema=st.settings.min_client_schema, headers={"Upgrade": "frmr-desktop"})
    return v


def client_schema_required(
    st: State, x_client_schema: Annotated[str | None, Header(max_length=20)] = None
) -> int | None:
    return _check(x_client_schema, st, True)


def client_schema_optional(
    st: State, x_client_schema: Annotated[str | None, Header(max_length=20)] = None
) -> int | None:
    return _check(x_client_schema, st, False)
