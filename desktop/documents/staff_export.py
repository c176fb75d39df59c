"""The staff to ``.xlsx`` and CSV, the import template, and the import's rejected rows (issue 13).

One row per person, as the «Сотрудники» list shows them (their cards in the clerk's organizations
summarised: positions, subdivisions, the rate of the open cards, active or not); or, ``by_card``,
one row per employment card in the columns of the import template — so such an export,
corrected, can be imported back. Cells are typed: dates are dates shown дд.мм.гггг, the rate a
number; every text goes through the one formula guard (``textrules.spreadsheet_cell``), so a
name typed as «=HYPERLINK(…)» stays text in Excel. The big table is written by
``sheet_writer.table_xlsx`` (openpyxl took 20 s for 20,000 persons on a busy machine); the
template and the rejected rows, small, by openpyxl.
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
from desktop.documents.sheet_writer import table_xlsx
from desktop.documents.staff_import import COLUMNS, TEMPLATE, header_title
from desktop.i18n import tr
from desktop.models import schema
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import fmt_decimal
from desktop.models.repository import RecordRepository, table
from desktop.models.staff import clerk_inns, sort_key
from desktop.models.textrules import spreadsheet_cell

Progress = Callable[[int, int, str], None]

#: one row per card (``by_card``): the template's columns, then the organization and the card's
#: status — a corrected export imports back
CARD_EXPORT: tuple[str, ...] = (*TEMPLATE, "org_name", "org_inn", "status")
#: one row per person, as the «Сотрудники» list shows them: their cards in the organization summarised
PERSON_EXPORT: tuple[str, ...] = ("snils", "last_name", "first_name", "patronymic", "gender", "birth_date",
                                  "subdivision", "position_code", "position_type", "rate", "begin_date", "end_date",
                                  "status", "active", "cards")
_TITLES = {**{k: header_title(k) for k in COLUMNS}, "status": "Статус"}
_PERSON_TITLES = {**_TITLES, "subdivision": "Подразделения", "position_code": "Должности",
                  "position_type": "Тип занятия", "rate": "Ставка (действующие)", "begin_date": "Дата начала",
                  "end_date": "Дата увольнения", "status": "Статусы карточек", "active": "Работает",
                  "cards": "Карточек"}
_WIDTHS = {"snils": 15, "last_name": 18, "first_name": 14, "patronymic": 18, "position_code": 40,
           "subdivision": 28, "position_type": 22, "end_reason": 26}
_LABELS: dict[str, dict[str, str]] = {
    "gender": schema.GENDER, "position_type": schema.POSITION_TYPE, "contract_kind": schema.CONTRACT_KIND,
    "status": schema.EMPLOYMENT_STATUS,
}
_DATES = frozenset({"birth_date", "begin_date", "end_date", "contract_date", "order_date"})
_PERSON_COLS = ("id", "snils", "last_name", "first_name", "patronymic", "gender", "birth_date")
_CARD_COLS = tuple(k for k in CARD_EXPORT if k not in _PERSON_COLS)
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E6EBF2")

Line = list[Any]


#: the card columns the one-row-per-person export reads (fewer columns: less to build per card)
_SUMMARY_COLS = ("subdivision", "position_code", "position_type", "rate", "begin_date", "end_date", "status")


def _groups(repo: RecordRepository, org_inn: str | None,
            card_cols: tuple[str, ...] = _CARD_COLS) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(person, their cards in the organizations) sorted by ФИО, cards by begin date — read as
    plain tuples and sorted here: an ORDER BY over 100,000 cards cost SQLite more than the rest."""
    p, c = table("person"), table("employment")
    with repo.vault.read() as conn:
        inns = [org_inn] if org_inn else clerk_inns(conn)
        cq = select(c.c.person_id, *(c.c[k] for k in card_cols))
        if inns:
            cq = cq.where(c.c.org_inn.in_(inns))
        cards: dict[str, list[dict[str, Any]]] = {}
        for r in conn.execute(cq).all():
            cards.setdefault(r[0], []).append(dict(zip(card_cols, r[1:], strict=True)))
        persons = [dict(zip(_PERSON_COLS, r, strict=True))
                   for r in conn.execute(select(*(p.c[k] for k in _PERSON_COLS))).all()]
    persons.sort(key=lambda r: (sort_key(r), r["snils"] or ""))
    out = []
    for person in persons:
        own = cards.get(person["id"], [])
        if org_inn and not own:
            continue
        own.sort(key=lambda x: str(x.get("begin_date") or ""))
        out.append((person, own))
    return out


def _date(v: Any) -> Any:
    if not v:
        return None
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        return spreadsheet_cell(str(v))


def _number(v: Any) -> Any:
    if v in (None, ""):
        return None
    try:
        return Decimal(str(v))
    except InvalidOperation:
        return spreadsheet_cell(str(v))


def _text(v: Any) -> Any:
    return None if v in (None, "") else spreadsheet_cell(str(v))


