"""The programme catalogue kept in the vault (issue 14): browsed and filtered offline.

The catalogue is the server's (``GET /programmes``); the last copy fetched is kept whole in the
vault's meta table as one JSON value — a catalogue is read and replaced as a unit, never edited
row by row, so a table of its own would buy nothing but a migration. Filtering 5,000 entries in
Python is a few milliseconds (bench target 100 ms).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.models.repository import RecordRepository, get_meta, now_iso, set_meta

KEY = "workflows.programmes"
AT_KEY = "workflows.programmes.at"
#: vault -> (when fetched, the parsed items): an enrolment checks one programme's seats without
#: parsing the whole catalogue again (5,000 entries: ~60 ms of JSON)
_PARSED: dict[int, tuple[str, list[dict[str, Any]]]] = {}

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
    at = f"{now_iso()} {uuid.uuid4()}"  # unique: two fetches in one second are two catalogues
    with repo.vault.begin() as conn:
        set_meta(conn, KEY, json.dumps({"at": at, "items": [dict(i) for i in items]}, ensure_ascii=False))
        set_meta(conn, AT_KEY, at)


def cached(repo: RecordRepository) -> tuple[list[dict[str, Any]], str | None]:
    """The last catalogue fetched (copies, free to change) and when (None: never fetched)."""
    with repo.vault.read() as conn:
        at = get_meta(conn, AT_KEY)
        hit = _PARSED.get(id(repo.vault))
        if at is None or hit is None or hit[0] != at:
            raw = get_meta(conn, KEY)
            if not raw:
                return [], None
            data = json.loads(raw)
            at = str(data.get("at") or at)
            hit = (at, list(data.get("items") or []))
            _PARSED[id(repo.vault)] = hit
    return [dict(i) for i in hit[1]], at[:25]


def find(repo: RecordRepository, programme_id: str) -> dict[str, Any] | None:
    """One programme of the kept catalogue (a copy), without copying the rest."""
    cached_items = _PARSED.get(id(repo.vault))
    if cached_items is None:
        cached(repo)
        cached_items = _PARSED.get(id(repo.vault))
    found = next((p for p in (cached_items or ("", []))[1] if str(p.get("id")) == programme_id), None)
    return dict(found) if found is not None else None


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


def matching_positions(items: Sequence[Mapping[str, Any]], f: ProgrammeFilter) -> list[int]:
    """The positions in ``items`` that ``f`` keeps, in order — what a list model shows, without
    copying a single entry (run it off the GUI thread for a large catalogue)."""
    return [i for i, p in enumerate(items) if matches(p, f)]


def seats_text(p: Mapping[str, Any]) -> str:
    free = int(p.get("free_seats") or 0)
    return f"{free} из {p.get('seats')}" if free > 0 else "мест нет"
