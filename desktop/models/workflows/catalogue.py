"""The programme catalogue kept in the vault (issue 14): browsed and filtered offline.

The catalogue is the server's (``GET /programmes``); the last copy fetched is kept whole in the
vault's meta table as one JSON value — a catalogue is read and replaced as a unit, never edited
row by row, so a table of its own would buy nothing but a migration. Filtering 5,000 entries in
Python is a few milliseconds (bench target 100 ms).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop.models.repository import RecordRepository, get_meta, now_iso, set_meta

KEY = "workflows.programmes"

FORMATS = {"full_time": "очная", "part_time": "заочная", "mixed": "очно-заочная", "distance": "дистанционная"}


@dataclass(frozen=True)
class ProgrammeFilter:
    specialty: str | None = None
    format: str | None = None
    date_from: str | None = None  # ISO; programmes beginning on or after
    date_to: str | None = None  # ISO; programmes ending on or before
    hours_min: int | None = None
    hours_max: int | None = None
    free_only: bool = False
    mine_only: bool = False
    text: str = ""


def remember(repo: RecordRepository, items: Iterable[Mapping[str, Any]]) -> None:
    with repo.vault.begin() as conn:
        set_meta(conn, KEY, json.dumps({"at": now_iso(), "items": [dict(i) for i in items]}, ensure_ascii=False))


def cached(repo: RecordRepository) -> tuple[list[dict[str, Any]], str | None]:
    """The last catalogue fetched and when (None: never fetched)."""
    with repo.vault.read() as conn:
        raw = get_meta(conn, KEY)
    if not raw:
        return [], None
    data = json.loads(raw)
    return list(data.get("items") or []), data.get("at")


def matches(p: Mapping[str, Any], f: ProgrammeFilter) -> bool:
    if f.specialty and p.get("specialty_code") != f.specialty:
        return False
    if f.format and p.get("format") != f.format:
        return False
    if f.date_from and str(p.get("begin_date") or "") < f.date_from:
        return False
    if f.date_to and str(p.get("end_date") or "") > f.date_to:
        return False
    hours = int(p.get("hours") or 0)
    if f.hours_min is not None and hours < f.hours_min:
        return False
    if f.hours_max is not None and hours > f.hours_max:
        return False
    if f.free_only and int(p.get("free_seats") or 0) <= 0:
        return False
    if f.mine_only and not p.get("enrolled"):
        return False
    if f.text and f.text.casefold() not in f"{p.get('title', '')} {p.get('provider', '')}".casefold():
        return False
    return True


def select_programmes(items: Iterable[Mapping[str, Any]], f: ProgrammeFilter) -> list[dict[str, Any]]:
    return [dict(p) for p in items if matches(p, f)]


def seats_text(p: Mapping[str, Any]) -> str:
    free = int(p.get("free_seats") or 0)
    return f"{free} из {p.get('seats')}" if free > 0 else "мест нет"
