"""The operator's console (issue 15) on real widgets over a real server: the applications queue
with its filters and decisions (a rejection needs a comment, a colleague first is told), НМО
credits several at once, accounts, the audit journal with bad dates and a CSV export through the
formula guard; screenshots in a light and a dark palette (/tmp/g-operator-*.png)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QStyleFactory
from pytestqt.qtbot import QtBot

from desktop.vault.store import Vault
from desktop.views.operator.accounts_view import AccountsView, NewAccountDialog, enrolment_text
from desktop.views.operator.applications_view import ApplicationsView
from desktop.views.operator.audit_view import AuditView, csv_bytes
from desktop.views.operator.nmo_view import NmoQueueView
from desktop.views.widgets import theme
from server.testing import run_server
from tests.hr.conftest import PASS, frmr, new_profile
from tests.reports.test_cli import add_rows
from tests.sync.world import PASSWORD, ServerDb


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
    with run_server(url) as base:
        db = ServerDb(url)
        yield {"url": base, "db": db}
        db.close()


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> Iterator[str]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_palette, old_style = app.palette(), app.style().name()
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(theme.dark_palette() if request.param == "dark" else app.style().standardPalette())
    yield str(request.param)
    app.setStyle(QStyleFactory.create(old_style))
    app.setPalette(old_palette)


def admin_vault(server: dict[str, Any], tmp_path: Path) -> Vault:
    login = server["db"].account("admin")
    prof = new_profile(tmp_path, f"a-{uuid.uuid4().hex[:6]}")
    cp = frmr(prof, "login", "--server", server["url"], "--username", login, "--password", PASSWORD)
    assert cp.returncode == 0, cp.stderr
    return Vault.open(prof, PASS)


def select(view: Any, ids: set[str]) -> None:
    t = view.table
    t.clearSelection()
    from PySide6.QtCore import QItemSelectionModel, Qt

    m = t.model()
    for r in range(m.rowCount()):
        if m.index(r, 0).data(Qt.ItemDataRole.UserRole) in ids:  # a QTableWidget's item data, or the queue's id
            t.selectionModel().select(m.index(r, 0), QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)


def test_applications_queue_and_decisions(qtbot: QtBot, server: dict[str, Any], tmp_path: Path, scheme: str) -> None:
    db: ServerDb = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    number = f"А-2026-{uuid.uuid4().int % 900000 + 100000}"
    a1, a2 = add_rows(db, pid, *[("application", {"kind": "periodic", "specialty_code": "36", "status": "submitted",
                                                  "submitted_at": "2026-11-01", "confirmation_number": n})
                                 for n in (number, number + "9")])
    vault, other = admin_vault(server, tmp_path), admin_vault(server, tmp_path)
    try:
        view, rival = ApplicationsView(vault), ApplicationsView(other)
        for v in (view, rival):
            qtbot.addWidget(v)
        view.resize(1000, 600)
        view.show()
        qtbot.waitUntil(lambda: view.table.model().rowCount() >= 2 and rival.table.model().rowCount() >= 2,
                        timeout=20_000)
        view.search.setText(number)
        assert view.table.model().rowCount() == 2  # the quick filter: both numbers start with it
        view.search.setText(number + "9")
        assert view.table.model().rowCount() == 1
        # the applicant is named in the queue: the operator decides on a person, not a number
        assert view.table.model().index(0, 2).data() == "Тестова Анна Петровна"
        assert view.table.model().index(0, 3).data().count("-") == 2  # the СНИЛС as written: 123-456-789 01
        view.search.clear()
        select(view, {a1})
        view.decide("reject")  # no comment: refused here, nothing sent
        assert "причину отказа" in view.status.text()
        view.decide("approve")
        qtbot.waitUntil(lambda: "Решение принято" in view.status.text(), timeout=20_000)
        select(rival, {a1})
        rival.comment.setPlainText("нет протокола")
        rival.decide("reject")  # the colleague decided first: told so
        qtbot.waitUntil(lambda: "уже принято" in rival.status.text(), timeout=20_000)
        qtbot.waitUntil(lambda: a1 not in _ids(view), timeout=20_000)  # decided: out of the queue
        assert a2 in _ids(view)
        QApplication.processEvents()
        assert view.grab().toImage().save(f"/tmp/g-operator-{scheme}.png")
    finally:
        vault.close()
        other.close()


def _ids(view: Any) -> set[str]:
    from PySide6.QtCore import Qt

    m = view.table.model()
    return {str(m.index(r, 0).data(Qt.ItemDataRole.UserRole)) for r in range(m.rowCount())}


def test_nmo_several_at_once_accounts_and_audit(qtbot: QtBot, server: dict[str, Any], tmp_path: Path) -> None:
    db: ServerDb = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    n1, n2, n3 = add_rows(db, pid, *[("nmo", {"event_date": "2026-10-01", "kind": "iom", "title": f"Модуль {i}",
                                             "credits": "2", "status": "pending"}) for i in range(3)])
    vault = admin_vault(server, tmp_path)
    try:
        nmo = NmoQueueView(vault)
        qtbot.addWidget(nmo)
        qtbot.waitUntil(lambda: {n1, n2, n3} <= _ids(nmo), timeout=20_000)
        rival = admin_vault(server, tmp_path)
        try:
            rv = NmoQueueView(rival)
            qtbot.addWidget(rv)
            qtbot.waitUntil(lambda: n3 in _ids(rv), timeout=20_000)
            select(rv, {n3})
            rv.decide("reject")
            qtbot.waitUntil(lambda: "Принято решений: 1 из 1" in rv.status.text(), timeout=20_000)
        finally:
            rival.close()
        select(nmo, {n1, n2, n3})
        nmo.decide("confirm")
        qtbot.waitUntil(lambda: "Принято решений: 2 из 3" in nmo.status.text(), timeout=20_000)
        assert "уже принято" in nmo.status.text()

        victim = db.account("hr", org=org)  # an account to lock (never the operator's own)
        accounts = AccountsView(vault)
        qtbot.addWidget(accounts)
        qtbot.waitUntil(lambda: any(a["login"] == victim for a in accounts.items), timeout=20_000)
        dialog = NewAccountDialog()
        qtbot.addWidget(dialog)
        dialog.login.setText("x")
        dialog.orgs.setText("1234567890")
        dialog.password.setText("short")
        dialog.role.setCurrentIndex(dialog.role.findData("hr"))
        bad = dialog.problems()
        assert any("логин" in b for b in bad) and any("ИНН" in b for b in bad) and any("пароль" in b for b in bad)
        text = enrolment_text({"login": "new.one", "totp_secret": "ABC", "recovery_codes": ["1", "2"]})
        assert "otpauth://totp/" in text and "ABC" in text and "1 2" in text
        target = next(a for a in accounts.items if a["login"] == victim)
        select(accounts, {str(target["id"])})
        accounts.change("lock")
        qtbot.waitUntil(lambda: "заблокирована" in accounts.status.text(), timeout=20_000)

        audit = AuditView(vault)
        qtbot.addWidget(audit)
        qtbot.waitUntil(lambda: audit.table.rowCount() > 0, timeout=20_000)
        audit.since.setText("31.02.2026")
        audit.reload()
        assert "неверная дата" in audit.status.text()
        audit.since.setText("01.01.1990")
        audit.reload()
        assert "вне допустимого" in audit.status.text()
        audit.since.clear()
        audit.action.setText("account_change")
        audit.reload()
        qtbot.waitUntil(lambda: bool(audit.items) and {e["action"] for e in audit.items} == {"account_change"},
                        timeout=20_000)
        raw = csv_bytes([{"at": 0, "login": "=HYPERLINK(1)", "action": "x", "detail": "+1"}]).decode("utf-8-sig")
        assert "'=HYPERLINK(1)" in raw and "'+1" in raw
    finally:
        vault.close()


def test_organizations_and_programmes(qtbot: QtBot, server: dict[str, Any], tmp_path: Path) -> None:
    from desktop.models.checkdigits import make_inn10
    from desktop.views.operator.catalogue_view import CatalogueView

    vault = admin_vault(server, tmp_path)
    try:
        view = CatalogueView(vault)
        qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.loaded, timeout=20_000)
        view.inn.setText("1234567890")
        view.org_name.setText("X")
        view.add_org()
        assert "ИНН" in view.status.text() and "не добавлена" in view.status.text()
        inn = make_inn10(f"{uuid.uuid4().int % 900000000 + 100000000:09d}")
        view.inn.setText(inn)
        view.org_name.setText("ГБУЗ «Новая больница»")
        view.add_org()
        qtbot.waitUntil(lambda: inn in set(_first_cells(view.orgs)), timeout=20_000)
        view.title.setText("Кардиология: обновления")
        view.begin.setText("10.03.2027")
        view.end.setText("01.03.2027")
        view.add_programme()
        assert "окончание раньше начала" in view.status.text()
        view.end.setText("20.03.2027")
        before = view.programmes.rowCount()
        view.add_programme()
        qtbot.waitUntil(lambda: view.programmes.rowCount() == before + 1, timeout=20_000)
        select(type("V", (), {"table": view.programmes})(), {_first_id(view.programmes)})
        view.show_enrolments()
        qtbot.waitUntil(lambda: view.enrolled.columnCount() == 2, timeout=20_000)
        assert view.enrolled.rowCount() == 0
    finally:
        vault.close()


def _first_cells(table: Any) -> Any:
    for r in range(table.rowCount()):
        item = table.item(r, 0)
        if item is not None:
            yield item.text()


def _first_id(table: Any) -> str:
    from PySide6.QtCore import Qt

    item = table.item(0, 0)
    return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""


def _png() -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    img = QImage(120, 160, QImage.Format.Format_RGB32)
    img.fill(QColor("#3366aa"))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; PySide6 takes str
    return bytes(buf.data().data())


def test_application_attachments_open_in_the_preview(qtbot: QtBot, server: dict[str, Any], tmp_path: Path) -> None:
    """«Вложения» of the selected application: the applicant's files listed, a scan opened in the
    app's preview (pages rendered off the GUI thread), a file that is not PDF/JPG/PNG told so."""
    import hashlib
    import time

    from desktop.views.operator.attachment_viewer import open_attachment
    from server.db import in_write_tx
    from server.models import Blob

    db: ServerDb = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    files = {"Скан диплома": (_png(), "image/png"), "Испорченный файл": (b"not a pdf at all", "application/pdf")}
    shas = {t: hashlib.sha256(d).hexdigest() for t, (d, _) in files.items()}

    def put(s: Any) -> None:
        for t, (data, mime) in files.items():
            s.add(Blob(sha256=shas[t], mime=mime, size=len(data), data=data, uploaded_by=0, created_at=time.time()))

    in_write_tx(db.engine, put)
    number = f"А-2026-{uuid.uuid4().int % 900000 + 100000}"
    app, _d1, _d2 = add_rows(
        db, pid, ("application", {"kind": "periodic", "specialty_code": "36", "status": "submitted",
                                  "submitted_at": "2026-11-01", "confirmation_number": number}),
        *[("document", {"kind": "scan", "title": t, "created_at": "2026-10-01", "blob_sha256": shas[t],
                        "mime": mime, "size": len(data)}) for t, (data, mime) in files.items()])
    vault = admin_vault(server, tmp_path)
    try:
        view = ApplicationsView(vault)
        qtbot.addWidget(view)
        view.resize(1000, 700)
        view.show()
        qtbot.waitUntil(lambda: app in _ids(view), timeout=20_000)
        select(view, {app})
        qtbot.waitUntil(lambda: view.attachments.count() == 2, timeout=20_000)
        assert "Вложения (2)" in view.attachments_label.text()
        titles = [view.attachments.item(i).text() for i in range(2)]
        assert any(t.startswith("Скан диплома · PNG") for t in titles), titles
        view.attachments.setCurrentRow(next(i for i, t in enumerate(titles) if t.startswith("Скан")))
        assert view.open_button.isEnabled()
        good = open_attachment(view, vault, app, shas["Скан диплома"], "Скан диплома")
        qtbot.waitUntil(lambda: len(good.images) == 1, timeout=20_000)
        assert good.page_labels[0].pixmap() is not None and not good.page_labels[0].pixmap().isNull()
        bad = open_attachment(view, vault, app, shas["Испорченный файл"], "Испорченный файл")
        qtbot.waitUntil(lambda: "не является PDF" in bad.status.text(), timeout=20_000)
        # a file of another person is not this application's: refused by the server, said in Russian
        stranger = open_attachment(view, vault, app, "0" * 64, "Чужой")
        qtbot.waitUntil(lambda: stranger.status.text() not in ("", "Загрузка страниц…"), timeout=20_000)
        assert not stranger.images
        for d in (good, bad, stranger):
            d.close()
        # no selection: nothing listed
        view.table.clearSelection()
        qtbot.waitUntil(lambda: view.attachments.count() == 0, timeout=5_000)
    finally:
        vault.close()


