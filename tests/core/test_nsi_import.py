"""``nsi import`` of files that are not a good НСИ export: a Russian message that says where
and what, and the vault's imported dictionaries left exactly as they were."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.models.nsi import MAX_EXPORT_BYTES, NsiImportError, parse_export, shipped
from desktop.models.repository import RecordRepository
from desktop.models.tables import NsiEntry

POSITION_OID = "1.2.643.5.1.13.13.11.1102"
_SEQ = itertools.count()


def _json(tmp_path: Path, entries: object, oid: object = POSITION_OID, name: str | None = None) -> Path:
    p = tmp_path / (name or f"export{next(_SEQ)}.json")
    p.write_text(json.dumps({"oid": oid, "entries": entries}, ensure_ascii=False), encoding="utf-8")
    return p


def _imported(repo: RecordRepository) -> list[tuple[str, str, str]]:
    t = NsiEntry.__table__  # type: ignore[attr-defined]
    with repo.vault.read() as conn:
        return sorted((r.dict_key, r.code, r.name) for r in conn.execute(select(t)))


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as f:  # sparse: costs no disk
        f.truncate(MAX_EXPORT_BYTES + 1)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(f"# oid={POSITION_OID}\nID;NAME\n901;врач\n902\n", encoding="utf-8")
    no_columns = tmp_path / "cols.csv"
    no_columns.write_text(f"# oid={POSITION_OID}\nfoo,bar\n1,2\n", encoding="utf-8")
    binary = tmp_path / "bin.json"
    binary.write_bytes(bytes(range(256)) * 20)
    return {
        "duplicate code": (_json(tmp_path, [{"code": "7", "name": "а"}, {"code": "7", "name": "б"}]),
                           "код «7» уже был"),
        "code an object": (_json(tmp_path, [{"code": {"x": 1}, "name": "а"}]), "код должен быть строкой"),
        "entry not an object": (_json(tmp_path, [{"code": "1", "name": "а"}, "2"]), "запись №2"),
        "code too long": (_json(tmp_path, [{"code": "9" * 10_000, "name": "а"}]), "длиннее"),
        "NUL in a code": (_json(tmp_path, [{"code": "1\x002", "name": "а"}]), "недопустимые символы"),
        "oid a list": (_json(tmp_path, [{"code": "1", "name": "а"}], oid=["x"]), "OID справочника должен быть строкой"),
        "too big": (huge, "слишком большой"),
        "a fifo": (fifo, "не обычный файл"),
        "a folder": (tmp_path, "не обычный файл"),
        "ragged csv": (ragged, "строка 4"),
        "wrong columns": (no_columns, "найдены: foo, bar"),
        "binary": (binary, "не текстовый файл"),
        "missing": (tmp_path / "nope.json", "файл не найден"),
    }


@pytest.mark.parametrize("case", ["duplicate code", "code an object", "entry not an object", "code too long",
                                  "NUL in a code", "oid a list", "too big", "a fifo", "a folder", "ragged csv",
                                  "wrong columns", "binary", "missing"])
def test_bad_export_is_refused_with_a_reason(repo: RecordRepository, tmp_path: Path, case: str) -> None:
    """Before: a duplicate code crashed in the INSERT (IntegrityError), /dev/zero or a FIFO was
    read to the end (out of memory / forever), objects were imported as their repr, ragged rows
    were skipped in silence, and messages named Python classes (FileNotFoundError)."""
    good = _json(tmp_path, [{"code": "900", "name": "Новая должность"}], name="good.json")
    key, rows = parse_export(good, repo.nsi())
    repo.import_nsi(key, rows)
    before = _imported(repo)
    path, needle = _bad_files(tmp_path)[case]
    with pytest.raises(NsiImportError) as exc:
        key, rows = parse_export(path, repo.nsi())
        repo.import_nsi(key, rows)
    assert needle in str(exc.value)
    assert "Error" not in str(exc.value)
    assert _imported(repo) == before


def test_csv_delimiter_comes_from_the_header(tmp_path: Path) -> None:
    p = tmp_path / "pos.csv"
    p.write_text(f"# oid={POSITION_OID}\nID;NAME\n901;врач-исследователь\n902;врач, заведующий\n", encoding="utf-8")
    assert parse_export(p, shipped()) == ("position", [("901", "врач-исследователь"), ("902", "врач, заведующий")])


def test_numeric_codes_are_taken_as_text(tmp_path: Path) -> None:
    assert parse_export(_json(tmp_path, [{"ID": 901, "NAME": "врач"}]), shipped())[1] == [("901", "врач")]
