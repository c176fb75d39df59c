"""Makes staff_1c.xls: a staff list as 1С:ЗУП saves it to .xls (BIFF8) — a title row merged
across the columns, date cells, number cells. The .xls is committed; to make it again:
``uv run --with xlwt python tests/hr/data/make_staff_1c_xls.py`` (xlwt is not a dependency)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlwt  # type: ignore[import-untyped]

from desktop.models.checkdigits import make_snils

wb = xlwt.Workbook(encoding="utf-8")
ws = wb.add_sheet("Сотрудники")
date = xlwt.easyxf(num_format_str="DD.MM.YYYY")
ws.write_merge(0, 0, 0, 9, "Список сотрудников организации ГКБ № 1 на 01.12.2026")
heads = ["№", "Сотрудник", "СНИЛС", "Пол", "Дата рождения", "Подразделение", "Должность", "Вид занятости",
         "Дата приема", "Количество ставок"]
for c, h in enumerate(heads):
    ws.write(1, c, h)
rows = [
    ("Смирнова Ольга Игоревна", make_snils("301456739"), "Женский", dt.date(1979, 4, 2), "Терапевтическое отделение",
     "врач-терапевт", "Основное место работы", dt.date(2012, 3, 1), 1.0),
    ("Кузнецов Андрей Павлович", make_snils("301456740"), "Мужской", dt.date(1985, 11, 20), "Хирургическое отделение",
     "врач-хирург", "Внутреннее совместительство", dt.date(2019, 9, 16), 0.5),
    ("Попова Наталья", make_snils("301456741"), "Женский", dt.date(1990, 1, 31), "Терапевтическое отделение",
     "медицинская сестра", "Основное место работы", dt.date(2020, 2, 3), 0.25),
]
for r, row in enumerate(rows, 2):
    ws.write(r, 0, r - 1)
    for c, v in enumerate(row, 1):
        if isinstance(v, dt.date):
            ws.write(r, c, v, date)
        else:
            ws.write(r, c, v)
wb.save(str(Path(__file__).with_name("staff_1c.xls")))
print("ok")