def _card_lines(groups: list[tuple[dict[str, Any], list[dict[str, Any]]]], names: dict[str, str]) -> Iterator[Line]:
    for person, cards in groups:
        for card in cards or [{}]:
            row = {**person, **card}
            line: Line = []
            for k in CARD_EXPORT:
                v = row.get(k)
                if k in _DATES:
                    line.append(_date(v))
                elif k == "rate":
                    line.append(_number(v))
                elif k == "snils":
                    line.append(_text(format_snils(str(v)) if v else None))
                elif k == "position_code":
                    line.append(_text(names.get(str(v), v) if v else None))
                elif k in _LABELS:
                    line.append(_text(_LABELS[k].get(str(v), v) if v else None))
                else:
                    line.append(_text(v))
            yield line


def _joined(values: Any) -> Any:
    seen = list(dict.fromkeys(str(v) for v in values if v not in (None, "")))
    return spreadsheet_cell("; ".join(seen)) if seen else None


def _person_lines(groups: list[tuple[dict[str, Any], list[dict[str, Any]]]], names: dict[str, str]) -> Iterator[Line]:
    today = dt.date.today().isoformat()
    for p, cards in groups:
        open_ = [c for c in cards if not c.get("end_date") or str(c["end_date"]) >= today]
        rate = sum((Decimal(str(c["rate"])) for c in open_ if c.get("rate")), Decimal(0))
        ends = [str(c["end_date"]) for c in cards if c.get("end_date")]
        yield [
            _text(format_snils(str(p["snils"])) if p["snils"] else None), _text(p["last_name"]),
            _text(p["first_name"]), _text(p["patronymic"]),
            _text(schema.GENDER.get(str(p["gender"]), p["gender"]) if p["gender"] else None), _date(p["birth_date"]),
            _joined(c.get("subdivision") for c in cards),
            _joined(names.get(str(c.get("position_code")), c.get("position_code")) for c in cards),
            _joined(schema.POSITION_TYPE.get(str(c.get("position_type")), c.get("position_type")) for c in cards),
            rate if open_ else None, _date(cards[0].get("begin_date")) if cards else None,
            _date(max(ends)) if cards and not open_ and ends else None,
            _joined(schema.EMPLOYMENT_STATUS.get(str(c.get("status")), c.get("status")) for c in cards),
            ("да" if open_ else "нет") if cards else None, len(cards),
        ]


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


def _layout(by_card: bool) -> tuple[tuple[str, ...], dict[str, str], Callable[..., Iterator[Line]]]:
    return (CARD_EXPORT, _TITLES, _card_lines) if by_card else (PERSON_EXPORT, _PERSON_TITLES, _person_lines)


def staff_xlsx(repo: RecordRepository, *, org_inn: str | None = None, by_card: bool = False,
               progress: Progress | None = None, cancel: threading.Event | None = None) -> bytes:
    """The staff as a workbook: one row per person (``by_card``: per card, importable back)."""
    report = progress or (lambda _d, _t, _s: None)
    keys, titles, lines = _layout(by_card)
    names = repo.nsi().get("position").entries
    groups = _groups(repo, org_inn, _CARD_COLS if by_card else _SUMMARY_COLS)

    def rows() -> Iterator[Line]:
        for n, line in enumerate(lines(groups, names), 1):
            if n % 2000 == 0:
                if cancel is not None and cancel.is_set():
                    raise InterruptedError(tr("Выгрузка отменена"))
                report(n, len(groups), "Выгрузка")
            yield line

    return table_xlsx("Сотрудники", [titles[k] for k in keys], rows(), [_WIDTHS.get(k, 14) for k in keys])


def staff_csv(repo: RecordRepository, *, org_inn: str | None = None, by_card: bool = False) -> bytes:
    """The staff as CSV for Excel: «;», UTF-8 with a BOM, dates дд.мм.гггг, decimals with a comma."""
    keys, titles, lines = _layout(by_card)
    names = repo.nsi().get("position").entries
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([titles[k] for k in keys])
    for line in lines(_groups(repo, org_inn, _CARD_COLS if by_card else _SUMMARY_COLS), names):
        w.writerow(["" if v is None else v.strftime("%d.%m.%Y") if isinstance(v, dt.date)
                    else fmt_decimal(v, lang="ru") if isinstance(v, Decimal) else v for v in line])
    return buf.getvalue().encode("utf-8-sig")


def export_file(repo: RecordRepository, fmt: str, out: Path, *, org_inn: str | None = None, by_card: bool = False,
                progress: Progress | None = None, cancel: threading.Event | None = None) -> int:
    """Write the export atomically (a half-written file never replaces a good one); returns its size."""
    data = (staff_xlsx(repo, org_inn=org_inn, by_card=by_card, progress=progress, cancel=cancel) if fmt == "xlsx"
            else staff_csv(repo, org_inn=org_inn, by_card=by_card))
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
