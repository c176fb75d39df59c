"""Editing through real widgets on a real SQLCipher vault."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.models.checkdigits import make_inn10
from desktop.models.seniority import compute
from desktop.views.record.education_view import EducationView
from desktop.views.record.employment_view import EmploymentView, span_text
from desktop.views.record.nmo_view import NmoView
from desktop.views.record.profile_view import ProfileView
from desktop.views.shell.session import Session
from desktop.views.widgets.record_form import EnumCombo, NsiCombo
from tests.gui.conftest import wait_worker_idle

INN = make_inn10("770299999")


def _set(form_editors: dict, name: str, text: str) -> None:
    w = form_editors[name]
    if isinstance(w, EnumCombo | NsiCombo):
        i = w.findData(text)
        assert i >= 0, (name, text)
        w.setCurrentIndex(i)
    elif isinstance(w, QLineEdit):
        w.clear()
        w.setText(text)
    else:
        raise AssertionError(type(w))


def test_invalid_snils_shows_error_next_to_field_and_saves_nothing(qtbot: QtBot, opened: Session) -> None:
    store = opened.store
    assert store is not None
    before = dict(store.person() or {})
    pending_before = store.pending
    view = opened.window.record.select("Профиль")  # type: ignore[union-attr]
    assert isinstance(view, ProfileView)
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    snils = dialog.form.editors["snils"]
    assert isinstance(snils, QLineEdit)
    snils.clear()
    qtbot.keyClicks(snils, "112-233-445 00")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    error = dialog.form.error_labels["snils"]
    qtbot.waitUntil(lambda: error.isVisible(), timeout=5000)
    assert "СНИЛС" in error.text() and "контрольное число" in error.text()
    assert dialog.isVisible()  # nothing saved: the form stays open with the input
    assert snils.text() == "112-233-445 00"
    # Other fields carry no error.
    assert not dialog.form.error_labels["last_name"].isVisible()
    # The vault is unchanged: same row, no outbox entry.
    repo = store.repo
    job = opened.worker.submit(lambda: (repo.get("person", before["id"]), repo.pending_count()))
    with qtbot.waitSignal(job.done, timeout=5000) as got:
        pass
    row, pending = got.args[0]
    assert row["snils"] == before["snils"]
    assert pending == pending_before
    dialog.reject()


def test_adding_employment_updates_seniority(qtbot: QtBot, opened: Session) -> None:
    store = opened.store
    assert store is not None
    view = opened.window.record.select("Трудовая деятельность")  # type: ignore[union-attr]
    assert isinstance(view, EmploymentView)
    before = view.total_label.text()
    assert before == "Медицинский стаж: " + span_text(compute(store.rows("employment")).total)
    rows_before = view.model.rowCount()
    view.table.add_button.click()
    dialog = view.table.dialog
    e = dialog.form.editors
    # A closed labor-contract period in 2005–2006: adds a year of стаж that overlaps nothing.
    _set(e, "org_name", "ГБУЗ «Областная больница»")
    _set(e, "org_inn", INN)
    _set(e, "position_code", "4")
    _set(e, "position_type", "main")
    _set(e, "contract_kind", "labor")
    _set(e, "rate", "1")
    _set(e, "begin_date", "01.01.2005")
    _set(e, "end_date", "31.12.2005")
    _set(e, "profile", "терапия")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == rows_before + 1, timeout=5000)
    after = view.total_label.text()
    assert after != before
    expected = compute(store.rows("employment")).total
    assert after == "Медицинский стаж: " + span_text(expected)
    assert opened.window.statusbar_widgets["pending"].text().startswith(f"{store.pending} ")  # «1 изменение …»
    assert store.pending >= 1


def test_invalid_inn_on_employment_keeps_dialog_open(qtbot: QtBot, opened: Session) -> None:
    view = opened.window.record.select("Трудовая деятельность")  # type: ignore[union-attr]
    assert isinstance(view, EmploymentView)
    rows_before = view.model.rowCount()
    view.table.add_button.click()
    dialog = view.table.dialog
    _set(dialog.form.editors, "org_inn", "1234567890")
    _set(dialog.form.editors, "rate", "0,3")
    _set(dialog.form.editors, "begin_date", "31.02.2020")
    dialog.save_button.click()
    labels = dialog.form.error_labels
    qtbot.waitUntil(lambda: labels["org_inn"].isVisible(), timeout=5000)
    # Each problem next to its own field, including the required ones left empty.
    for name in ("org_inn", "rate", "begin_date", "org_name", "position_code"):
        assert labels[name].isVisible(), name
    assert "такой даты не существует" in labels["begin_date"].text()
    assert view.model.rowCount() == rows_before
    dialog.reject()


def test_overlap_warning_shown_after_save(qtbot: QtBot, opened: Session) -> None:
    view = opened.window.record.select("Трудовая деятельность")  # type: ignore[union-attr]
    assert isinstance(view, EmploymentView)
    view.table.add_button.click()
    dialog = view.table.dialog
    e = dialog.form.editors
    for name, value in (("org_name", "ООО «Клиника»"), ("org_inn", INN), ("position_code", "4"),
                        ("position_type", "external_part_time"), ("contract_kind", "labor"), ("rate", "0,5"),
                        ("begin_date", "01.02.2015"), ("end_date", "01.03.2015")):
        _set(e, name, value)
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    banner = view.table.banner
    assert banner.isVisible() and "пересекается" in banner.text()
    # The table explains the overlap in its own column.
    model = view.model
    col = model.columnCount() - 1
    texts = {model.index(r, col).data() for r in range(model.rowCount())}
    assert "пересечение (совместительство)" in texts


def test_edit_and_delete_education(qtbot: QtBot, opened: Session) -> None:
    store = opened.store
    assert store is not None
    record = opened.window.record
    assert record is not None
    view = record.select("Образование")
    assert isinstance(view, EducationView)
    table = view.table
    table.table.setFocus()
    table.table.setCurrentIndex(table.proxy.index(0, 0))
    row = table.current_row()
    assert row is not None
    table.edit_current()
    dialog = table.dialog
    inst = dialog.form.editors["institution"]
    assert isinstance(inst, QLineEdit)
    inst.setText("Новый институт")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    assert any(r["institution"] == "Новый институт" for r in store.rows("education"))
    n = table.model.rowCount()
    table.select_id(row["id"])
    table.delete_current()
    box = table.confirm_box
    yes = next(b for b in box.buttons() if b.text() == "Удалить")
    yes.click()
    qtbot.waitUntil(lambda: table.model.rowCount() == n - 1, timeout=5000)
    assert all(r["id"] != row["id"] for r in store.rows("education"))
    wait_worker_idle(qtbot, opened)


def test_enum_combo_round_trip(opened: Session) -> None:
    record = opened.window.record
    assert record is not None
    view = record.select("НМО")
    assert isinstance(view, NmoView)
    table = view.table
    table.table.setCurrentIndex(table.proxy.index(0, 0))
    table.edit_current()
    dialog = table.dialog
    kind = dialog.form.editors["kind"]
    assert isinstance(kind, QComboBox)
    current = table.current_row()
    assert current is not None
    assert dialog.form.values()["kind"] == current["kind"]
    dialog.reject()


def test_row_stays_selected_when_the_table_is_re_read(qtbot: QtBot, opened: Session) -> None:
    """A save elsewhere (or a sync) re-reads the table; the person stays on the row they chose."""
    store = opened.store
    assert store is not None and opened.window.record is not None
    view = opened.window.record.select("НМО")
    assert isinstance(view, NmoView)
    table = view.table
    assert table.model.rowCount() > 5
    chosen = table.model.row_at(4)
    assert chosen is not None
    table.select_id(chosen["id"])
    # a row the doctor may still change (confirmed credits are the registry's)
    other = next((r for r in store.rows("nmo") if r["status"] == "pending" and r["id"] != chosen["id"]), None)
    assert other is not None
    # The edited row changes in place (dataChanged); the table is not reset.
    with qtbot.waitSignal(table.model.dataChanged, timeout=5000):
        store.save("nmo", other["id"], {"title": "Изменено на другом компьютере"})
    current = table.current_row()
    assert current is not None and current["id"] == chosen["id"]
    wait_worker_idle(qtbot, opened)
