"""«Документы» on a second computer of the same doctor: the rows came with a pull, the files
did not. Opening one downloads it (pool thread, busy dialog) from a real server on loopback,
keeps it in the vault and opens it; offline, a missing file, no server or a cancel leave a
clear Russian message and nothing half-saved."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.models.repository import set_meta, table
from desktop.sync.auth import SERVER_KEY
from desktop.views.documents.documents_model import DocumentsModel
from desktop.views.documents.documents_view import DocumentsView
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.workers import DbWorker
from tests.sync.proxy import FaultProxy
from tests.sync.world import Org, Replica

WAIT = 20_000


def small_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, "Diploma scan")
    c.showPage()
    c.save()
    return out.getvalue()


@dataclass
class Second:
    """The doctor's second computer, its «Документы» view, and the document pulled there."""

    replica: Replica
    view: DocumentsView
    doc_id: str
    sha: str
    data: bytes


@pytest.fixture
def second(qtbot: QtBot, server: dict[str, Any], org: Org, proxy: FaultProxy, tmp_path: Path,
           replicas: list[Replica]) -> Iterator[Second]:
    db = server["db"]
    pid, _ = db.person(org)
    login = db.account("doctor", person_id=pid)
    first = Replica(tmp_path / "first", server["url"])
    first.adopt_session(db.session(login))
    assert first.sync().outcome == "converged"
    data = small_pdf()
    rid = first.repo.add_document("upload", "Диплом.pdf", data)
    assert first.sync().outcome == "converged"
    other = Replica(tmp_path / "second", proxy.url)  # through the proxy: the test can cut it
    other.adopt_session(db.session(login))
    replicas += [first, other]
    assert other.sync().outcome == "converged"
    sha = hashlib.sha256(data).hexdigest()
    assert other.repo.get("document", rid) is not None and other.repo.get_blob(sha) is None
    worker = DbWorker()
    try:
        store = RecordStore(worker, other.repo, other.folder, {})
        with qtbot.waitSignal(store.loaded, timeout=WAIT):
            store.load(lambda exc: pytest.fail(str(exc)))
        view = DocumentsView(DocumentsModel(store))
        qtbot.addWidget(view)
        view.show()
        view.select_ids([rid])
        assert [r["id"] for r in view.selected_rows()] == [rid]
        yield Second(other, view, rid, sha, data)
    finally:
        worker.stop()


def test_preview_downloads_the_missing_file_then_opens_it(qtbot: QtBot, second: Second, proxy: FaultProxy,
                                                          tmp_path: Path) -> None:
    view = second.view
    proxy.hold_seconds = 1.0
    proxy.add("stall", "/blobs/")  # long enough to see the busy state
    downloaded: list[int] = []
    view.files_downloaded.connect(downloaded.append)
    view.preview_button.click()
    qtbot.waitUntil(lambda: view.progress is not None and view.progress.isVisible(), timeout=WAIT)
    assert view.progress is not None and "Диплом.pdf" in view.progress.labelText()
    assert view.progress.maximum() == 0  # busy: the size is not known in advance
    assert view.preview_dialog is None  # the window opens with the file, not before
    qtbot.waitUntil(lambda: view.preview_dialog is not None and bool(view.preview_dialog.images), timeout=WAIT)
    assert downloaded == [1] and view.progress is None
    assert second.replica.repo.get_blob(second.sha) == second.data  # kept in the vault
    assert view.last_error == ""
    view.preview_dialog.reject()

    # Now local: a download to disk does not go to the server again, even with it gone.
    proxy.offline = True
    target = tmp_path / "out" / "Диплом.pdf"
    target.parent.mkdir()
    view.download_to(view.selected_rows()[0], str(target))
    qtbot.waitUntil(target.exists, timeout=WAIT)
    assert target.read_bytes() == second.data and downloaded == [1]


def test_offline_says_so_and_stores_nothing(qtbot: QtBot, second: Second, proxy: FaultProxy) -> None:
    view = second.view
    proxy.offline = True
    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as got:
        view.preview_button.click()
    text = str(got.args[0])
    assert text.startswith("Документ не открыт.") and "Диплом.pdf" in text
    assert "загрузить его не удалось: нет связи с сервером. Проверьте подключение к сети" in text
    assert view.preview_dialog is None and view.progress is None
    assert second.replica.repo.get_blob(second.sha) is None

    # Back online, the same click works: the failure left nothing in the way.
    proxy.offline = False
    view.preview_button.click()
    qtbot.waitUntil(lambda: view.preview_dialog is not None and bool(view.preview_dialog.images), timeout=WAIT)
    assert second.replica.repo.get_blob(second.sha) == second.data


def test_file_missing_on_the_server_and_no_server(qtbot: QtBot, second: Second) -> None:
    view = second.view
    repo = second.replica.repo
    row = repo.get("document", second.doc_id)
    assert row is not None
    ghost_sha = hashlib.sha256(b"never uploaded").hexdigest()
    ghost = {**row, "id": str(uuid.uuid4()), "title": "Приказ.pdf", "sha256": ghost_sha, "blob_sha256": ghost_sha}
    with repo.vault.begin() as conn:  # a row whose file the server never got
        conn.execute(table("document").insert().values(**ghost))
    store = view.store
    with qtbot.waitSignal(store.reloaded, timeout=WAIT):
        store.reload()
    view.select_ids([ghost["id"]])
    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as got:
        view.verify_selected()
    text = str(got.args[0])
    assert text.startswith("Подпись не проверена.") and "«Приказ.pdf» не найден на сервере" in text
    assert view.verify_dialog is None and repo.get_blob(ghost_sha) is None

    with repo.vault.begin() as conn:  # never logged in on this computer
        set_meta(conn, SERVER_KEY, "")
    view.select_ids([second.doc_id])
    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as got:
        view.print_selected()
    text = str(got.args[0])
    assert text.startswith("Документ не напечатан.") and "сервер, с которого его можно загрузить, не задан" in text
    assert repo.get_blob(second.sha) is None


@pytest.mark.parametrize("how", ["button", "escape"])
def test_cancel_while_downloading_opens_nothing(qtbot: QtBot, second: Second, proxy: FaultProxy, how: str) -> None:
    view = second.view
    proxy.hold_seconds = 1.5
    proxy.add("stall", "/blobs/")
    view.preview_button.click()
    qtbot.waitUntil(proxy.stalled.is_set, timeout=WAIT)
    assert view.progress is not None
    cancel = view.progress.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Отмена"
    if how == "button":
        cancel.click()
    else:
        qtbot.keyClick(view.progress, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: "отменена" in view.banner.text(), timeout=WAIT)
    assert view.preview_dialog is None and view.last_error == "" and view.progress is None
    # The answer that was already on its way is whole and checked: keeping it is harmless.
    data = second.replica.repo.get_blob(second.sha)
    assert data is None or data == second.data
