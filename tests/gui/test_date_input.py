"""Date fields (issue 16 item 8): the ``__.__.____`` mask, a calendar on F4, and the form still
sending only what was typed (an untouched mask is no date at all)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from desktop.models.nsi import shipped
from desktop.models.schema import entity
from desktop.views.widgets.date_input import DateInput
from desktop.views.widgets.record_form import RecordForm


def _form(qtbot: QtBot) -> RecordForm:
    form = RecordForm(entity("employment"), shipped())
    qtbot.addWidget(form)
    form.show()
    return form


def test_date_fields_are_masked_inputs(qtbot: QtBot) -> None:
    form = _form(qtbot)
    begin = form.editors["begin_date"]
    assert isinstance(begin, DateInput)
    assert begin.displayText() == "__.__.____"
    assert begin.value() == ""
    assert form.values()["begin_date"] is None  # an untouched mask is not «..»
    assert form.values()["end_date"] is None


def test_digits_fill_the_mask(qtbot: QtBot) -> None:
    form = _form(qtbot)
    begin = form.editors["begin_date"]
    assert isinstance(begin, DateInput)
    begin.setFocus()
    begin.setCursorPosition(0)
    qtbot.keyClicks(begin, "01092013")
    assert begin.text() == "01.09.2013"
    assert form.values()["begin_date"] == "01.09.2013"
    qtbot.keyClicks(begin, "x")  # letters never get in
    assert begin.text() == "01.09.2013"


def test_half_typed_date_reaches_the_core_to_be_named_wrong(qtbot: QtBot) -> None:
    form = _form(qtbot)
    begin = form.editors["begin_date"]
    assert isinstance(begin, DateInput)
    begin.setCursorPosition(0)
    qtbot.keyClicks(begin, "0109")
    assert form.values()["begin_date"] not in (None, "")


def test_f4_opens_the_calendar_and_a_pick_fills_the_field(qtbot: QtBot) -> None:
    form = _form(qtbot)
    begin = form.editors["begin_date"]
    assert isinstance(begin, DateInput)
    begin.setText("17.03.1984")
    begin.setFocus()
    qtbot.keyClick(begin, Qt.Key.Key_F4)
    popup = begin.popup
    assert popup is not None and popup.isVisible()
    assert popup.calendar.selectedDate() == QDate(1984, 3, 17)  # opens on the date in the field
    popup.calendar.activated.emit(QDate(2013, 9, 2))
    assert not popup.isVisible()
    assert begin.text() == "02.09.2013" and form.values()["begin_date"] == "02.09.2013"


def test_alt_down_and_the_button_open_it_too(qtbot: QtBot) -> None:
    form = _form(qtbot)
    begin = form.editors["begin_date"]
    assert isinstance(begin, DateInput)
    qtbot.keyClick(begin, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert begin.popup is not None and begin.popup.isVisible()
    assert begin.popup.calendar.selectedDate() == QDate.currentDate()  # empty field: today
    begin.popup.close()
    begin.calendar_action.trigger()
    assert begin.popup.isVisible()
    begin.popup.close()


def test_read_only_date_opens_no_calendar(qtbot: QtBot) -> None:
    field = DateInput()
    qtbot.addWidget(field)
    field.setReadOnly(True)
    field.show_calendar()
    assert field.popup is None


def test_stored_date_is_shown_in_the_mask(qtbot: QtBot) -> None:
    form = _form(qtbot)
    form.set_values({"begin_date": "2013-09-01", "end_date": None})
    begin, end = form.editors["begin_date"], form.editors["end_date"]
    assert isinstance(begin, DateInput) and isinstance(end, DateInput)
    assert begin.text() == "01.09.2013" and end.value() == ""
