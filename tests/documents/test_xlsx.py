from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook

from desktop.documents.nmo import NmoFilter
from desktop.documents.xlsx import COLUMNS, nmo_history_xlsx


def test_xlsx_reopens_with_real_types(snapshot: dict[str, Any]) -> None:
    flt = NmoFilter(statuses=frozenset({"confirmed", "pending"}))
    wb = load_workbook(io.BytesIO(nmo_history_xlsx(snapshot, flt)))
    ws = wb.active
    assert ws is not None
    assert [c.value for c in ws[1]] == [label for _, label, _ in COLUMNS]
    assert all(c.font.b for c in ws[1])
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    data = [r for r in rows if isinstance(r[0], dt.datetime)]
    expected = [r for r in snapshot["nmo"] if r["status"] in ("confirmed", "pending")]
    assert len(data) == len(expected)
    first = sorted(expected, key=lambda r: r["event_date"])[0]
    assert data[0][0] == dt.datetime.fromisoformat(first["event_date"])
    assert isinstance(data[0][4], int | float) and data[0][4] == float(first["credits"])
    assert any(r[4] == 1.5 for r in data)  # fractional credits stay numbers
    assert data[0][1] == "интерактивный образовательный модуль" or data[0][1] in (
        "образовательное мероприятие", "программа повышения квалификации")
    assert ws["A2"].number_format == "DD.MM.YYYY"
    assert ws.auto_filter.ref == f"A1:G{len(data) + 1}"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= 40
    total_row = len(data) + 3
    assert ws.cell(total_row, 1).value == "Итого ЗЕТ"
    assert ws.cell(total_row, 5).value == f"=SUBTOTAL(109,E2:E{len(data) + 1})"


def test_xlsx_empty_selection_still_valid(snapshot: dict[str, Any]) -> None:
    flt = NmoFilter(date_from=dt.date(2030, 1, 1))
    ws = load_workbook(io.BytesIO(nmo_history_xlsx(snapshot, flt))).active
    assert ws is not None and ws.max_row == 1
