"""НСИ dictionaries: curated subsets shipped in resources/nsi, extendable by a full export.

A full export is imported into the vault (``frmr nsi import FILE``); this module only
knows dictionaries as code -> name maps and how to read an export file.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from desktop.paths import resource_dir


@dataclass
class Dictionary:
    key: str
    oid: str
    name: str
    version: str
    entries: dict[str, str] = field(default_factory=dict)

    def search(self, text: str, limit: int = 50) -> list[tuple[str, str]]:
        """Codes whose code or name contains ``text`` (case-insensitive), best first."""
        t = text.strip().casefold()
        if not t:
            return list(self.entries.items())[:limit]
        starts, contains = [], []
        for code, name in self.entries.items():
            n = name.casefold()
            if code == t or n.startswith(t):
                starts.append((code, name))
            elif t in n or t in code:
                contains.append((code, name))
        return (starts + contains)[:limit]


class NsiRegistry:
    def __init__(self, dictionaries: dict[str, Dictionary]) -> None:
        self._dicts = dictionaries

    @classmethod
    def shipped(cls) -> NsiRegistry:
        dicts: dict[str, Dictionary] = {}
        for path in sorted((resource_dir() / "nsi").glob("*.json")):
            raw = json.loads(path.read_text(encoding="utf-8"))
            dicts[raw["key"]] = Dictionary(
                raw["key"], raw["oid"], raw["name"], raw["version"],
                {e["code"]: e["name"] for e in raw["entries"]},
            )
        return cls(dicts)

    def with_extra(self, rows: list[tuple[str, str, str]]) -> NsiRegistry:
        """A copy extended by imported (dict_key, code, name) rows."""
        dicts = {
            k: Dictionary(d.key, d.oid, d.name, d.version, dict(d.entries)) for k, d in self._dicts.items()
        }
        for key, code, name in rows:
            if key in dicts:
                dicts[key].entries[code] = name
        return NsiRegistry(dicts)

    def get(self, key: str) -> Dictionary:
        return self._dicts[key]

    def keys(self) -> list[str]:
        return list(self._dicts)

    def by_oid(self, oid: str) -> Dictionary | None:
        for d in self._dicts.values():
            if d.oid == oid:
                return d
        return None

    def has(self, key: str, code: str) -> bool:
        d = self._dicts.get(key)
        return d is not None and code in d.entries

    def name(self, key: str, code: str | None) -> str:
        if not code:
            return ""
        d = self._dicts.get(key)
        return d.entries.get(code, code) if d else code


_SHIPPED: NsiRegistry | None = None


def shipped() -> NsiRegistry:
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = NsiRegistry.shipped()
    return _SHIPPED


class NsiImportError(ValueError):
    pass


def parse_export(path: Path, registry: NsiRegistry) -> tuple[str, list[tuple[str, str]]]:
    """Read a full НСИ export (JSON or CSV) -> (dictionary key, [(code, name)]).

    JSON: ``{"oid": "...", "entries"|"data"|"rows": [{"code"|"ID"|"id": ..., "name"|"NAME"|...}]}``.
    CSV: a header row, then code and name columns; the OID is given as ``oid`` column or in
    the first line as ``# oid=...``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise NsiImportError(f"Не удалось прочитать файл НСИ {path.name}: {exc.__class__.__name__}") from exc
    oid: str | None = None
    rows: list[dict[str, str]] = []
    if path.suffix.lower() == ".json":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NsiImportError(f"Файл НСИ {path.name} не является корректным JSON") from exc
        if not isinstance(raw, dict):
            raise NsiImportError("Файл НСИ: ожидается объект JSON с полями oid и entries")
        oid = str(raw.get("oid") or raw.get("OID") or "")
        data = raw.get("entries") or raw.get("data") or raw.get("rows") or raw.get("list") or []
        if not isinstance(data, list):
            raise NsiImportError("Файл НСИ: поле entries должно быть списком")
        rows = [r for r in data if isinstance(r, dict)]
    else:
        lines = text.splitlines()
        if lines and lines[0].startswith("#"):
            head = lines.pop(0)
            if "oid=" in head:
                oid = head.split("oid=", 1)[1].strip()
        sample = "\n".join(lines[:5])
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel  # type: ignore[assignment]
        reader = csv.DictReader(io.StringIO("\n".join(lines)), dialect=dialect)
        rows = list(reader)
        if rows and not oid:
            oid = rows[0].get("oid") or rows[0].get("OID")
    if not oid:
        raise NsiImportError("Файл НСИ: не указан OID справочника")
    d = registry.by_oid(oid)
    if d is None:
        raise NsiImportError(f"Справочник с OID {oid} не поддерживается")
    out: list[tuple[str, str]] = []
    for r in rows:
        low = {str(k).strip().lower(): v for k, v in r.items() if k is not None}
        code = low.get("code") or low.get("id") or low.get("код")
        name = low.get("name") or low.get("наименование") or low.get("value")
        if code in (None, "") or name in (None, ""):
            continue
        out.append((str(code).strip(), str(name).strip()))
    if not out:
        raise NsiImportError("Файл НСИ не содержит ни одной записи с кодом и наименованием")
    return d.key, out
