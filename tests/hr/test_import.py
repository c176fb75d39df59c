"""The staff import on a real vault: the formats a clerk has (.xlsx, 1С's .xls, CSV in UTF-8 and
Windows-1251), reruns, rejected rows, and the bad files of issue 13 — each refused whole with a
Russian reason and nothing written, or row by row with the valid rows imported whole."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from desktop.documents import staff_sheet
from desktop.documents.staff_export import errors_xlsx, template_xlsx
from desktop.documents.staff_import import run_import
from desktop.models.checkdigits import make_snils
from desktop.models.repository import RecordRepository
from tests.hr.conftest import INN

DATA = Path(__file__).with_name("data")
HEAD = ["СНИЛС", "ФИО", "Пол", "Дата рождения", "Подразделение", "Должность", "Тип занятия должности",
        "Ставка", "Дата начала"]


def snils(n: int) -> str:
    return make_snils(f"{400_000_000 + n:09d}")


def row(n: int, **kw: Any) -> list[Any]:
    v = {"snils": snils(n), "fio": f"Тестова Анна{n} Петровна", "gender": "женский", "birth": "05.05.1985",
         "sub": "Терапия", "pos": "врач-терапевт", "type": "основная", "rate": "1", "begin": "12.01.2015", **kw}
    return [v["snils"], v["fio"], v["gender"], v["birth"], v["sub"], v["pos"], v["type"], v["rate"], v["begin"]]


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8", head: list[str] = HEAD) -> Path:
    text = "\n".join(";".join("" if c is None else str(c) for c in r) for r in [head, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], head: list[str] = HEAD) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def counts(repo: RecordRepository) -> tuple[int, int, int]:
    return repo.count("person"), repo.count("employment"), len(repo.outbox())


def test_csv_1251_rerun_and_rejected_rows(hr_repo: RecordRepository, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "staff.csv", [row(1), row(2, rate="0,5", type="внешнее совместительство"),
                                            row(3, snils="123-456-789 00"), row(4, pos="дворник")], "cp1251")
    res = run_import(hr_repo, f)
    assert res.as_dict()["rows"] == 4 and res.imported == 2
    assert {(e.row, e.field) for e in res.errors} == {(4, "snils"), (5, "position_code")}
    assert "контрольное число" in next(e.message for e in res.errors if e.row == 4)
    assert "дворник" in next(e.message for e in res.errors if e.row == 5)
    assert res.exit_code == 1
    assert counts(hr_repo) == (2, 2, 4)  # each imported row: the person and the card, each queued
    card = hr_repo.list("employment")[1]
    assert card["org_inn"] == INN and card["rate"] in ("1", "0.5")
    # the same file again: nothing twice
    again = run_import(hr_repo, f)
    assert again.imported == 0 and again.skipped == 2 and counts(hr_repo) == (2, 2, 4)
    # the rejected rows as a workbook with the error column, fixed and imported back
    wb = load_workbook(io.BytesIO(errors_xlsx(res.headers, res.bad_rows, res.messages_by_row())))
    ws = wb.active
    assert ws is not None
    got = [list(r) for r in ws.iter_rows(values_only=True)]
    assert got[0][:3] == ("Ошибка", "Строка файла", "СНИЛС") or got[0][:3] == ["Ошибка", "Строка файла", "СНИЛС"]
    assert got[1][1] == 4 and "СНИЛС" in str(got[1][0])
    ws.cell(row=2, column=3, value=snils(3))
    ws.cell(row=3, column=8, value="врач-хирург")
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    res = run_import(hr_repo, fixed)
    assert res.errors == [] and res.imported == 2 and counts(hr_repo)[:2] == (4, 4)


def test_xls_as_1c_saves_it(hr_repo: RecordRepository) -> None:
    res = run_import(hr_repo, DATA / "staff_1c.xls")
    assert res.errors == [] and res.imported == 3, res.errors
    people = {p["last_name"]: p for p in hr_repo.list("person")}
    assert people["Кузнецов"]["first_name"] == "Андрей" and people["Кузнецов"]["patronymic"] == "Павлович"
    assert people["Попова"]["patronymic"] is None and people["Смирнова"]["birth_date"] == "1979-04-02"
    cards = {c["person_id"]: c for c in hr_repo.list("employment")}
    k = cards[people["Кузнецов"]["id"]]
    assert (k["position_code"], k["position_type"], k["rate"], k["begin_date"]) == \
        ("9", "internal_part_time", "0.5", "2019-09-16")
    assert k["subdivision"] == "Хирургическое отделение" and k["org_inn"] == INN


def test_xlsx_excel_dates_merged_cells_formulas_and_fio_split(hr_repo: RecordRepository, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Фамилия", "Имя", "Отчество", "СНИЛС", "Дата рождения", "Подразделение", "Должность",
               "Ставка", "Дата начала"])
    ws.append(["Орлова", "Вера", "Ильинична", int(snils(10)), dt.datetime(1980, 2, 29), "Терапия", "4", 1,
               dt.date(2010, 5, 4)])
    ws.append(["Орлов", "Илья", "Ильич", snils(11), "01.01.1981", None, "врач-терапевт", 0.25, "04.05.2011"])
    ws.append(["Зуев", "Лев", "Ильич", snils(12), "01.01.1982", "Хирургия", "врач-хирург", "=1/4", "04.05.2012"])
    ws.merge_cells("F2:F3")  # «Терапия» for both Orlovs, as a grouped report merges it
    f = tmp_path / "staff.xlsx"
    wb.save(f)
    res = run_import(hr_repo, f)
    # the formula was never evaluated: openpyxl saved it without a value, so the rate is missing
    assert [(e.row, e.field) for e in res.errors] == [(4, "rate")]
    assert res.imported == 2
    cards = {c["begin_date"]: c for c in hr_repo.list("employment")}
    assert cards["2011-05-04"]["subdivision"] == "Терапия" and cards["2011-05-04"]["rate"] == "0.25"
    people = {p["first_name"]: p for p in hr_repo.list("person")}
    assert people["Вера"]["birth_date"] == "1980-02-29" and people["Вера"]["gender"] == "female"
    assert people["Илья"]["gender"] == "male"  # from the patronymic, the file has no «Пол»


def test_same_snils_twice(hr_repo: RecordRepository, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "s.csv", [
        row(1), row(1, pos="врач-хирург", type="внутреннее совместительство", rate="0,25"),
        row(1, fio="Другая Ольга Павловна", begin="01.01.2020")])
    res = run_import(hr_repo, f)
    assert res.imported == 2 and [(e.row, e.field) for e in res.errors] == [(4, "snils")]
    assert "строке 2" in res.errors[0].message
    assert counts(hr_repo)[:2] == (1, 2)


def test_dry_run_writes_nothing(hr_repo: RecordRepository, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "s.csv", [row(1), row(2), row(3, birth="31.02.1990")])
    res = run_import(hr_repo, f, dry_run=True)
    assert res.imported == 2 and [e.field for e in res.errors] == ["birth_date"]
    assert counts(hr_repo) == (0, 0, 0)


def test_template_round_trip(hr_repo: RecordRepository, tmp_path: Path) -> None:
    f = tmp_path / "template.xlsx"
    f.write_bytes(template_xlsx())
    res = run_import(hr_repo, f)
    assert res.errors == [] and res.imported == 1


def test_cancel_keeps_whole_rows(hr_repo: RecordRepository, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "s.csv", [row(i) for i in range(1, 601)])
    cancel = threading.Event()

    def progress(done: int, total: int, _text: str) -> None:
        if done >= 250:
            cancel.set()

    res = run_import(hr_repo, f, progress=progress, cancel=cancel)
    assert res.cancelled and res.imported == 250
    assert counts(hr_repo) == (250, 250, 500)
    res = run_import(hr_repo, f)
    assert res.imported == 350 and res.skipped == 250 and counts(hr_repo)[:2] == (600, 600)


# -- files refused whole: nothing imported ------------------------------------------------------

def _refused(repo: RecordRepository, path: Path) -> str:
    res = run_import(repo, path)
    assert res.refused is not None and res.exit_code == 2 and res.imported == 0
    assert counts(repo) == (0, 0, 0)
    return res.refused


def test_bad_files(hr_repo: RecordRepository, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "пустой" in _refused(hr_repo, tmp_path / "empty.csv")
    (tmp_path / "pic.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert "не таблица" in _refused(hr_repo, tmp_path / "pic.xlsx")
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 10)
    assert "не таблица" in _refused(hr_repo, tmp_path / "bin.csv")
    good = write_xlsx(tmp_path / "good.xlsx", [row(1)])
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[:2000])
    assert "повреждён" in _refused(hr_repo, tmp_path / "cut.xlsx")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet1.xml") else data)
    assert "повреждён" in _refused(hr_repo, broken)
    (tmp_path / "notxls.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert "повреждён" in _refused(hr_repo, tmp_path / "notxls.xls")
    assert "не найден" in _refused(hr_repo, tmp_path / "nope.xlsx")
    assert "папка" in _refused(hr_repo, tmp_path)


def test_password_protected_workbook(hr_repo: RecordRepository, tmp_path: Path) -> None:
    # what Excel writes for «Зашифровать паролем»: an OLE2 container with an EncryptedPackage stream
    blob = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    name = "EncryptedPackage".encode("utf-16-le")
    blob[1024:1024 + len(name)] = name
    (tmp_path / "secret.xlsx").write_bytes(bytes(blob))
    assert "паролем" in _refused(hr_repo, tmp_path / "secret.xlsx")


def test_zip_bomb(hr_repo: RecordRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff_sheet, "MAX_UNPACKED_BYTES", 8 * 1024 * 1024)
    good = write_xlsx(tmp_path / "good.xlsx", [row(1)])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        with dst.open("xl/media/padding.bin", "w") as fh:
            for _ in range(16):
                fh.write(b"\x00" * (1024 * 1024))
    assert bomb.stat().st_size < 200 * 1024
    assert "слишком большой" in _refused(hr_repo, bomb)


def test_a_million_rows(hr_repo: RecordRepository, tmp_path: Path) -> None:
    f = tmp_path / "million.csv"
    with f.open("w", encoding="utf-8") as fh:
        fh.write("СНИЛС;ФИО;Должность;Дата начала\n")
        fh.write(f"{snils(1)};Тестова Анна;4;12.01.2015\n" * 1_000_000)
    assert f.stat().st_size < staff_sheet.MAX_FILE_BYTES
    assert "больше 50 000 строк" in _refused(hr_repo, f)


def test_encodings_headers_and_columns(hr_repo: RecordRepository, tmp_path: Path) -> None:
    koi = write_csv(tmp_path / "koi.csv", [row(1)], "koi8_r")
    assert "кодировке" in _refused(hr_repo, koi)
    only_head = write_csv(tmp_path / "head.csv", [])
    assert "только заголовки" in _refused(hr_repo, only_head)
    no_snils = write_csv(tmp_path / "nosnils.csv", [r[1:] for r in [row(1)]], head=HEAD[1:])
    msg = _refused(hr_repo, no_snils)
    assert "«СНИЛС»" in msg and "Нет обязательных столбцов" in msg
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes(("\n".join(";".join(r) for r in [HEAD, row(1)]) + "\n").encode("utf-16"))
    res = run_import(hr_repo, utf16)
    assert res.imported == 1 and res.errors == []
