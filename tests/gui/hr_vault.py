"""An HR clerk's vault for the «Сотрудники» tests: the demo organization's staff (desktop/demo_staff.py)
loaded as synced rows, the account stored as a login of role ``hr`` would leave it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop.demo import ORG_GKB, ORG_POLY
from desktop.demo_staff import demo_staff
from desktop.models.repository import PERSON_KEY, RecordRepository, remember_account
from desktop.models.tables import Meta
from desktop.vault.profiles import create_profile
from desktop.vault.store import Vault
from desktop.vault.unlock import unwrap_data_key

PASS = "Верная-фраза-2026!"
#: a fixed day, so which card is current does not depend on when the tests run
TODAY = dt.date(2026, 6, 1)
GKB = {"inn": ORG_GKB["org_inn"], "name": ORG_GKB["org_name"]}


POLY = {"inn": ORG_POLY["org_inn"], "name": ORG_POLY["org_name"]}


def make_hr_vault(root: Path, count: int = 300, role: str = "hr", orgs: list[dict[str, str]] | None = None) -> Path:
    prof = create_profile(root, "Кадровик")
    vault, _ = Vault.create(prof.folder, PASS)
    try:
        repo = RecordRepository(vault, user="tester")
        repo.load_synced(demo_staff(ORG_GKB, ORG_POLY, count, today=TODAY))
        repo.record_consent()
        with vault.begin() as conn:
            remember_account(conn, role, orgs if orgs is not None else [GKB])
            # A clerk's vault has no person of its own (load_synced took the first one as such).
            meta = Meta.__table__  # type: ignore[attr-defined]
            conn.execute(meta.delete().where(meta.c.key == PERSON_KEY))
    finally:
        vault.close()
    return prof.folder


@contextlib.contextmanager
def hr_connection(root: Path, count: int = 300) -> Iterator[tuple[Any, RecordRepository]]:
    """An HR vault of ``count`` persons, unlocked: its raw DB-API connection (for the list
    queries, which run on it) and its repository."""
    folder = make_hr_vault(root, count)
    vault = Vault(folder, unwrap_data_key(folder, PASS))
    repo = RecordRepository(vault)
    try:
        with vault.read() as c:
            c.exec_driver_sql("SELECT 1")
            yield c.connection.dbapi_connection, repo
    finally:
        vault.close()
