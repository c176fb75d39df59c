"""A staff spreadsheet read as plain rows: ``.xlsx``, ``.xls`` as 1С saves it, CSV (UTF-8 or Windows-1251).

The file's type is told by its first bytes, never by its name. Everything that is not a table
the import can trust is refused whole with a Russian message (:class:`SheetRefused`): not a
spreadsheet, a password-protected or damaged workbook, a zip bomb, more rows than
:data:`MAX_ROWS`, an empty file, text in an unknown encoding. Formulas are read as the values
Excel saved with them and never evaluated; merged cells give every cell of the range the value a
person sees in it (the top-left one).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.i18n import tr

#: the file itself; a 5,000-person .xlsx is about 0.5 MB, a 1С .xls a few MB
MAX_FILE_BYTES = 50 * 1024 * 1024
#: data rows in one import; a larger staff is imported in parts (docs/hr.md)
MAX_ROWS = 50_000
#: an .xlsx unpacked (all its parts together): more is a zip bomb, not a staff list
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
#: columns read per row (a real staff list has 15–40)
MAX_COLUMNS = 200

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')

Progress = Callable[[int, int, str], None]


class SheetRefused(ValueError):
    """The file cannot be imported at all; the message says why and what to do. Nothing was imported."""


@dataclass
class Sheet:
    """Rows as read: ``rows[i]`` is spreadsheet row ``numbers[i]`` (1-based, as Excel shows it)."""

    kind: str  # xlsx | xls | csv
    rows: list[list[Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _too_many() -> SheetRefused:
    return SheetRefused(tr("В файле больше {n} строк: загрузите сотрудников частями (по подразделениям)").format(
        n=f"{MAX_ROWS:,}".replace(",", " ")))


def _check_zip(zf: zipfile.ZipFile) -> None:
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise SheetRefused(tr("Файл .xlsx распаковывается в слишком большой объём (больше {mb} МБ): "
                                  "это не похоже на список сотрудников").format(mb=MAX_UNPACKED_BYTES // (1024 * 1024)))


def _merged_ranges(zf: zipfile.ZipFile, sheet_part: str) -> list[tuple[int, int, int, int]]:
    """(first row, first col, last row, last col), 0-based columns: read from the sheet's XML,
    which openpyxl's read-only mode does not expose. The list comes after the rows, near the end."""
    with zf.open(sheet_part) as fh:
        data = fh.read()
    start = data.rfind(b"<mergeCells")
    if start < 0:
        start = data.rfind(b":mergeCells")
    if start < 0:
        return []
    return [(int(r1), _col_index(c1), int(r2), _col_index(c2)) for c1, r1, c2, r2 in _MERGE.findall(data, start)]


def _first_sheet_part(zf: zipfile.ZipFile) -> str | None:
    names = set(zf.namelist())
    if "xl/worksheets/sheet1.xml" in names:
        return "xl/worksheets/sheet1.xml"
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    return sheets[0] if sheets else None


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _fill_merged(rows: dict[int, list[Any]], merged: list[tuple[int, int, int, int]]) -> None:
    for r1, c1, r2, c2 in merged:
        top = rows.get(r1)
        value = top[c1] if top is not None and c1 < len(top) else None
        if value is None:
            continue
        for r in range(r1, min(r2, r1 + MAX_ROWS) + 1):
            row = rows.get(r)
            if row is None:
                continue
            for c in range(c1, min(c2, MAX_COLUMNS - 1) + 1):
                if c < len(row) and row[c] is None:
                    row[c] = value


def _read_xlsx(data: bytes, progress: Progress) -> Sheet:
    from openpyxl import load_workbook

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SheetRefused(tr("Файл .xlsx повреждён: его не удаётся открыть. Сохраните его в Excel заново")) from exc
    with zf:
        _check_zip(zf)
        part = _first_sheet_part(zf)
        if part is None:
            raise SheetRefused(tr("В файле нет ни одного листа Excel: это не таблица .xlsx"))
        try:
            merged = _merged_ranges(zf, part)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SheetRefused(tr("Файл .xlsx повреждён: лист не читается. Сохраните его в Excel заново")) from exc
    try:
        # data_only: a formula is read as the value Excel saved with it, never evaluated
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises whatever its XML and zip layers raise on damage
        raise SheetRefused(tr("Файл .xlsx повреждён или это не книга Excel: его не удаётся прочитать. "
                              "Сохраните его в Excel заново (Файл → Сохранить как → Книга Excel)")) from exc
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise SheetRefused(tr("В книге нет листов"))
        rows: dict[int, list[Any]] = {}
        n = 0
        try:
            for n, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
                if len(rows) > MAX_ROWS:
                    raise _too_many()
                if any(v is not None and v != "" for v in values):
                    rows[n] = [_clean(v) for v in values]
                if n % 2000 == 0:
                    progress(n, 0, "Чтение файла")
        except SheetRefused:
            raise
        except Exception as exc:
            raise SheetRefused(tr("Файл .xlsx повреждён: строка {n} не читается. Сохраните его в Excel заново").format(
                n=n + 1)) from exc
    finally:
        wb.close()
    _fill_merged(rows, merged)
    numbers = sorted(rows)
    return Sheet("xlsx", [rows[i] for i in numbers], numbers)


