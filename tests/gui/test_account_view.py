"""The section «Учётная запись и безопасность» with real widgets, a real vault and a real server
on loopback: the policy as typed, a password change, enrolment with the QR code, sessions (the
current one asks, then logs out keeping the queue), the journal with its filters and export,
consent, and offline."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.models.journal import local_entries, record_signature
from desktop.models.repository import RecordRepository
from desktop.sync.auth import load_tokens, login_scripted, remember_login
from desktop.vault.store import Vault
from desktop.views.account.account_view import AccountView
from desktop.views.account.place import AccountPlace
from desktop.views.runtime.workers import DbWorker
from server.testing import current_otp, free_port, run_server
from tests.sync.world import PASSWORD, ServerDb

PASS = "account-gui-passphrase"
NEW = "Другой-Пароль-2026!"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
    with run_server(url) as base:
        db = ServerDb(url)
        yield {"url": base, "db": db}
        db.close()


@pytest.fixture
def place(tmp_path: Path) -> Iterator[AccountPlace]:
    vault, _ = Vault.create(tmp_path / "p", PASS)
    worker = DbWorker()
    yield AccountPlace(vault, RecordRepository(vault, user="tester", host="pc"), worker)
    worker.stop()
    vault.close()


def _signed_in(server: dict[str, Any], place: AccountPlace) -> str:
    login = server["db"].account("manager", org=server["db"].org())
    remember_login(place.vault, server["url"], login_scripted(server["url"], login, PASSWORD))
    return login


def _view(qtbot: QtBot, place: AccountPlace) -> AccountView:
    view = AccountView(place)
    qtbot.addWidget(view)
    view.show()
    return view


def test_policy_shown_as_typed_and_password_change(qtbot: QtBot, server: dict[str, Any],
                                                   place: AccountPlace) -> None:
    login = _signed_in(server, place)
    view = _view(qtbot, place)
    qtbot.waitUntil(lambda: login in view.banner.text(), timeout=10_000)
    page = view.password
    page.new.setText("abc")
    assert page.rules.lines["length"].text().startswith("✘")
    assert page.rules.lines["lower"].text().startswith("✔")
    assert not page.change_button.isEnabled()
    page.old.setText("Wrong-Passw0rd!!")
    page.new.setText(NEW)
    assert all(label.text().startswith("✔") for label in page.rules.lines.values())
    page.repeat.setText(NEW + "x")
    assert not page.change_button.isEnabled() and "не совпадают" in page.status.text()
    page.repeat.setText(NEW)
    assert page.change_button.isEnabled()
    page.change_button.click()
    qtbot.waitUntil(lambda: "Неверный текущий пароль" in page.status.text(), timeout=10_000)
    assert page.new.text() == NEW  # nothing lost: the mistake can be fixed in place
    page.old.setText(PASSWORD)
    page.change_button.click()
    qtbot.waitUntil(lambda: "Пароль изменён" in page.status.text(), timeout=10_000)
    assert page.old.text() == "" and load_tokens(place.vault) is not None
    assert login_scripted(server["url"], login, NEW)["access_token"]


def test_enrol_with_qr_confirm_and_recovery_codes(qtbot: QtBot, server: dict[str, Any],
                                                  place: AccountPlace) -> None:
    _signed_in(server, place)
    view = _view(qtbot, place)
    page = view.second_factor
    qtbot.waitUntil(lambda: "не подключены" in page.state.text(), timeout=10_000)
    view.tabs.setCurrentWidget(page)
    page.enrol_button.click()
    qtbot.waitUntil(lambda: page.setup.isVisible(), timeout=10_000)
    assert page.qr.matrix and len(page.qr.matrix) > 20
    secret = page.secret.text()
    page.code.setText("000000")
    page.confirm_button.click()
    qtbot.waitUntil(lambda: "Неверный одноразовый код" in page.status.text(), timeout=10_000)
    page.code.setText(current_otp(secret))
    page.confirm_button.click()
    qtbot.waitUntil(lambda: page.codes_box.isVisible(), timeout=10_000)
    assert len(page.codes.toPlainText().splitlines()) == 10
    assert not page.setup.isVisible() and page.secret.text() == ""
    assert page.enrol_button.text() == "Заменить устройство"
    page.hide_button.click()
    assert page.codes.toPlainText() == ""


def test_sessions_end_current_asks_and_keeps_the_queue(qtbot: QtBot, server: dict[str, Any],
                                                       place: AccountPlace) -> None:
    _signed_in(server, place)
    view = _view(qtbot, place)
    page = view.sessions
    view.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    assert page.model.row(0).current
    page.table.selectRow(0)
    asked: list[bool] = []

    def decline() -> bool:
        asked.append(True)
        return False

    page.confirm_end_current = decline  # type: ignore[method-assign]
    page.end_button.click()
    assert asked and load_tokens(place.vault) is not None  # declined: nothing done
    page.confirm_end_current = lambda: True  # type: ignore[method-assign]
    page.end_button.click()
    qtbot.waitUntil(lambda: "выполнен выход" in page.status.text(), timeout=10_000)
    assert load_tokens(place.vault) is None


def test_journal_filters_export_and_offline(qtbot: QtBot, server: dict[str, Any], place: AccountPlace,
                                            tmp_path: Path) -> None:
    record_signature(place.repo, "document", "pades", "doc-1")
    # signed in to a server that is not there: the local journal shows, the page says what is missing
    remember_login(place.vault, f"http://127.0.0.1:{free_port()}",
                   {"access_token": "a", "refresh_token": "r", "expires_in": 900, "user": {"login": "x"}})
    view = _view(qtbot, place)
    qtbot.waitUntil(lambda: "Нет связи с сервером" in view.banner.text(), timeout=10_000)
    page = view.journal
    view.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: "только журнал этого компьютера" in page.status.text(), timeout=10_000)
    assert any(r["action"] == "sign" for r in page.model.rows)
    page.kind.setCurrentIndex(page.kind.findData("signature"))
    page.refresh()
    qtbot.waitUntil(lambda: [r["action"] for r in page.model.rows] == ["sign"], timeout=10_000)
    out = tmp_path / "journal.csv"
    page.export_to(str(out))
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][0] == "Когда" and len(rows) == 2 and rows[1][1].startswith("Подпись")
    # the export is journaled (on the DB worker)
    qtbot.waitUntil(lambda: any(r["action"] == "export" for r in local_entries(place.repo)), timeout=10_000)
    # the password page refuses offline and keeps what was typed
    pw = view.password
    pw.old.setText(PASSWORD)
    pw.new.setText(NEW)
    pw.repeat.setText(NEW)
    pw.change_button.click()
    qtbot.waitUntil(lambda: "Нет связи с сервером" in pw.status.text(), timeout=10_000)
    assert pw.new.text() == NEW


def test_consent_recorded_on_the_server(qtbot: QtBot, server: dict[str, Any], place: AccountPlace) -> None:
    _signed_in(server, place)
    place.repo.record_consent()
    view = _view(qtbot, place)
    page = view.consent
    view.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.record_button.isEnabled(), timeout=10_000)
    assert "152-ФЗ" in page.findChild(type(page.local), "consent_withdrawal").text()  # type: ignore[union-attr]
    page.record_button.click()
    qtbot.waitUntil(lambda: "На сервере записано" in page.server.text(), timeout=10_000)
    assert not page.record_button.isEnabled()


def test_password_expiry_becomes_a_reminder(qtbot: QtBot, server: dict[str, Any], place: AccountPlace) -> None:
    import datetime as dt
    import time

    from desktop.views.account.account_view import expiry_reminder

    login = _signed_in(server, place)
    view = AccountView(place)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.me_loaded, timeout=10_000) as got:
        view.refresh_me()
    assert got.args[0]["login"] == login
    assert expiry_reminder(got.args[0]) is None  # this server has no expiry policy
    soon = time.time() + 5 * 86400
    reminder = expiry_reminder({"login": login, "password_expires_at": soon, "password_expiry_warning": True})
    assert reminder is not None and reminder.what == "Пароль на сервере"
    assert reminder.due == dt.datetime.fromtimestamp(soon).date() and 4 <= reminder.days_left <= 5
    assert expiry_reminder({"password_expires_at": soon, "password_expiry_warning": False}) is None
