"""The sync tables (migration 0003_sync.sql). The classes live in desktop.models.tables with
every other vault table, so one metadata describes the whole vault file."""

from __future__ import annotations

from sqlalchemy import Table

from desktop.models.tables import SyncConflict, SyncRow

SYNC_ROW: Table = SyncRow.__table__  # type: ignore[attr-defined]
CONFLICT: Table = SyncConflict.__table__  # type: ignore[attr-defined]

__all__ = ["CONFLICT", "SYNC_ROW", "SyncConflict", "SyncRow"]
