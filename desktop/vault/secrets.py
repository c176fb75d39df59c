"""Named secrets inside the encrypted database (tokens, an imported .p12 container)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from desktop.models.tables import Secret
from desktop.vault.store import Vault

_T = Secret.__table__  # type: ignore[attr-defined]


def put_secret(vault: Vault, name: str, data: bytes) -> None:
    with vault.begin() as conn:
        conn.execute(_T.delete().where(_T.c.name == name))
        conn.execute(_T.insert().values(name=name, data=data, created_at=dt.datetime.now(dt.UTC).isoformat()))


def get_secret(vault: Vault, name: str) -> bytes | None:
    with vault.read() as conn:
        return conn.execute(select(_T.c.data).where(_T.c.name == name)).scalar_one_or_none()


def delete_secret(vault: Vault, name: str) -> None:
    with vault.begin() as conn:
        conn.execute(_T.delete().where(_T.c.name == name))
