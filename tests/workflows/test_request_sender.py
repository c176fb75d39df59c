"""The sender of a request (issue 14): the addressed worker learns the organization's registry
details (name, ИНН, ОГРН, КПП) and the sending clerk's name — kept in the vault for offline
reading — and nobody outside the request's two sides learns anything (404, as for a row they
may not read). A request's own files («Вложения» of «Запросы») are named by the row's
``attachments`` (SHA-256s), fetched once and kept in the vault."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from desktop.models.repository import RecordRepository
from desktop.models.workflows.request_files import request_attachments
from desktop.sync import doctor
from desktop.sync.api import SyncError
from desktop.vault.store import Vault
from server.db import in_write_tx
from server.models import Account
from tests.hr.conftest import PASS, frmr
from tests.sync.proxy import FaultProxy
from tests.workflows.conftest import api, logged_in, ok

CLERK = "Петрова Ольга Ивановна"
PDF = b"%PDF-1.4\n% the organization's form\n%%EOF\n"


def _name(db: Any, login: str, name: str) -> None:
    in_write_tx(db.engine, lambda s: s.execute(sa.update(Account).where(Account.login == login)  # type: ignore[arg-type]
                                               .values(display_name=name)))


def test_the_addressed_worker_sees_the_sender_others_do_not(server: dict[str, Any], proxy: FaultProxy,
                                                           tmp_path: Path) -> None:
    db = server["db"]
    org, elsewhere = db.org(), db.org()
    pid, _ = db.person(org)
    stranger_pid, _ = db.person(org)
    clerk_login = db.account("hr", org=org)
    _name(db, clerk_login, CLERK)
    clerk = logged_in(server, tmp_path, clerk_login, "hr")
    (tmp_path / "form.pdf").write_bytes(PDF)
    req = ok(frmr(clerk, "request", "send", pid, "kind=Документы", "text=Принесите диплом",
                  "--file", str(tmp_path / "form.pdf"))).strip()
    ok(frmr(clerk, "sync"))  # sent by a push: the journal still names its clerk

    prof = logged_in(server, tmp_path, db.account("doctor", person_id=pid), "doctor", url=proxy.url)
    vault = Vault.open(prof, PASS)
    try:
        repo = RecordRepository(vault)
        assert doctor.sender(repo, req) is None  # never fetched
        got = doctor.fetch_sender(repo, req)
        assert got["organization"] == {"name": org.name, "inn": org.inn, "ogrn": org.ogrn, "kpp": None}
        assert got["sender"] == {"name": CLERK, "role": "hr"}
        assert set(got) == {"organization", "sender"}  # no login, no other organizations
        assert doctor.sender(repo, req) == got  # kept for offline reading
        # the organization's file: named by the row, fetched once from the server, then kept
        row = repo.get("request", req)
        assert row is not None
        files = request_attachments(row)
        assert files == [hashlib.sha256(PDF).hexdigest()]
        assert repo.get_blob(files[0]) is None
        assert doctor.attachment_bytes(repo, files[0]) == PDF
        assert repo.get_blob(files[0]) == PDF  # opened again offline
    finally:
        vault.close()

    # frmr says the same, and offline shows the copy kept
    shown = ok(frmr(prof, "request", "sender", req))
    assert f"Организация: {org.name} (ИНН {org.inn}, ОГРН {org.ogrn})" in shown and f"Отправил: {CLERK}" in shown
    assert json.loads(ok(frmr(prof, "request", "sender", req, "--json"))) == got
    proxy.add("reset_request", "/", count=1000)
    offline = ok(frmr(prof, "request", "sender", req))
    assert f"Отправил: {CLERK}" in offline and "Показаны сведения, полученные ранее" in offline
    proxy.clear()

    # The clerk's own organization may read it back; a worker not addressed and another
    # organization's clerk get the 404 of a row they may not read.
    with api(server, clerk_login) as c:
        assert c.get(f"/requests/{req}/sender").json()["sender"]["name"] == CLERK
    with api(server, db.account("doctor", person_id=stranger_pid)) as c:
        assert c.get(f"/requests/{req}/sender").status_code == 404
    with api(server, db.account("hr", org=elsewhere)) as c:
        assert c.get(f"/requests/{req}/sender").status_code == 404


def test_offline_the_sender_is_not_fetched_and_says_why(server: dict[str, Any], tmp_path: Path) -> None:
    prof = tmp_path / "nowhere"
    Vault.create(prof, PASS)[0].close()
    vault = Vault.open(prof, PASS)
    try:
        repo = RecordRepository(vault)
        try:
            doctor.fetch_sender(repo, "00000000-0000-4000-8000-000000000000")
        except SyncError as exc:
            assert "Сервер не задан" in str(exc)
        else:
            raise AssertionError("fetched without a server")
    finally:
        vault.close()


def test_request_attachments_are_read_whatever_the_row_holds() -> None:
    a, b = "a" * 64, "0123456789abcdef" * 4
    assert request_attachments({"attachments": [a, b, a]}) == [a, b]
    assert request_attachments({"attachments": f'["{a}", "{b}"]'}) == [a, b]  # JSON text in a column
    assert request_attachments({"attachments": f"{a.upper()}, {b}"}) == [a, b]
    assert request_attachments({"attachments": [{"sha256": b}]}) == [b]
    # a damaged value shows fewer files, never fails the table
    assert request_attachments({"attachments": "[not json"}) == []
    assert request_attachments({"attachments": ["../../etc/passwd", 7, None]}) == []
    assert request_attachments({}) == [] and request_attachments({"attachments": 5}) == []


def test_the_screen_asks_for_the_sender_once_by_itself(server: dict[str, Any], tmp_path: Path, qtbot: Any) -> None:
    """«Запросы» over a real vault synced from the server: a request shown for the first time has
    its sender asked of the server in the background (the pool, not the DB worker) and shown."""
    from desktop.views.record.record_store import RecordStore
    from desktop.views.runtime.workers import DbWorker
    from desktop.views.workflows.requests_model import RequestsModel
    from desktop.views.workflows.requests_view import RequestsView

    db = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    clerk_login = db.account("hr", org=org)
    _name(db, clerk_login, CLERK)
    clerk = logged_in(server, tmp_path, clerk_login, "hr")
    req = ok(frmr(clerk, "request", "send", pid, "kind=Справка", "text=Нужна справка")).strip()
    ok(frmr(clerk, "sync"))
    prof = logged_in(server, tmp_path, db.account("doctor", person_id=pid), "doctor")
    vault = Vault.open(prof, PASS)
    worker = DbWorker()
    try:
        store = RecordStore(worker, RecordRepository(vault), prof, {})
        store.load(lambda exc: None)
        qtbot.waitUntil(lambda: store.is_loaded, timeout=10_000)
        view = RequestsView(RequestsModel(store))
        qtbot.addWidget(view)
        view.select_id(req)
        qtbot.waitUntil(lambda: CLERK in view.detail.toPlainText(), timeout=10_000)
        assert f"ОГРН {org.ogrn}" in view.detail.toPlainText()
        assert doctor.sender(store.repo, req) is not None  # kept for the next time, offline too
    finally:
        worker.stop()
        vault.close()
