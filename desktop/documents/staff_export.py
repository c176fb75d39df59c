"""The staff to ``.xlsx`` and CSV, the import template, and the import's rejected rows (issue 13).

One row per employment card (a person without a card in the clerk's organizations: one row with
the card cells empty), in the columns of the import template — so an export, corrected, can be
imported back. Cells are typed: dates are dates shown дд.мм.гггг, the rate a number; every text
goes through the one formula guard (``textrules.spreadsheet_cell``), so a name typed as
«=HYPERLINK(…)» stays text in Excel. The workbook is written in openpyxl's write-only mode
(20,000 persons in a few seconds).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from desktop.documents.atomic import atomic_write
from desktop.documents.staff_import import COLUMNS, TEMPLATE, header_title
from desktop.models import schema
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import fmt_date, fmt_decimal
from desktop.models.repository import RecordRepository, table
from desktop.models.staff import clerk_inns, sort_key
from desktop.models.textrules import spreadsheet_cell

Progress = Callable[[int, int, str], None]

#: the export's columns: the template's, then the organization and the card's status
EXPORT: tuple[str, ...] = (*TEMPLATE, "org_name", "org_inn", "status")
_TITLES = {**{k: header_title(k) for k in COLUMNS}, "status": "Статус"}
_WIDTHS = {"snils": 15, "last_name": 18, "first_name": 14, "patronymic": 18, "position_code": 40,
           "subdivision": 28, "position_type": 22, "end_reason": 26}
_LABELS: dict[str, dict[str, str]] = {
    "gender": schema.GENDER, "position_type": schema.POSITION_TYPE, "contract_kind": schema.CONTRACT_KIND,
    "status": schema.EMPLOYMENT_STATUS,
}
_DATES = frozenset({"birth_date", "begin_date", "end_date", "contract_date", "order_date"})
_PERSON_COLS = ("snils", "last_name", "first_name", "patronymic", "gender", "birth_date")
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E6EBF2")


def export_rows(repo: RecordRepository, *, org_inn: str | None = None) -> Iterator[dict[str, Any]]:
    """Canonical values, one dict per card (persons sorted by ФИО, cards by begin date)."""
    p, c = table("person"), table("employment")
    with repo.vault.read() as conn:
        inns = [org_inn] if org_inn else clerk_inns(conn)
        cq = select(c.c.person_id, *(c.c[k] for k in EXPORT if k not in _PERSON_COLS))
        if inns:
            cq = cq.where(c.c.org_inn.in_(inns))
        cards: dict[str, list[dict[str, Any]]] = {}
        for r in conn.execute(cq.order_by(c.c.begin_date)).mappings():
            cards.setdefault(r["person_id"], []).append(dict(r))
        persons = [dict(r) for r in conn.execute(select(p.c.id, *(p.c[k] for k in _PERSON_COLS))).mappings()]
    persons.sort(key=lambda r: (sort_key(r), r["snils"] or ""))
    for person in persons:
        own = cards.get(person["id"])
        if org_inn and not own:
            continue
        for card in own or [{}]:
            yield {**person, **card}


def _display(repo_names: dict[str, str], key: str, value: Any) -> Any:
    if value in (None, ""):
        return None
    if key == "position_code":
        return repo_names.get(str(value), str(value))
    if key in _LABELS:
        return _LABELS[key].get(str(value), str(value))
    if key == "snils":
        return format_snils(str(value))
    return value


def _typed(names: dict[str, str], key: str, value: Any) -> Any:
    v = _display(names, key, value)
    if v is None:
        return None
    if key in _DATES:
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            return spreadsheet_cell(str(v))
    if key == "rate":
        try:
            return Decimal(str(v))
        except InvalidOperation:
            return spreadsheet_cell(str(v))
    return spreadsheet_cell(str(v))


def _header(ws: Worksheet, titles: Sequence[str]) -> None:
    cells = []
    for t in titles:
        cell = WriteOnlyCell(ws, value=t)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        cells.append(cell)
    ws.append(cells)


def _sheet(wb: Workbook, title: str, keys: Sequence[str]) -> Worksheet:
    ws = wb.create_sheet(title)
    for i, k in enumerate(keys, 1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(k, 14)
    ws.freeze_panes = "A2"
    return ws


def staff_xlsx(repo: RecordRepository, *, org_inn: str | None = None, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> bytes:
    """The staff as a workbook (bytes)."""
    report = progress or (lambda _d, _t, _s: None)
    names = repo.nsi().get("position").entries
    wb = Workbook(write_only=True)
    ws = _sheet(wb, "Сотрудники", EXPORT)
    _header(ws, [_TITLES[k] for k in EXPORT])
    date_cols = {i for i, k in enumerate(EXPORT) if k in _DATES}
    for n, row in enumerate(export_rows(repo, org_inn=org_inn), 1):
        values = [_typed(names, k, row.get(k)) for k in EXPORT]
        cells: list[Any] = []
        for i, v in enumerate(values):
            if i in date_cols and isinstance(v, dt.date):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "DD.MM.YYYY"
                cells.append(cell)
            else:
                cells.append(v)
        ws.append(cells)
        if n % 2000 == 0:
            if cancel is not None and cancel.is_set():
                raise InterruptedError("Выгрузка отменена")
            report(n, 0, "Выгрузка")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def staff_csv(repo: RecordRepository, *, org_inn: str | None = None) -> bytes:
    """The staff as CSV for Excel: «;», UTF-8 with a BOM, dates дд.мм.гггг."""
    names = repo.nsi().get("position").entries
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([_TITLES[k] for k in EXPORT])
    for row in export_rows(repo, org_inn=org_inn):
        out = []
        for k in EXPORT:
            v = _display(names, k, row.get(k))
            if v is not None and k in _DATES:
                v = fmt_date(str(v))
            elif v is not None and k == "rate":
                v = fmt_decimal(v, lang="ru")
            out.append("" if v is None else spreadsheet_cell(str(v)))
        w.writerow(out)
    return buf.getvalue().encode("utf-8-sig")


def export_file(repo: RecordRepository, fmt: str, out: Path, *, org_inn: str | None = None,
                progress: Progress | None = None, cancel: threading.Event | None = None) -> int:
    """Write the export atomically (a half-written file never replaces a good one); returns its size."""
    data = staff_xlsx(repo, org_inn=org_inn, progress=progress, cancel=cancel) if fmt == "xlsx" \
        else staff_csv(repo, org_inn=org_inn)
    atomic_write(out, data)
    return len(data)


def template_xlsx() -> bytes:
    """The import template: the headers, one example row, a sheet of explanations."""
    wb = Workbook(write_only=True)
    ws = _sheet(wb, "Сотрудники", TEMPLATE)
    _header(ws, [_TITLES[k] for k in TEMPLATE])
    example = {"snils": "112-233-445 95", "last_name": "Иванова", "first_name": "Мария",
               "patronymic": "Петровна", "gender": "женский", "birth_date": "17.03.1984",
               "subdivision": "Терапевтическое отделение", "position_code": "врач-терапевт",
               "position_type": "основная", "contract_kind": "трудовой договор", "rate": "1",
               "begin_date": "01.09.2013"}
    ws.append([example.get(k) for k in TEMPLATE])
    help_ws = wb.create_sheet("Пояснения")
    for line in (
        "Одна строка — один человек и одна его карточка трудоустройства.",
        "Обязательные столбцы: СНИЛС, ФИО (одной ячейкой или «Фамилия» и «Имя»), Должность, Дата начала.",
        "Даты — дд.мм.гггг или даты Excel. Должность — название из справочника НСИ или её код.",
        "Тип занятия: основная, внутреннее совместительство, внешнее совместительство, совмещение "
        "(нет столбца — основная). Вид договора: трудовой договор или договор ГПХ (нет столбца — трудовой). "
        "Ставка — 0,25…1,5 (нет столбца — 1).",
        "Организация — ваша (для кадровика нескольких организаций — столбец «ИНН организации»).",
        "Повторная загрузка того же файла ничего не удваивает: человек находится по СНИЛС, "
        "такая же карточка пропускается.",
    ):
        help_ws.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def errors_xlsx(headers: Sequence[str], bad_rows: Sequence[tuple[int, Sequence[Any]]],
                messages: dict[int, str]) -> bytes:
    """The rows the import refused, as read, with a column «Ошибка» and the row's number in the
    file: fix them there and import this workbook again."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Ошибки")
    titles = ["Ошибка", "Строка файла", *[h or f"Столбец {i + 1}" for i, h in enumerate(headers)]]
    _header(ws, titles)
    for number, cells in bad_rows:
        values: list[Any] = [messages.get(number, ""), number]
        for v in list(cells)[:len(headers)]:
            if isinstance(v, dt.datetime):
                v = v.date()
            if isinstance(v, dt.date):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "DD.MM.YYYY"
                values.append(cell)
            elif isinstance(v, int | float | Decimal) and not isinstance(v, bool):
                values.append(v)
            else:
                values.append(spreadsheet_cell(None if v is None else str(v)))
        ws.append(values)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
