"""The import wizard driven through its widgets on a real vault: a CSV as a clerk saves it from
Excel (Windows-1251, «;»), the mapping found by the headers, a preview with an error per row and
field, the import with its progress, the refused rows saved back as .xlsx, a rerun importing
nothing twice; and the export of the list."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from desktop.models.checkdigits import format_snils, make_snils
from desktop.views.hr.import_wizard import ImportWizard
from desktop.views.shell.session import Session
from tests.gui.test_hr_workspace import open_hr

HEADER = "СНИЛС;ФИО;Пол;Дата рождения;Подразделение;Должность;Дата приема;Ставка"


def csv_file(folder: Path) -> Path:
    lines = [HEADER,
             f"{format_snils(make_snils('401000001'))};Яблокова Ирина Петровна;ж;12.04.1985;Хирургическое "
             "отделение;медицинская сестра;01.02.2020;1",
             f"{format_snils(make_snils('401000002'))};Янов Пётр Ильич;м;01.01.1979;Приёмное отделение;"
             "врач-хирург;15.03.2019;0,5",
             "123-456-789 00;Ошибкин Олег Олегович;м;01.01.1980;Аптека;провизор;01.01.2020;1",
             f"{format_snils(make_snils('401000004'))};Юрьева Юлия Юрьевна;ж;01.01.1990;Аптека;;01.01.2020;1"]
    path = folder / "сотрудники.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1251"))
    return path


def test_import_preview_then_import(qtbot: QtBot, session: Session, profiles: Path, tmp_path: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    wizard = view.open_import()
    assert isinstance(wizard, ImportWizard)
    # no file, then a missing one: a Russian message, no step further
    wizard.next_button.click()
    assert "Выберите файл" in wizard.status.text() and wizard.steps.currentIndex() == 0
    wizard.file_edit.setText(str(tmp_path / "нет.xlsx"))
    wizard.next_button.click()
    assert "не найден" in wizard.status.text()
    # not a spreadsheet
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"\x00\x01 not a zip")
    wizard.file_edit.setText(str(junk))
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.next_button.isEnabled() and bool(wizard.status.text())
                    and "Чтение" not in wizard.status.text(), timeout=10_000)
    assert wizard.steps.currentIndex() == 0 and wizard.status.text()
    # the real file: the mapping is found by the headers
    wizard.file_edit.setText(str(csv_file(tmp_path)))
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 1, timeout=10_000)
    combo = wizard.mapping_combos["begin_date"]
    assert isinstance(combo, QComboBox) and combo.currentText() == "Дата приема"
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 2, timeout=20_000)
    summary = wizard.preview_summary.text()
    assert "Строк в файле: 4" in summary and "будут импортированы: 2" in summary and "с ошибками: 2" in summary
    rows = {wizard.errors.item(r, 0).text() for r in range(wizard.errors.rowCount())}  # type: ignore[union-attr]
    assert rows == {"4", "5"}
    messages = " ".join(wizard.errors.item(r, 2).text() for r in range(wizard.errors.rowCount()))  # type: ignore[union-attr]
    assert "СНИЛС" in messages and "Должность" in messages
    assert view.model.rowCount() == 300  # the preview wrote nothing
    bad = tmp_path / "ошибки.xlsx"
    op = wizard.save_errors(str(bad))
    assert op is not None
    qtbot.waitUntil(lambda: bad.exists(), timeout=10_000)
    # import
    with qtbot.waitSignal(wizard.imported, timeout=30_000) as got:
        wizard.next_button.click()
    assert got.args == [2]
    assert wizard.progress.value() == wizard.progress.maximum()
    qtbot.waitUntil(lambda: view.model.rowCount() == 302, timeout=10_000)
    wizard.accept()
    # a rerun imports nothing twice
    again = view.open_import()
    assert again is not None
    again.file_edit.setText(str(csv_file(tmp_path)))
    again.next_button.click()
    qtbot.waitUntil(lambda: again.steps.currentIndex() == 1, timeout=10_000)
    again.next_button.click()
    qtbot.waitUntil(lambda: again.steps.currentIndex() == 2, timeout=20_000)
    assert "будут импортированы: 0" in again.preview_summary.text()
    assert "уже есть в хранилище: 2" in again.preview_summary.text()
    again.reject()


def test_export_the_list(qtbot: QtBot, session: Session, profiles: Path, tmp_path: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    out = tmp_path / "сотрудники.xlsx"
    op = view.export("xlsx", str(out))
    assert op is not None
    qtbot.waitUntil(lambda: "Сохранено" in view.footer.text(), timeout=20_000)
    from openpyxl import load_workbook

    ws = load_workbook(out, read_only=True).worksheets[0]
    assert sum(1 for _ in ws.iter_rows()) >= 301  # the header and the 300 persons
    csv = tmp_path / "сотрудники.csv"
    view.export("csv", str(csv))
    qtbot.waitUntil(lambda: csv.exists() and "Сохранено" in view.footer.text(), timeout=20_000)
    assert "СНИЛС" in csv.read_bytes().decode("utf-8-sig").splitlines()[0]


def test_print_the_list(qtbot: QtBot, session: Session, profiles: Path, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    view = open_hr(qtbot, session, profiles)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "список.pdf"
    printer.setOutputFileName(str(out))
    view.set_column_shown("statuses", False)
    view.print_list(printer)
    qtbot.waitUntil(lambda: "отправлен на печать" in view.footer.text(), timeout=20_000)
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 10_000
    from desktop.views.hr import card_tasks

    store = session.store
    assert store is not None
    html = card_tasks.list_html(store.repo, list(view.model.row_ids), view.model.query.org_inn,
                                ["fio", "snils"], "Сотрудники")
    first = view.model.row_at(0)
    assert first is not None and first.fio in html and "Статусы карточек" not in html
    assert html.count("<tr>") == 301  # the header and the 300 persons


def test_import_cancelled_halfway_keeps_whole_rows(qtbot: QtBot, session: Session, profiles: Path,
                                                   tmp_path: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    lines = [HEADER] + [
        f"{format_snils(make_snils(f'{402000000 + i:09d}'))};Новикова Анна Ивановна;ж;01.01.1990;Аптека;"
        "фармацевт;01.02.2020;1" for i in range(900)]
    path = tmp_path / "много.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    wizard = view.open_import()
    assert wizard is not None
    wizard.file_edit.setText(str(path))
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 1, timeout=10_000)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 2, timeout=60_000)
    assert "будут импортированы: 900" in wizard.preview_summary.text()
    wizard.next_button.click()  # import …
    qtbot.waitUntil(lambda: wizard.progress.value() > 0, timeout=30_000)
    wizard.cancel()  # … and «Отмена» halfway
    qtbot.waitUntil(lambda: wizard.result is not None and not wizard.result.dry_run, timeout=60_000)
    result = wizard.result
    assert result.cancelled and 0 < result.imported < 900
    assert "остановлен" in wizard.status.text()
    # every row imported is whole: a person with their card, nothing half-written
    qtbot.waitUntil(lambda: view.model.rowCount() == 300 + result.imported, timeout=10_000)
    store = session.store
    assert store is not None
    repo = store.repo
    with repo.vault.read() as conn:
        persons = conn.exec_driver_sql("SELECT count(*) FROM rec_person WHERE last_name = 'Новикова' AND "
                                       "first_name = 'Анна' AND patronymic = 'Ивановна' AND birth_date = "
                                       "'1990-01-01'").scalar_one()
        cards = conn.exec_driver_sql("SELECT count(*) FROM rec_employment AS e JOIN rec_person AS p ON "
                                     "p.id = e.person_id WHERE p.birth_date = '1990-01-01' AND "
                                     "p.last_name = 'Новикова' AND e.position_code = '27'").scalar_one()
    assert persons == cards == result.imported
