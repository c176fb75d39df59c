"""The HR clerk's workspace driven through its real widgets on a real vault: «Сотрудники»
(search as you type, sort, filters, footer, remembered columns), the person card, a card typed
by keyboard (Ins, typing, Tab, Enter, Esc), «Увольнение», adding a person from the СНИЛС, and
the manager's read-only view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.demo import ORG_GKB
from desktop.models.checkdigits import make_snils
from desktop.views.hr.card_dialog import CardDialog, CloseDialog
from desktop.views.hr.deadlines_view import DeadlinesView
from desktop.views.hr.person_card import PersonCard
from desktop.views.hr.staff_view import AddPersonDialog, StaffView
from desktop.views.shell.session import Session
from tests.gui.conftest import unlock, wait_worker_idle
from tests.gui.hr_vault import PASS, make_hr_vault


def open_hr(qtbot: QtBot, session: Session, profiles: Path, role: str = "hr") -> StaffView:
    folder = make_hr_vault(profiles, 300, role=role)
    session.start(folder)
    unlock(qtbot, session, PASS)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    assert page.ids[0] == "staff" and "deadlines" in page.ids
    assert ("confirmations" in page.ids) == (role == "hr")  # the decision is the clerk's
    view = session.views["staff"]
    assert isinstance(view, StaffView)
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 300, timeout=10_000)
    return view


def names(view: StaffView, qtbot: QtBot) -> list[str]:
    """ФИО of the first 200 rows (the rows past the first screenful arrive on demand)."""
    m = view.model
    n = min(m.rowCount(), 200)
    qtbot.waitUntil(lambda: not m._busy and all(m.row_at(r) is not None for r in range(n)), timeout=5_000)
    return [str(m.data(m.index(r, 0))) for r in range(n)]


def test_staff_list_search_sort_filter_footer(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    m = view.model
    shown = names(view, qtbot)
    assert all(shown) and shown == sorted(shown, key=lambda s: s.split()[0])
    assert "300" in view.footer.text()
    # search as you type (debounced): part of a surname
    surname = shown[150].split()[0]
    view.search.setFocus()
    view.search.insert(surname[:5].lower())  # Cyrillic: QTest types ASCII keys only
    qtbot.waitUntil(lambda: 0 < m.rowCount() < 300, timeout=5_000)
    assert all(surname[:5].casefold() in n.casefold() for n in names(view, qtbot))
    assert f"Показано: {m.rowCount()}" in view.footer.text()
    view.search.clear()
    qtbot.waitUntil(lambda: m.rowCount() == 300, timeout=5_000)
    # a header click sorts (descending on the second click)
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: m.query.descending and not m._busy and m.row_at(0) is not None
                    and m.row_at(199) is not None, timeout=5_000)
    back = [n.split()[0] for n in names(view, qtbot)]
    assert back == sorted(back, reverse=True) and back[0] >= shown[-1].split()[0]
    # filters
    view.f_state.setCurrentIndex(view.f_state.findData("dismissed"))
    qtbot.waitUntil(lambda: 0 < m.rowCount() < 300, timeout=5_000)
    col = m.columns.index("state")
    assert {m.data(m.index(r, col)) for r in range(m.rowCount())} == {"уволен"}
    view.f_state.setCurrentIndex(0)
    qtbot.waitUntil(lambda: m.rowCount() == 300, timeout=5_000)


def test_columns_are_remembered(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    col = view.model.columns.index("statuses")
    view.set_column_shown("statuses", False)
    assert view.table.isColumnHidden(col)
    assert view.settings["hr_staff_hidden_columns"] == ["statuses"]
    view.set_column_shown("fio", False)
    assert not view.table.isColumnHidden(0)  # the name column stays


def test_person_card_and_a_card_typed_by_keyboard(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    view.table.setFocus()
    view.table.selectRow(0)
    card = view.open_current()
    assert isinstance(card, PersonCard)
    qtbot.waitUntil(lambda: card.data is not None, timeout=5_000)
    assert card.data is not None
    before = len(card.data.cards)
    assert card.cards.rowCount() == before and "СНИЛС" in card.header.text()
    assert card.history.rowCount() >= 1  # the journal knows the rows came with a sync
    card.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: card.org is not None, timeout=5_000)
    card.activateWindow()
    qtbot.waitUntil(card.isActiveWindow, timeout=2000)
    card.cards.setFocus()
    qtbot.keyClick(card.cards, Qt.Key.Key_Insert)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CardDialog) and w.isVisible())
    # Esc leaves without saving
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.keyClick(card.cards, Qt.Key.Key_Insert)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CardDialog) and w.isVisible())
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)  # else Enter goes to the cards' shortcut
    position = dialog.editors["position_code"]
    line = position.lineEdit()  # type: ignore[attr-defined]
    assert isinstance(line, QLineEdit)
    line.insert("врач-кардиолог")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    sub = dialog.editors["subdivision"]
    assert isinstance(sub, QLineEdit)
    sub.insert("Кардиологическое отделение")
    begin = dialog.editors["begin_date"]
    assert isinstance(begin, QLineEdit)
    begin.setFocus()
    qtbot.keyClicks(begin, "31.02.2024")  # no such day: shown beside the field as typed
    qtbot.waitUntil(lambda: dialog.errors["begin_date"].isVisible(), timeout=2_000)
    begin.clear()
    qtbot.keyClicks(begin, "01.03.2024")
    qtbot.waitUntil(lambda: not dialog.errors["begin_date"].isVisible(), timeout=2_000)
    qtbot.keyClick(begin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible() or (dialog.save_button.isEnabled()
                                                       and bool(dialog.status.text())), timeout=5_000)
    assert not dialog.isVisible(), dialog.status.text()
    qtbot.waitUntil(lambda: card.data is not None and len(card.data.cards) == before + 1, timeout=5_000)
    assert card.data is not None
    new = next(c for c in card.data.cards if c["begin_date"] == "2024-03-01")
    assert new["position_code"] == "10" and new["org_inn"] == ORG_GKB["org_inn"] and new["rate"] == "1"
    # «Увольнение»: end date and a reason from the list
    row = next(r for r in range(card.cards.rowCount())
               if (item := card.cards.item(r, 0)) is not None and item.data(Qt.ItemDataRole.UserRole) == new["id"])
    card.cards.selectRow(row)
    closing = card.close_card()
    assert isinstance(closing, CloseDialog)
    closing.end_date.setText("31.05.2024")
    closing.reason.setCurrentIndex(0)
    closing.accept()
    qtbot.waitUntil(lambda: card.data is not None and any(
        c["id"] == new["id"] and c["end_date"] == "2024-05-31" for c in card.data.cards), timeout=5_000)
    wait_worker_idle(qtbot, session)
    card.close()


def test_add_person_starts_from_the_snils(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    m = view.model
    dialog = view.add_person()
    assert isinstance(dialog, AddPersonDialog)
    qtbot.keyClicks(dialog.snils, "123-456-789 00")
    assert "ошибкой" in dialog.snils_hint.text() and not dialog.next_button.isEnabled()
    # a СНИЛС already in the vault opens that person
    existing = m.row_at(0)
    assert existing is not None
    dialog.snils.setText(existing.snils)
    assert dialog.next_button.isEnabled()
    with qtbot.waitSignal(dialog.person_ready, timeout=5_000) as got:
        dialog.next_button.click()
    assert got.args == [existing.id, False]
    # a new one is created, then its card opens
    dialog = view.add_person()
    assert dialog is not None
    dialog.snils.setText(make_snils("987654321"))
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.stage == "person", timeout=5_000)
    form = dialog.form
    for name, value in (("last_name", "Аааева"), ("first_name", "Алла"), ("birth_date", "01.02.1990")):
        editor = form.editors[name]
        assert isinstance(editor, QLineEdit)
        editor.setText(value)
    form.editors["gender"].setCurrentIndex(2)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.person_ready, timeout=5_000) as made:
        dialog.next_button.click()
    assert made.args[1] is True
    qtbot.waitUntil(lambda: m.rowCount() == 301, timeout=5_000)
    assert names(view, qtbot)[0].startswith("Аааева")


def test_manager_sees_the_staff_read_only(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles, role="manager")
    assert view.read_only and not view.add_button.isVisible() and view.add_person() is None
    view.table.selectRow(0)
    card = view.open_current()
    assert card is not None
    qtbot.waitUntil(lambda: card.data is not None, timeout=5_000)
    assert not card.form.isEnabled() and not card.save_person_button.isVisible()
    assert card.add_card() is None and card.edit_card() is None
    card.close()


@pytest.mark.parametrize("role", ["hr"])
def test_deadlines_lists_expiries(qtbot: QtBot, session: Session, profiles: Path, role: str) -> None:
    open_hr(qtbot, session, profiles, role)
    page = session.window.record
    assert page is not None
    page.select("deadlines")
    view = session.views["deadlines"]
    assert isinstance(view, DeadlinesView)
    qtbot.waitUntil(lambda: view.table.rowCount() > 0, timeout=5_000)
    dates = [view.table.item(r, 4).text() for r in range(view.table.rowCount())]  # type: ignore[union-attr]
    assert all(len(d) == 10 and d[2] == "." for d in dates)  # дд.мм.гггг, soonest first
    # НМО for the periodic accreditation: nobody in this vault has credits yet …
    nmo = [view.table.item(r, 5).text() for r in range(view.table.rowCount())]  # type: ignore[union-attr]
    assert "не хватает 144 ЗЕТ" in nmo
    # … one of them gets a cycle's worth, confirmed (as a sync would bring them)
    current = next(r for r in view.rows if r["entity"] == "accreditation" and str(r["until"]) >= dt.date.today()
                   .isoformat())
    store = session.store
    assert store is not None
    repo = store.repo
    with repo.vault.read() as conn:
        protocol = conn.exec_driver_sql("SELECT max(protocol_date) FROM rec_accreditation WHERE person_id = ?",
                                        (current["person_id"],)).scalar_one()
    day = dt.date.fromisoformat(protocol) + dt.timedelta(days=10)
    rows = [{"id": f"00000000-0000-4000-8000-00000000000{i}", "person_id": current["person_id"],
             "event_date": day.isoformat(), "kind": kind, "title": "Цикл", "credits": credits, "status": "confirmed"}
            for i, (kind, credits) in enumerate((("program", "74"), ("iom", "36"), ("event", "36")))]
    store.worker.submit(lambda: repo.load_synced({"nmo": rows}))
    wait_worker_idle(qtbot, session)
    view.reload()
    qtbot.waitUntil(lambda: any(r.get("person_id") == current["person_id"] and r.get("nmo_missing") == 0
                                for r in view.rows), timeout=5_000)
    assert "достаточно" in [view.table.item(r, 5).text()  # type: ignore[union-attr]
                            for r in range(view.table.rowCount())]
    out = profiles / "сроки.xlsx"
    assert view.export(str(out)) is not None
    qtbot.waitUntil(out.exists, timeout=10_000)
    from openpyxl import load_workbook

    got = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert got[0][0] == "ФИО" and len(got) == view.table.rowCount() + 1
    assert isinstance(got[1][4], dt.datetime)  # a typed date cell, not text


def test_the_hr_workspace_fits_960_by_600(qtbot: QtBot, session: Session, profiles: Path) -> None:
    open_hr(qtbot, session, profiles)
    page = session.window.record
    assert page is not None
    for section_id in ("staff", "deadlines"):
        page.select(section_id)
        QApplication.processEvents()
        hint = session.window.minimumSizeHint()
        assert hint.width() <= 960 and hint.height() <= 600, (section_id, hint)


def test_requests_to_one_and_to_many(qtbot: QtBot, session: Session, profiles: Path) -> None:
    from desktop.views.hr.request_dialog import RequestDialog

    view = open_hr(qtbot, session, profiles)
    store = session.store
    assert store is not None
    assert view.request_selected() is None and "Выберите" in view.footer.text()
    view.table.selectRow(0)
    card = view.open_current()
    assert card is not None
    qtbot.waitUntil(lambda: card.data is not None, timeout=5_000)
    dialog = card.send_request()
    assert isinstance(dialog, RequestDialog)
    dialog.kind.setEditText("")
    dialog.send()
    qtbot.waitUntil(lambda: "Тип запроса" in dialog.status.text(), timeout=5_000)  # refused, nothing queued
    dialog.kind.setCurrentIndex(1)
    dialog.text.setPlainText("Просим загрузить копию диплома.")
    with qtbot.waitSignal(dialog.sent, timeout=5_000):
        dialog.send()
    qtbot.waitUntil(lambda: card.requests.rowCount() == 1, timeout=5_000)
    assert card.requests.item(0, 0).text() == "Запрос копии диплома"  # type: ignore[union-attr]
    card.close()
    # three people at once: one transaction
    view.table.clearSelection()
    view.table.setSelectionMode(view.table.selectionMode())
    for r in (1, 2, 3):
        view.table.selectionModel().select(
            view.model.index(r, 0), view.table.selectionModel().SelectionFlag.Select
            | view.table.selectionModel().SelectionFlag.Rows)
    assert len(view.selected_persons()) == 3
    many = view.request_selected()
    assert many is not None
    with qtbot.waitSignal(many.sent, timeout=5_000) as got:
        many.send()
    assert len(got.args[0]) == 3
    assert "в очередь: 3" in view.footer.text()


def test_organization_switcher(qtbot: QtBot, session: Session, profiles: Path) -> None:
    from tests.gui.hr_vault import GKB, POLY, make_hr_vault

    folder = make_hr_vault(profiles, 300, orgs=[GKB, POLY])
    session.start(folder)
    unlock(qtbot, session, PASS)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    view = session.views["staff"]
    assert isinstance(view, StaffView)
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 300, timeout=10_000)
    assert not view.org_combo.isHidden() and view.org_combo.count() == 2
    view.org_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.model.query.org_inn == POLY["inn"] and not view.model._busy
                    and 0 < view.model.rowCount() < 300, timeout=10_000)
    m = view.model
    qtbot.waitUntil(lambda: all(m.row_at(r) is not None for r in range(m.rowCount())), timeout=5_000)
    rows = [m.row_at(r) for r in range(m.rowCount())]
    # only their cards in поликлиника № 12 count here: one part-time card each, a quarter rate
    assert all(r is not None and r.cards == 1 and str(r.rate) == "0.25" for r in rows)
    qtbot.waitUntil(lambda: f"из {m.rowCount()} сотрудник" in view.footer.text(), timeout=5_000)
    # a card added here is this organization's (a clerk of two must name it: the switcher does)
    view.table.selectRow(0)
    card = view.open_current()
    assert card is not None
    qtbot.waitUntil(lambda: card.data is not None and card.org is not None, timeout=5_000)
    dialog = card._card_dialog(None, {"position_code": "29", "begin_date": "01.02.2025", "rate": "0.5",
                                      "position_type": "external_part_time"})
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible() or (not dialog.busy and bool(dialog.status.text())), timeout=5_000)
    assert not dialog.isVisible(), dialog.status.text()
    qtbot.waitUntil(lambda: card.data is not None and len(card.data.cards) == 2, timeout=5_000)
    assert card.data is not None and {c["org_inn"] for c in card.data.cards} == {POLY["inn"]}
    card.close()


def test_card_entry_checks_as_typed_and_shows_overlaps(qtbot: QtBot) -> None:
    from desktop.models.nsi import shipped

    saved: list[dict[str, object]] = []
    other = {"id": "c1", "org_name": "ГКБ № 1", "position_code": "4", "position_type": "main", "rate": "1",
             "begin_date": "2020-01-01", "end_date": None, "contract_kind": "labor"}
    dialog = CardDialog(shipped(), "hr", lambda values, done, failed: saved.append(values), siblings=[other])
    qtbot.addWidget(dialog)
    rate = dialog.editors["rate"]
    from PySide6.QtWidgets import QDoubleSpinBox

    assert isinstance(rate, QDoubleSpinBox) and rate.singleStep() == 0.25 and rate.minimum() == 0.25
    rate.setValue(7)
    assert rate.value() == 2.0  # no more than two rates in one card
    begin = dialog.editors["begin_date"]
    end = dialog.editors["end_date"]
    assert isinstance(begin, QLineEdit) and isinstance(end, QLineEdit)
    dialog.editors["position_code"].set_value("4")  # type: ignore[attr-defined]
    begin.setText("01.03.2024")
    end.setText("01.01.2024")  # before the beginning
    errors = dialog.check()
    assert "end_date" in errors and dialog.errors["end_date"].isVisibleTo(dialog)
    end.setText("")
    dialog.check()
    assert not dialog.errors["end_date"].isVisibleTo(dialog)
    assert "пересекается" in dialog.overlaps.text()  # a second main job over the current one


def test_transfer_and_copy_from_the_previous_card(qtbot: QtBot, session: Session, profiles: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    m = view.model
    qtbot.waitUntil(lambda: m.row_at(0) is not None, timeout=5_000)
    active = next(r for r in (m.row_at(k) for k in range(60)) if r is not None and r.state == "active")
    card = view.open_person(active.id)
    qtbot.waitUntil(lambda: card.data is not None and card.org is not None, timeout=5_000)
    assert card.data is not None
    current = next(c for c in card.data.cards if not c.get("end_date"))
    before = len(card.data.cards)
    row = next(r for r in range(card.cards.rowCount())
               if (i := card.cards.item(r, 0)) is not None and i.data(Qt.ItemDataRole.UserRole) == current["id"])
    card.cards.selectRow(row)
    # «Перевод»: the card closed and the next one opened in one step
    moving = card.transfer()
    assert isinstance(moving, CloseDialog) and moving.position is not None
    moving.end_date.setText("31.01.2026")
    moving.position.set_value("3")
    moving.accept()
    qtbot.waitUntil(lambda: card.data is not None and len(card.data.cards) == before + 1, timeout=5_000)
    assert card.data is not None
    closed = next(c for c in card.data.cards if c["id"] == current["id"])
    new = next(c for c in card.data.cards if c["begin_date"] == "2026-02-01")
    assert closed["end_date"] == "2026-01-31" and closed["end_reason"] == "Перевод на другую должность"
    assert new["position_code"] == "3" and new["subdivision"] == current["subdivision"] and not new["end_date"]
    # «Скопировать из предыдущей карточки»: the terms of the latest card, never its dates or numbers
    card.copy_previous()
    qtbot.waitUntil(lambda: any(isinstance(w, CardDialog) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=5_000)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CardDialog) and w.isVisible())
    values = dialog.values()
    assert values["position_code"] == "3" and values["subdivision"] == current["subdivision"]
    assert values["begin_date"] is None and values["contract_number"] is None
    dialog.reject()
    card.close()
