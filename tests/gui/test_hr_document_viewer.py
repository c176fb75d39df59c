"""«Подтверждение трудоустройства»: «Открыть документ» shows the worker's file inside the app
(issue 13) — a PDF's pages and a PNG scan rendered off the GUI thread at the screen's pixel
ratio; a damaged PDF and a file that is not PDF/JPG/PNG give a Russian message, not pages."""

from __future__ import annotations

import functools
import hashlib
import io
import uuid
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from desktop.models.staff_requests import remember_confirmations
from desktop.views.hr.confirmations_view import ConfirmationsView
from desktop.views.shell.session import Session
from desktop.views.widgets.pdf_preview import PreviewDialog
from tests.gui.conftest import wait_worker_idle
from tests.gui.test_hr_workspace import open_hr


def a_pdf(pages: int) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


def a_png() -> bytes:
    img = QImage(40, 30, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    assert img.save(buf, "PNG")  # type: ignore[call-overload]  # the stubs miss the QIODevice overload
    return bytes(buf.data().data())


def test_open_the_document_inside_the_app(qtbot: QtBot, session: Session, profiles: Path) -> None:
    open_hr(qtbot, session, profiles)
    page = session.window.record
    assert page is not None
    page.select("confirmations")
    view = session.views["confirmations"]
    assert isinstance(view, ConfirmationsView)
    store = session.store
    assert store is not None
    files = {"pdf": a_pdf(2), "png": a_png(), "broken": b"%PDF-1.7\n" + b"\x00garbage" * 50,
             "zip": b"PK\x03\x04" + b"\x00" * 100}
    items = []
    for n, (name, data) in enumerate(files.items()):
        sha = hashlib.sha256(data).hexdigest()
        mime = "application/pdf" if name in ("pdf", "broken") else "image/png"
        store.worker.submit(functools.partial(_keep, store.repo, sha, data, mime))
        items.append({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"doc-{n}")), "status": "pending",
                      "doc_date": "2026-01-10", "blob_sha256": sha,
                      "person": {"last_name": f"Файлова{n}", "first_name": "Анна", "snils": "11223344595"},
                      "card": {"org_name": "ГБУЗ «ГКБ № 1»", "begin_date": "2020-01-01"}, "errors": []})
    store.worker.submit(lambda: remember_confirmations(store.repo, items))
    wait_worker_idle(qtbot, session)
    view.reload()
    qtbot.waitUntil(lambda: view.table.rowCount() == 4, timeout=10_000)

    def opened(row: int) -> PreviewDialog:
        view.table.selectRow(row)
        dialog = view.open_document()
        assert isinstance(dialog, PreviewDialog) and dialog.isVisible()
        qtbot.waitUntil(lambda: "Загрузка" not in dialog.status.text(), timeout=10_000)
        return dialog

    pdf = opened(0)
    assert len(pdf.images) == 2 and "Страниц: 2" in pdf.status.text()
    assert pdf.images[0].devicePixelRatio() == view.devicePixelRatioF()
    assert "Файлова0" in pdf.windowTitle()
    png = opened(1)
    assert len(png.images) == 1 and png.images[0].width() == 40
    assert not pdf.isVisible()  # one viewer at a time
    broken = opened(2)
    assert not broken.images and "PDF повреждён" in broken.status.text()
    unknown = opened(3)
    assert not unknown.images and "не является PDF, JPG или PNG" in unknown.status.text()
    unknown.close()
    # nothing chosen: said, no viewer
    view.table.clearSelection()
    assert view.open_document() is None and "Выберите один запрос" in view.status.text()


def _keep(repo: object, sha: str, data: bytes, mime: str) -> None:
    from desktop.models.repository import RecordRepository

    assert isinstance(repo, RecordRepository)
    with repo.vault.begin() as conn:
        repo._put_blob(conn, sha, data, mime)
