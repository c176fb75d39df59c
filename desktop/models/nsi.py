"""НСИ dictionaries: curated subsets shipped in resources/nsi, extendable by a full export.

A full export is imported into the vault (``frmr nsi import FILE``); this module only
knows dictionaries as code -> name maps and how to read an export file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from desktop.i18n import tr
from desktop.paths import resource_dir
from desktop.vault.errors import describe_os_error


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


#: A full export of the largest dictionary the record uses is a few megabytes; anything far
#: beyond that is the wrong file, and reading it whole (/dev/zero, a disk image) exhausted
#: memory instead of answering.
MAX_EXPORT_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 500_000
MAX_CODE_LEN = 100
MAX_NAME_LEN = 2000
_CODE_KEYS = ("code", "id", "код")
_NAME_KEYS = ("name", "наименование", "value")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _read_text(path: Path) -> str:
    name = path.name
    try:
        if not path.is_file():
            if path.exists():
                raise NsiImportError(tr(
                    "{path} — не обычный файл: укажите файл выгрузки НСИ (JSON или CSV)").format(
                    path=path))
            raise NsiImportError(tr("Не удалось прочитать файл НСИ {name}: файл не найден").format(name=name))
        with path.open("rb") as f:
            data = f.read(MAX_EXPORT_BYTES + 1)
    except OSError as exc:
        raise NsiImportError(tr(
            "Не удалось прочитать файл НСИ {name}: {describe_os_error}").format(
            name=name, describe_os_error=describe_os_error(exc))) from exc
    if len(data) > MAX_EXPORT_BYTES:
        raise NsiImportError(tr(
            "Файл НСИ {name} слишком большой: больше {value} МБ").format(
            name=name, value=MAX_EXPORT_BYTES // (1024 * 1024)))
    if not data.strip():
        raise NsiImportError(tr("Файл НСИ {name} пуст").format(name=name))
    binary = NsiImportError(tr(
        "Файл НСИ {name} не текстовый файл в кодировке UTF-8: ожидается выгрузка в JSON или CSV").format(
        name=name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise binary from None
    if "\x00" in text:
        raise binary
    return text


def _cell(value: object, what: str, where: str, limit: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise NsiImportError(tr(
            "Файл НСИ, {where}: {what} должен быть строкой или числом").format(
            where=where, what=what))
    text = str(value).strip()
    if not text:
        raise NsiImportError(tr("Файл НСИ, {where}: не указан {what}").format(where=where, what=what))
    if len(text) > limit:
        raise NsiImportError(tr(
            "Файл НСИ, {where}: {what} длиннее {limit} символов").format(
            where=where, what=what, limit=limit))
    if _BAD_CHARS.search(text):
        raise NsiImportError(tr(
            "Файл НСИ, {where}: {what} содержит недопустимые символы").format(
            where=where, what=what))
    return text


def _pick(row: Mapping[str, object], keys: tuple[str, ...]) -> object:
    for k in keys:
        if k in row:
            return row[k]
    return None


def _json_rows(text: str) -> tuple[str | None, list[tuple[str, Mapping[str, object]]]]:
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise NsiImportError(tr("Файл НСИ не является корректным JSON")) from exc
    if not isinstance(raw, dict):
        raise NsiImportError(tr("Файл НСИ: ожидается объект JSON с полями oid и entries"))
    oid = raw.get("oid") or raw.get("OID")
    if oid is not None and not isinstance(oid, str):
        raise NsiImportError(tr("Файл НСИ: OID справочника должен быть строкой"))
    data = next((raw[k] for k in ("entries", "data", "rows", "list") if k in raw), None)
    if not isinstance(data, list):
        raise NsiImportError(tr("Файл НСИ: поле entries (список записей) отсутствует или не является списком"))
    out: list[tuple[str, Mapping[str, object]]] = []
    for n, r in enumerate(data, 1):
        if not isinstance(r, dict):
            raise NsiImportError(tr("Файл НСИ, запись №{n}: ожидается объект с полями code и name").format(n=n))
        out.append((f"запись №{n}", {str(k).strip().lower(): v for k, v in r.items()}))
    return oid or None, out


def _csv_rows(text: str) -> tuple[str | None, list[tuple[str, Mapping[str, object]]]]:
    lines = text.splitlines()
    oid: str | None = None
    first = 1
    if lines and lines[0].startswith("#"):
        head = lines.pop(0)
        first = 2
        if "oid=" in head:
            oid = head.split("oid=", 1)[1].strip()
    # The delimiter is the one of the header: csv.Sniffer, given a ragged sample, guessed a
    # wrong one and the file read as having no code column at all.
    header_line = lines[0] if lines else ""
    delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if not any(k in header for k in _CODE_KEYS) or not any(k in header for k in _NAME_KEYS):
            raise NsiImportError(
                tr(
                    "Файл НСИ: в первой строке CSV нет столбцов кода и наименования (найдены: {value}; ожидаются "
                    "code/ID/код и name/NAME/наименование)").format(
                    value=', '.join(h for h in header if h) or 'пусто'))
        out: list[tuple[str, Mapping[str, object]]] = []
        for cells in reader:
            where = f"строка {reader.line_num + first - 1}"
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise NsiImportError(
                    tr(
                        "Файл НСИ, {where}: столбцов {n}, а в заголовке {n2}").format(
                        where=where, n=len(cells), n2=len(header)))
            out.append((where, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise NsiImportError(tr(
            "Файл НСИ: CSV не читается (строка {value})").format(
            value=reader.line_num + first - 1)) from exc
    if out and not oid:
        value = _pick(out[0][1], ("oid",))
        oid = str(value).strip() if value else None
    return oid, out


def parse_export(path: Path, registry: NsiRegistry) -> tuple[str, list[tuple[str, str]]]:
    """Read a full НСИ export (JSON or CSV) -> (dictionary key, [(code, name)]).

    JSON: ``{"oid": "...", "entries"|"data"|"rows": [{"code"|"ID"|"id": ..., "name"|"NAME"|...}]}``.
    CSV: a header row, then code and name columns; the OID is given as ``oid`` column or in
    the first line as ``# oid=...``. Anything malformed refuses the whole file (with where
    and what): a partly read dictionary would replace the whole imported one.
    """
    text = _read_text(path)
    looks_json = path.suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "[")
    oid, rows = _json_rows(text) if looks_json else _csv_rows(text)
    if not oid:
        raise NsiImportError(tr("Файл НСИ: не указан OID справочника"))
    d = registry.by_oid(oid.strip())
    if d is None:
        raise NsiImportError(f"Справочник с OID {oid} не поддерживается; поддерживаются: "
                             + ", ".join(f"{registry.get(k).oid} ({registry.get(k).name})" for k in registry.keys()))
    if len(rows) > MAX_ENTRIES:
        raise NsiImportError(tr(
            "Файл НСИ: больше {MAX_ENTRIES} записей — это не выгрузка справочника «{name}»").format(
            MAX_ENTRIES=MAX_ENTRIES, name=d.name))
    out: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for where, r in rows:
        code = _cell(_pick(r, _CODE_KEYS), "код", where, MAX_CODE_LEN)
        name = _cell(_pick(r, _NAME_KEYS), "наименование", where, MAX_NAME_LEN)
        if code in seen:
            raise NsiImportError(tr(
                "Файл НСИ, {where}: код «{code}» уже был ({value})").format(
                where=where, code=code, value=seen[code]))
        seen[code] = where
        out.append((code, name))
    if not out:
        raise NsiImportError(tr("Файл НСИ не содержит ни одной записи с кодом и наименованием"))
    return d.key, out
