"""The doctor's workflow screens (issue 14) on real widgets over a real vault (the demo record):
«Запросы» answered offline, «Заявление на аккредитацию» created, checked and submitted,
«Подтвердить документом» with its checks at once, «Образовательные программы» from the kept
catalogue, and the notices in «Уведомления». Every step goes through the DB worker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.models.workflows import catalogue
from desktop.views.runtime.ops import Op
from desktop.views.shell.session import Session
from desktop.views.workflows.application_view import ApplicationView
from desktop.views.workflows.confirm_dialog import ConfirmDialog
from desktop.views.workflows.notices_panel import NoticesPanel
from desktop.views.workflows.programmes_view import ProgrammesView
from desktop.views.workflows.requests_view import RequestsView
from tests.gui.conftest import wait_worker_idle

PDF = b"%PDF-1.4\n% a contract\n%%EOF\n"


def _page(s: Session) -> Any:
    page = s.window.record
    assert page is not None
    return page


def test_requests_filtered_sorted_and_answered_offline(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    page = _page(opened)
    view = page.select("requests")
    assert isinstance(view, RequestsView)
    nav = page.nav.item(page.ids.index("requests"))
    assert nav.text() == "Запросы (1)"  # the badge: one request waits for a first answer
    m = view.model
    assert m.total() == 2 and m.pages() == 1
    view.status_filter.setCurrentIndex(view.status_filter.findData("new"))
    assert m.total() == 1 and m.row(0)["kind"] == "Запрос копии диплома"  # type: ignore[index]
    view.status_filter.setCurrentIndex(0)
    view.table.sortByColumn(1, view.table.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    assert [m.row(i)["kind"] for i in range(2)] == ["Запрос копии диплома",  # type: ignore[index]
                                                   "Подтверждение трудоустройства"]
    view.select_id(str(m.row(0)["id"]))  # type: ignore[index]
    assert "Просим загрузить копию диплома" in view.detail.toPlainText()
    assert view.ack_button.isEnabled()
    view.ack_button.click()
    qtbot.waitUntil(lambda: "отправится при синхронизации" in view.banner.text(), timeout=10_000)
    qtbot.waitUntil(lambda: m.data(m.index(0, 5)) == "ждёт отправки: 1", timeout=10_000)
    assert m.data(m.index(0, 3)) == "принят" and not view.ack_button.isEnabled()
    assert nav.text() == "Запросы"
    view.comment_edit.setText("Загружу до пятницы")
    view.comment_button.click()
    qtbot.waitUntil(lambda: m.data(m.index(0, 5)) == "ждёт отправки: 2", timeout=10_000)
    assert "Загружу до пятницы" in view.detail.toPlainText()
    fake = tmp_path / "diploma.pdf"
    fake.write_bytes(b"PK\x03\x04 a zip, not a pdf")
    view.attach(fake)
    view.reply_edit.setPlainText("Диплом во вложении")
    view.reply_button.click()
    qtbot.waitUntil(lambda: "не PDF, JPG или PNG" in view.banner.text(), timeout=10_000)
    good = tmp_path / "diploma2.pdf"
    good.write_bytes(PDF)
    view.attach(good)
    view.reply_button.click()
    qtbot.waitUntil(lambda: m.data(m.index(0, 5)) == "ждёт отправки: 3", timeout=10_000)
    assert m.data(m.index(0, 3)) == "отвечен" and view.attached is None
    assert view.save_attachment_button.isEnabled()  # the reply's document, kept in the vault
    view.save_attachment(tmp_path / "copy.pdf")
    qtbot.waitUntil(lambda: "Вложение сохранено: copy.pdf" in view.banner.text(), timeout=10_000)
    assert (tmp_path / "copy.pdf").read_bytes() == PDF


def test_application_created_checked_submitted(qtbot: QtBot, opened: Session) -> None:
    view = _page(opened).select("application")
    assert isinstance(view, ApplicationView)
    assert "А-2024-778812" in view.status_label.text()  # the demo's approved one
    assert not view.submit_button.isEnabled() and not view.withdraw_button.isEnabled()
    view.new_button.click()
    view.kind.setCurrentIndex(view.kind.findData("periodic"))
    view.specialty.setCurrentIndex(view.specialty.findData("36"))
    view.save_button.click()
    qtbot.waitUntil(lambda: view.banner.text() == "Заявление сохранено", timeout=10_000)
    assert view.current() is not None and view.current()["status"] == "draft"  # type: ignore[index]
    view.check_button.click()
    qtbot.waitUntil(lambda: "Портфолио" in view.banner.text(), timeout=10_000)
    found = [view.shortfalls.item(i).text() for i in range(view.shortfalls.count())]
    assert all(isinstance(t, str) and t for t in found)
    assert view.submit_button.isEnabled()
    view.submit_button.click()
    qtbot.waitUntil(lambda: "номер придёт при синхронизации" in view.status_label.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "ждёт отправки" in view.status_label.text(), timeout=10_000)
    assert view.withdraw_button.isEnabled() and not view.save_button.isEnabled()
    documents = len(opened.store.rows("document"))  # type: ignore[union-attr]
    view.pdf_button.click()
    qtbot.waitUntil(lambda: "PDF заявления сохранён" in view.banner.text(), timeout=20_000)
    assert len(opened.store.rows("document")) == documents + 1  # type: ignore[union-attr]


def test_confirm_dialog_checks_at_once_and_queues(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    page = _page(opened)
    view = page.select("employment")
    draft = next(r for r in opened.store.rows("employment") if r.get("status") == "draft")  # type: ignore[union-attr]
    view.table.select_id(draft["id"])
    qtbot.waitUntil(lambda: view.table.current_row() is not None, timeout=5_000)
    button = view.findChild(QPushButton, "confirm_by_document")
    assert button is not None
    button.click()
    dialog = view.findChild(ConfirmDialog)
    assert isinstance(dialog, ConfirmDialog)
    assert dialog.org_inn.text() == draft["org_inn"] and not dialog.send_button.isEnabled()
    assert dialog.doc_date.text() == dt.date.today().strftime("%d.%m.%Y")
    fake = tmp_path / "contract.pdf"
    fake.write_bytes(b"just text")
    dialog.set_file(fake)
    qtbot.waitUntil(lambda: "не PDF" in dialog.checks.text(), timeout=5_000)
    doc = tmp_path / "contract2.pdf"
    doc.write_bytes(PDF)
    dialog.set_file(doc)
    qtbot.waitUntil(lambda: "Проверки пройдены" in dialog.checks.text(), timeout=5_000)
    assert dialog.send_button.isEnabled()
    dialog.org_inn.setText("7707083893")
    assert "ИНН организации в документе (7707083893)" in dialog.checks.text() and not dialog.send_button.isEnabled()
    dialog.org_inn.setText(draft["org_inn"])
    dialog.send_button.click()
    qtbot.waitUntil(lambda: "отправится в отдел кадров" in dialog.banner.text(), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.history.count() == 1 and "ждёт отправки" in dialog.history.item(0).text(),
                    timeout=10_000)
    dialog.close()


def test_programmes_from_the_kept_catalogue(qtbot: QtBot, opened: Session) -> None:
    view = _page(opened).select("programmes")
    assert isinstance(view, ProgrammesView)
    qtbot.waitUntil(lambda: "ещё не получен" in view.fetched_label.text(), timeout=5_000)
    items = [{"id": "11111111-1111-4111-8111-111111111111", "title": "Кардиология", "specialty_code": "36",
              "format": "distance", "hours": 36, "begin_date": "2030-01-10", "end_date": "2030-02-10",
              "seats": 10, "free_seats": 3, "enrolled": False},
             {"id": "22222222-2222-4222-8222-222222222222", "title": "Пульмонология", "specialty_code": "36",
              "format": "full_time", "hours": 72, "begin_date": "2030-03-01", "end_date": "2030-03-20",
              "seats": 5, "free_seats": 0, "enrolled": False}]
    repo = opened.store.repo  # type: ignore[union-attr]
    Op(view, lambda: catalogue.remember(repo, items), worker=opened.store.worker).success(  # type: ignore[union-attr]
        lambda _r: view.load()).run()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5_000)
    view.free_only.setChecked(True)
    assert view.model.rowCount() == 1
    view.free_only.setChecked(False)
    view.format.setCurrentIndex(view.format.findData("full_time"))
    assert view.model.rowCount() == 1 and view.model.row(0)["title"] == "Пульмонология"  # type: ignore[index]
    view.table.selectRow(0)
    view.enrol_button.click()
    qtbot.waitUntil(lambda: "свободных мест нет" in view.banner.text(), timeout=10_000)
    view.format.setCurrentIndex(0)
    view.table.selectRow(0)
    assert view.current()["title"] == "Кардиология"  # type: ignore[index]
    view.enrol_button.click()
    qtbot.waitUntil(lambda: "отправится при синхронизации" in view.banner.text(), timeout=10_000)
    qtbot.waitUntil(lambda: view.model.data(view.model.index(0, 6)) == "ждёт отправки", timeout=10_000)
    view.cancel_button.click()
    qtbot.waitUntil(lambda: view.banner.text() == "Запись на программу отменена", timeout=10_000)
    qtbot.waitUntil(lambda: view.model.data(view.model.index(0, 6)) == "", timeout=10_000)


def test_notices_in_the_notification_centre(qtbot: QtBot, opened: Session) -> None:
    view = _page(opened).select("reminders")
    panel = view.findChild(NoticesPanel)
    assert isinstance(panel, NoticesPanel)
    wait_worker_idle(qtbot, opened)
    qtbot.waitUntil(lambda: panel.count() >= 1, timeout=10_000)
    assert "Новый запрос" in panel.text(0) and "Запрос копии диплома" in panel.text(0)
    assert panel.feed.unread() == 1
    panel.list.doubleClicked.emit(panel.model.index(0))  # as a double click on the first row does
    qtbot.waitUntil(lambda: panel.feed.unread() == 0, timeout=10_000)
    requests = _page(opened).current_section()
    assert isinstance(requests, RequestsView)
    assert requests.current() is not None and requests.current()["kind"] == "Запрос копии диплома"  # type: ignore[index]


def test_a_decision_arriving_mid_edit_locks_the_form_and_is_notified(qtbot: QtBot, opened: Session) -> None:
    """The operator's decision comes with a sync while the person has the application open: the
    form follows the decision (no half-saved edit), and the notice shows within a second."""
    store = opened.store
    assert store is not None
    page = _page(opened)
    reminders = page.select("reminders")
    panel = reminders.findChild(NoticesPanel)
    assert isinstance(panel, NoticesPanel)
    view = page.select("application")
    assert isinstance(view, ApplicationView)
    view.new_button.click()
    view.kind.setCurrentIndex(view.kind.findData("periodic"))
    view.specialty.setCurrentIndex(view.specialty.findData("36"))
    view.save_button.click()
    qtbot.waitUntil(lambda: view.banner.text() == "Заявление сохранено", timeout=10_000)
    view.submit_button.click()
    qtbot.waitUntil(lambda: "ждёт отправки" in view.status_label.text(), timeout=10_000)
    app_id = view.current_id
    assert app_id is not None
    wait_worker_idle(qtbot, opened)
    qtbot.waitUntil(lambda: panel.feed.items != [], timeout=10_000)
    before = len(panel.feed.items)
    repo = store.repo

    def the_sync_brings_a_decision() -> None:  # what a pull writes: the server's row
        from desktop.models.repository import table

        t = table("application")
        with repo.vault.begin() as conn:
            conn.execute(t.update().where(t.c.id == app_id).values(
                status="approved", confirmation_number="А-2026-123456", decision_comment="Допущен"))

    def reread(_r: object) -> None:
        store.reload()

    Op(view, the_sync_brings_a_decision, worker=store.worker).success(reread).run()
    qtbot.waitUntil(lambda: "Пришло решение по заявлению" in view.banner.text(), timeout=10_000)
    assert not view.save_button.isEnabled() and not view.withdraw_button.isEnabled()
    assert "А-2026-123456" in view.status_label.text() and "Допущен" in view.status_label.text()
    qtbot.waitUntil(lambda: len(panel.feed.items) == before + 1, timeout=1_000)  # ≤ 1 s after the sync's re-read
    assert "Допущен" in panel.text(0)
    # the section's badge counts the unread notice about it; opening the section has it seen
    nav = page.nav.item(page.ids.index("application"))
    qtbot.waitUntil(lambda: nav.text() == "Заявление на аккредитацию (1)", timeout=10_000)
    page.select("reminders")
    page.select("application")
    qtbot.waitUntil(lambda: nav.text() == "Заявление на аккредитацию", timeout=10_000)
    assert not any(n["entity_id"] == app_id and not n["read"] for n in panel.feed.items)


def test_request_files_column_open_save_and_sender(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    """«Вложения» counts the organization's files of a request; the detail opens one in the app's
    viewer and saves it; the sender as the server told it (kept in the vault) is shown offline."""
    import json

    from desktop.models.repository import set_meta
    from desktop.sync import doctor
    from desktop.views.widgets.pdf_preview import PreviewDialog

    store = opened.store
    assert store is not None
    view = _page(opened).select("requests")
    assert isinstance(view, RequestsView)
    m = view.model
    repo = store.repo
    request = dict(store.rows("request")[0])
    rid = str(request["id"])
    sender = {"organization": {"name": request["org_name"], "inn": request["org_inn"], "ogrn": "1027700132195",
                               "kpp": "770201001"}, "sender": {"name": "Петрова Ольга Ивановна", "role": "hr"}}
    img = QImage(40, 30, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    buf = QByteArray()
    out = QBuffer(buf)
    out.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(out, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 takes str
    png = bytes(buf.data())
    got: list[str] = []

    def arrive() -> str:  # what the sync of the organization's files leaves: the blob and the sender
        with repo.vault.begin() as conn:
            set_meta(conn, doctor.SENDER_KEY + rid, json.dumps(sender, ensure_ascii=False))
        return doctor._store_blob(repo, png)

    Op(view, arrive, worker=store.worker).success(got.append).run()
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    sha = got[0]
    rows = {name: [dict(r) for r in store.rows(name)] for name in ("person", "request")}
    rows["request"] = [{**r, "attachments": sha} if str(r["id"]) == rid else r for r in rows["request"]]
    store.apply_snapshot({**{k: store.rows(k) for k in store._rows}, **rows}, store.pending)
    n = next(i for i in range(m.rowCount()) if str(m.row(i)["id"]) == rid)  # type: ignore[index]
    assert m.headerData(4, Qt.Orientation.Horizontal) == "Вложения" and m.data(m.index(n, 4)) == "📎 1"
    view.select_id(rid)
    qtbot.waitUntil(lambda: "Петрова Ольга Ивановна" in view.detail.toPlainText(), timeout=10_000)
    text = view.detail.toPlainText()
    assert "ОГРН 1027700132195" in text and "КПП 770201001" in text and "Вложения организации" in text
    assert f"open:{sha}" in view.detail.toHtml() and view.attachments()[0] == sha
    dialog = view.open_attachment(sha)
    assert isinstance(dialog, PreviewDialog)
    qtbot.waitUntil(lambda: len(dialog.images) == 1, timeout=10_000)  # the scan, shown
    dialog.close()
    view.save_attachment(tmp_path / "from-org.png", sha)
    qtbot.waitUntil(lambda: "Вложение сохранено: from-org.png" in view.banner.text(), timeout=10_000)
    assert (tmp_path / "from-org.png").read_bytes() == png