def _read_xls(data: bytes, progress: Progress) -> Sheet:
    if _ENCRYPTED in data:
        raise SheetRefused(tr("Файл защищён паролем: откройте его в Excel, снимите пароль "
                              "(Файл → Сведения → Защита книги) и сохраните заново"))
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=False)
    except Exception as exc:  # xlrd's own XLRDError, and struct/index errors on a damaged file
        text = str(exc).lower()
        if "encrypt" in text or "password" in text:
            raise SheetRefused(tr("Файл .xls защищён паролем: снимите пароль в Excel и сохраните заново")) from exc
        raise SheetRefused(tr("Файл .xls повреждён или это не таблица Excel: его не удаётся прочитать")) from exc
    try:
        if book.nsheets < 1:
            raise SheetRefused(tr("В книге нет листов"))
        sh = book.sheet_by_index(0)
        if sh.nrows > MAX_ROWS + 1:
            raise _too_many()
        rows: dict[int, list[Any]] = {}
        for r in range(sh.nrows):
            values: list[Any] = []
            for c in range(min(sh.ncols, MAX_COLUMNS)):
                cell = sh.cell(r, c)
                v: Any = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        v = xlrd.xldate_as_datetime(v, book.datemode)
                    except (ValueError, OverflowError):
                        v = None
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    v = None
                values.append(_clean(v))
            if any(v is not None for v in values):
                rows[r + 1] = values
            if r % 2000 == 0:
                progress(r, sh.nrows, "Чтение файла")
        # xlrd: (first row, last row + 1, first col, last col + 1), 0-based
        merged = [(r1 + 1, c1, r2, c2 - 1) for r1, r2, c1, c2 in sh.merged_cells]
    finally:
        book.release_resources()
    _fill_merged(rows, merged)
    numbers = sorted(rows)
    return Sheet("xls", [rows[i] for i in numbers], numbers)


def decode_text(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SheetRefused(tr("Файл в кодировке UTF-16 повреждён: сохраните его как CSV UTF-8")) from exc
    if b"\x00" in data[:4096]:
        raise SheetRefused(tr("Это не таблица: файл не .xlsx, не .xls и не текст CSV. "
                              "Сохраните список в Excel как .xlsx или CSV (разделитель «;»)"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise SheetRefused(tr("Кодировка файла не распознана (ожидается UTF-8 или Windows-1251): "
                              "сохраните его в Excel как «CSV UTF-8»")) from exc


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _read_csv(text: str, progress: Progress) -> Sheet:
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    sheet = Sheet("csv")
    try:
        for n, values in enumerate(reader, 1):
            cleaned = [_clean(v) for v in values[:MAX_COLUMNS]]
            if any(v is not None for v in cleaned):
                if len(sheet.rows) > MAX_ROWS:
                    raise _too_many()
                sheet.rows.append(cleaned)
                sheet.numbers.append(n)
            if n % 5000 == 0:
                progress(n, 0, "Чтение файла")
    except csv.Error as exc:
        raise SheetRefused(tr("Файл CSV повреждён (строка {n}): {error}").format(n=reader.line_num, error=exc)) from exc
    return sheet


def read_sheet(path: Path, progress: Progress | None = None) -> Sheet:
    """The first sheet of the file as rows (empty rows dropped), or :class:`SheetRefused`."""
    report = progress or (lambda _d, _t, _s: None)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SheetRefused(tr("Файл больше {mb} МБ: загрузите сотрудников частями (по подразделениям)").format(
                mb=MAX_FILE_BYTES // (1024 * 1024)))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SheetRefused(tr("Файл {path} не найден").format(path=path)) from exc
    except IsADirectoryError as exc:
        raise SheetRefused(tr("{path} — это папка, а не файл").format(path=path)) from exc
    except OSError as exc:
        raise SheetRefused(tr("Файл {path} не читается: {error}").format(path=path, error=exc.strerror or exc)) from exc
    if not data.strip():
        raise SheetRefused(tr("Файл пустой"))
    if data.startswith(_ZIP):
        sheet = _read_xlsx(data, report)
    elif data.startswith(_OLE):
        sheet = _read_xls(data, report)
    elif data[:5] == b"%PDF-" or data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n":
        raise SheetRefused(tr("Это не таблица, а документ или изображение: выберите файл .xlsx, .xls или .csv"))
    else:
        sheet = _read_csv(decode_text(data), report)
    if not sheet.rows:
        raise SheetRefused(tr("В файле нет ни одной заполненной строки"))
    return sheet