def test_a_queue_opened_before_the_login_loads_when_the_connection_comes(qtbot: QtBot, server: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    """The console opened before the sync had logged in (the demo starts its server then, or the
    operator was offline): the queue says why it is empty, and asks again — once — when the
    connection indicator turns to «в сети»; a queue that loaded is not reset by later syncs."""
    from desktop.views.operator.common import LOAD_FAILED, reload_when_online
    from desktop.views.shell.events import EventBus

    db: ServerDb = server["db"]
    pid, _ = db.person(db.org())
    number = f"А-2026-{uuid.uuid4().int % 900000 + 100000}"
    (app,) = add_rows(db, pid, ("application", {"kind": "periodic", "specialty_code": "36", "status": "submitted",
                                               "submitted_at": "2026-11-01", "confirmation_number": number}))
    prof = new_profile(tmp_path, f"a-{uuid.uuid4().hex[:6]}")
    vault = Vault.open(prof, PASS)
    events = EventBus()
    try:
        view = ApplicationsView(vault)
        qtbot.addWidget(view)
        reload_when_online(view, events, view.reload)
        qtbot.waitUntil(lambda: "Сервер не задан" in view.status.text(), timeout=20_000)
        assert view.property(LOAD_FAILED)
        events.publish("connection_changed", False)  # still offline: nothing asked
        cp = frmr(prof, "login", "--server", server["url"], "--username", db.account("admin"), "--password", PASSWORD)
        assert cp.returncode == 0, cp.stderr
        events.publish("connection_changed", True)
        qtbot.waitUntil(lambda: app in _ids(view), timeout=20_000)
        assert not view.status.isVisible() or "Сервер не задан" not in view.status.text()  # the old failure went
        view.search.setText(number)
        events.publish("connection_changed", True)  # a later sync: the queue stays as the operator left it
        assert view.table.model().rowCount() == 1 and not view.property(LOAD_FAILED)
    finally:
        vault.close()


def test_an_overtaken_failure_is_not_shown(qtbot: QtBot, server: dict[str, Any], tmp_path: Path) -> None:
    """A question overtaken by a later one of the same view: neither its answer nor its failure
    reaches the view (the later answer is what the operator asked for last)."""
    import time

    from PySide6.QtWidgets import QWidget

    from desktop.views.operator.common import call, status_label

    vault = admin_vault(server, tmp_path)
    try:
        view = QWidget()
        qtbot.addWidget(view)
        status = status_label()
        got: list[str] = []

        def slow_failure(_client: Any) -> str:
            time.sleep(0.5)
            raise ConnectionError("первый вопрос не дождался ответа")

        call(view, vault, slow_failure, got.append, status, load=True)
        call(view, vault, lambda _c: "второй", got.append, status, load=True)
        qtbot.waitUntil(lambda: got == ["второй"], timeout=10_000)
        qtbot.wait(800)  # the first question's failure has come back by now
        assert got == ["второй"] and status.text() == ""
    finally:
        vault.close()
