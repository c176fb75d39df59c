"""The staff export: typed cells, дд.мм.гггг, one row per person or per card, and no formula
injection — a name typed as a formula stays text in .xlsx and CSV."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from desktop.documents.staff_export import PERSON_EXPORT, staff_csv, staff_xlsx
from desktop.models import staff
from desktop.models.checkdigits import make_snils
from desktop.models.repository import RecordRepository
from tests.hr.conftest import card_values, person_values


def test_typed_cells_and_formula_guard(hr_repo: RecordRepository) -> None:
    evil = staff.add_person(hr_repo, person_values(make_snils("128456739"), last_name="=HYPERLINK(\"http://x\")"))
    staff.add_card(hr_repo, evil, card_values(rate="0,75", subdivision="+7 отделение"))
    plain = staff.add_person(hr_repo, person_values(make_snils("228456739"), last_name="Петрова"))
    cid = staff.add_card(hr_repo, plain, card_values(begin_date="01.02.2010"))
    staff.close_card(hr_repo, cid, "31.01.2020", "По собственному желанию")

    ws = load_workbook(io.BytesIO(staff_xlsx(hr_repo))).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 3 and len(rows[0]) == len(PERSON_EXPORT)
    by_name = {r[1]: r for r in rows[1:]}
    bad = by_name["'=HYPERLINK(\"http://x\")"]  # text, never a formula
    assert bad[6] == "'+7 отделение" and Decimal(str(bad[9])) == Decimal("0.75")
    assert bad[5] == dt.datetime(1984, 3, 17) and bad[13] == "да"
    gone = by_name["Петрова"]
    assert gone[9] is None and gone[11] == dt.datetime(2020, 1, 31) and gone[13] == "нет"
    first = next(iter(ws.iter_rows(min_row=2, max_row=2)))
    assert all(c.data_type != "f" for c in first)
    date_cell = next(c for c in first if isinstance(c.value, dt.datetime))
    assert date_cell.number_format.upper() == "DD.MM.YYYY"

    text = staff_csv(hr_repo, by_card=True).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("СНИЛС;Фамилия;Имя")
    assert "'=HYPERLINK" in text and ";'+7 отделение;" in text
    assert ";0,75;" in text and ";01.02.2010;31.01.2020;" in text
