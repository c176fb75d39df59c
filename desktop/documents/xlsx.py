"""НМО «История начислений» as an Excel workbook (openpyxl).

Cells are typed: dates are real dates (with a дд.мм.гггг display format), credits are numbers
(Decimal, never float, so 1.5 ЗЕТ stays exact), so the user can sort, filter and sum in Excel.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from desktop.documents.nmo import NmoFilter, filter_rows
from desktop.models import schema
from desktop.models.textrules import spreadsheet_cell

COLUMNS: list[tuple[str, str, float]] = [
    ("event_date", "Дата", 12),
    ("kind", "Тип", 34),
    ("title", "Наименование", 48),
    ("provider", "Организатор", 26),
    ("credits", "ЗЕТ", 8),
    ("status", "Статус", 22),
    ("document_number", "Номер документа", 18),
]


def _cell(name: str, value: Any) -> Any:
    # Text from the record (a title, a provider, a document number) may begin with = + - @:
    # the one formula guard of textrules makes it plain text; dates and numbers stay typed.
    return spreadsheet_cell(_typed(name, value))


def _typed(name: str, value: Any) -> Any:
    if value in (None, ""):
        return None
    if name == "event_date":
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if name == "credits":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value)
    if name == "kind":
        return schema.NMO_KIND.get(str(value), str(value))
    if name == "status":
        return schema.NMO_STATUS.get(str(value), str(value))
    return str(value)


def nmo_history_xlsx(
    snapshot: Mapping[str, Sequence[Mapping[str, Any]]], flt: NmoFilter | None = None
) -> bytes:
    rows = filter_rows(snapshot.get("nmo") or [], flt or NmoFilter())
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "История начислений"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E6EBF2")
    ws.append([label for _, label, _ in COLUMNS])
    for c in ws[1]:
        c.font, c.fill = bold, fill
        c.alignment = Alignment(vertical="center", wrap_text=True)
    for r in rows:
        values = dict(r)
        values.setdefault("status", "pending")
        ws.append([_cell(name, values.get(name)) for name, _, _ in COLUMNS])
    last = ws.max_row
    for i, (name, _, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
        if name == "event_date":
            for (c,) in ws.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
                c.number_format = "DD.MM.YYYY"
        if name == "credits":
            for (c,) in ws.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
                c.number_format = "0.##"
    ws.freeze_panes = "A2"
    width = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A1:{width}{max(last, 2)}"
    if rows:
        # SUBTOTAL(109, …) sums only the rows the user's filter leaves visible.
        col = get_column_letter([n for n, _, _ in COLUMNS].index("credits") + 1)
        ws.cell(row=last + 2, column=1, value="Итого ЗЕТ").font = bold
        total = ws.cell(row=last + 2, column=[n for n, _, _ in COLUMNS].index("credits") + 1)
        total.value = f"=SUBTOTAL(109,{col}2:{col}{last})"
        total.font = bold
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
