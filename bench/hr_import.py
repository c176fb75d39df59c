"""The HR clerk's import and export (issue 13): medians of ``--runs`` runs.

* import of 5,000 staff rows from ``.xlsx`` into a clerk's vault with full validation
  (``desktop.documents.staff_import.run_import``: the rows checked, persons and cards written
  with their outbox and journal entries) — target ≤ 10 s; baseline in the same run: reading the
  same file with openpyxl alone (read-only mode, values only);
* export of the staff of a vault of 20,000 persons / 100,000 cards (``bench/make_large_vault.py``)
  to ``.xlsx``, one row per person — target ≤ 5 s; CSV, and one row per card, alongside.

``cpu_probe_s`` (a fixed pure-Python loop, ~0.3 s on an idle core) and the load average tell how
busy the machine was: on a shared machine the figures grow with them.

    uv run python bench/hr_import.py [--rows 5000] [--runs 3] [--root DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from bench.make_large_vault import PASSPHRASE, build
from desktop.documents.staff_export import export_file
from desktop.documents.staff_import import run_import
from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.repository import RecordRepository, remember_account
from desktop.vault.store import Vault

LAST = ["Иванова", "Петров", "Сидорова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Соколов"]
FIRST = [("Мария", "Петровна"), ("Сергей", "Иванович"), ("Анна", "Олеговна"), ("Павел", "Андреевич")]
POSITIONS = ["врач-терапевт", "врач-хирург", "медицинская сестра", "заведующий отделением — врач-специалист"]


def make_xlsx(path: Path, rows: int) -> None:
    """A 1С-like staff list: ФИО in one cell, Excel dates, numbers, text."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Сотрудники")
    ws.append(["СНИЛС", "ФИО", "Пол", "Дата рождения", "Подразделение", "Должность", "Вид занятости",
               "Количество ставок", "Дата приема"])
    for i in range(rows):
        first, patr = FIRST[i % len(FIRST)]
        ws.append([make_snils(f"{300_000_000 + i * 13:09d}"), f"{LAST[i % len(LAST)]} {first} {patr}",
                   "женский" if patr.endswith("вна") else "мужской", dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                   f"Отделение {i % 30 + 1}", POSITIONS[i % len(POSITIONS)],
                   "Основное место работы" if i % 4 else "Внутреннее совместительство",
                   0.5 if i % 4 == 0 else 1, dt.date(2000 + i % 25, 1 + i % 12, 1)])
    wb.save(path)


def read_only_baseline(path: Path) -> float:
    t = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    assert n > 1
    return time.perf_counter() - t


def import_once(path: Path, work: Path, k: int, rows: int) -> float:
    v, _ = Vault.create(work / f"imp{k}", PASSPHRASE)
    try:
        with v.begin() as conn:
            remember_account(conn, "hr", [{"inn": make_inn10("770212345"), "name": "ГКБ № 1"}])
        repo = RecordRepository(v, user="bench")
        t = time.perf_counter()
        res = run_import(repo, path)
        took = time.perf_counter() - t
        assert res.imported == rows and not res.errors, res.errors[:3]
        return took
    finally:
        v.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--cards", type=int, default=100_000)
    ap.add_argument("--root", type=Path, default=None, help="folder for the vaults (default: a temporary one)")
    args = ap.parse_args()
    os.environ.setdefault("FRMR_FAST_KDF", "1")  # unlocking is not what is measured
    with tempfile.TemporaryDirectory() as tmp:
        work = args.root or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        xlsx = work / "staff.xlsx"
        make_xlsx(xlsx, args.rows)
        baseline = [read_only_baseline(xlsx) for _ in range(args.runs)]
        imports = [import_once(xlsx, work, k, args.rows) for k in range(args.runs)]
        big = build(work / "profiles", args.persons, args.cards)
        out: dict[str, Any] = {}
        with Vault.open(big, PASSPHRASE) as v:
            repo = RecordRepository(v, user="bench")
            for fmt, by_card in (("xlsx", False), ("csv", False), ("xlsx_cards", True)):
                times = []
                for k in range(args.runs):
                    t = time.perf_counter()
                    export_file(repo, fmt.split("_")[0], work / f"export{k}.{fmt}", by_card=by_card)
                    times.append(time.perf_counter() - t)
                out[fmt] = statistics.median(times)
        t = time.perf_counter()
        sum(i * i for i in range(5_000_000))
        probe = time.perf_counter() - t  # the machine's speed now: the figures scale with it
        report = {
            "cpu_probe_s": round(probe, 2), "load_average": round(os.getloadavg()[0], 1),
            "import_rows": args.rows, "import_s": round(statistics.median(imports), 2),
            "baseline_openpyxl_read_s": round(statistics.median(baseline), 2), "import_target_s": 10,
            "export_persons": args.persons, "export_cards": args.cards, "export_xlsx_s": round(out["xlsx"], 2),
            "export_csv_s": round(out["csv"], 2), "export_xlsx_one_row_per_card_s": round(out["xlsx_cards"], 2),
            "export_target_s": 5,
        }
        report["ok"] = report["import_s"] <= 10 and report["export_xlsx_s"] <= 5
        print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
