"""«Документы» and the НМО exports, driven through the real widgets of an unlocked demo record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.documents import testpki
from desktop.documents.archive import P12_SECRET
from desktop.documents.verify import verify
from desktop.i18n import tr
from desktop.vault import secrets
from desktop.views.access.settings_view import SettingsView
from desktop.views.documents.documents_model import KIND_ROLE, DocumentsModel
from desktop.views.documents.documents_view import DocumentsView
from desktop.views.record.nmo_view import NmoView
from desktop.views.shell.notifications_view import NotificationsModel, NotificationsView
from desktop.views.shell.session import Session

P12_PASS = "пароль-к-ключу"
WAIT = 20_000


@pytest.fixture(scope="module")
def pki() -> dict[str, testpki.Issued]:
    now = dt.datetime.now(dt.UTC)
    ca = testpki.issue("Тестовый УЦ", ca=True)
    return {
        "valid": testpki.issue("Иванова Мария Петровна", key_kind="ec", issuer=ca),
        "expired": testpki.issue("Просроченный Сертификат", key_kind="ec",
                                 not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=35)),
        "soon": testpki.issue("Скоро Истекает", key_kind="ec", not_after=now + dt.timedelta(days=10)),
    }


def docs_view(s: Session) -> DocumentsView:
    view = s.views["documents"]
    assert isinstance(view, DocumentsView)
    return view


def ok_button(box: QDialogButtonBox) -> None:
    btn = box.button(QDialogButtonBox.StandardButton.Ok)
    assert btn is not None and btn.isEnabled()
    btn.click()


def generate(qtbot: QtBot, view: DocumentsView, kind: str = "seniority") -> str:
    view.generate_button.click()
    dialog = view.generate_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.set_kind(kind)
    with qtbot.waitSignal(view.documents_stored, timeout=WAIT) as blocker:
        ok_button(dialog.buttons)
    return str(blocker.args[0][0])


def import_p12(qtbot: QtBot, view: DocumentsView, tmp_path: Path, issued: testpki.Issued,
               password: str = P12_PASS, keep: bool = False) -> None:
    path = tmp_path / "key.p12"
    path.write_bytes(issued.p12(P12_PASS))
    view.import_button.click()
    dialog = view.import_dialog
    assert dialog is not None
    dialog.path.setText(str(path))
    dialog.password.setText(password)
    dialog.keep.setChecked(keep)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled() or dialog.ok_button.isHidden(), timeout=WAIT)


def test_documents_model_passes_the_model_tester(qtmodeltester, qtbot: QtBot, opened: Session) -> None:  # type: ignore[no-untyped-def]
    view = docs_view(opened)
    qtmodeltester.check(view.model)
    generate(qtbot, view, "seniority")
    generate(qtbot, view, "extract")
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.proxy)
    assert opened.store is not None
    fresh = DocumentsModel(opened.store)
    opened.store.clear()
    assert fresh.rowCount() == 0
    qtmodeltester.check(fresh)


def test_generate_adds_a_row_and_filters_narrow(qtbot: QtBot, opened: Session) -> None:
    view = docs_view(opened)
    before = view.model.rowCount()
    rid = generate(qtbot, view, "seniority")
    assert view.model.rowCount() == before + 1
    row = view.model.row_by_id(rid)
    assert row is not None and row["kind"] == "seniority" and row["mime"] == "application/pdf"
    assert "Справка о медицинском стаже" in row["title"]
    assert [r["id"] for r in view.selected_rows()] == [rid]
    generate(qtbot, view, "extract")
    view.kind_filter.setCurrentIndex(view.kind_filter.findData("seniority"))
    kinds = {view.proxy.index(r, 0).data(KIND_ROLE) for r in range(view.proxy.rowCount())}
    assert kinds == {"seniority"}
    view.kind_filter.setCurrentIndex(0)
    view.signed_filter.setCurrentIndex(view.signed_filter.findData(True))
    assert view.proxy.rowCount() == 0
    view.signed_filter.setCurrentIndex(0)
    view.text_filter.setText("ВЫПИСКА")
    assert view.proxy.rowCount() == 1


def test_preview_renders_pages(qtbot: QtBot, opened: Session) -> None:
    view = docs_view(opened)
    generate(qtbot, view, "seniority")
    view.preview_button.click()
    # The window opens once the file is known to be local (one DB-worker check; a file only
    # the server has is downloaded first — tests/sync/test_documents_download.py).
    qtbot.waitUntil(lambda: view.preview_dialog is not None, timeout=WAIT)
    dialog = view.preview_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: bool(dialog.images), timeout=WAIT)
    assert dialog.images[0].width() > 500 and not dialog.page_labels[0].pixmap().isNull()


def test_batch_sign_with_one_password_verifies(qtbot: QtBot, opened: Session, tmp_path: Path,
                                               pki: dict[str, testpki.Issued]) -> None:
    view = docs_view(opened)
    import_p12(qtbot, view, tmp_path, pki["valid"])
    assert view.import_dialog is not None
    text = view.import_dialog.message.text()
    assert "Иванова Мария Петровна" in text and pki["valid"].cert.serial_number.__format__("X") in text
    a = generate(qtbot, view, "seniority")
    b = generate(qtbot, view, "extract")
    png = tmp_path / "scan.png"
    from PySide6.QtGui import QImage

    img = QImage(20, 20, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    img.save(str(png))
    with qtbot.waitSignal(view.documents_stored, timeout=WAIT) as up:
        view.upload_file(str(png))
    scan = str(up.args[0][0])
    view.select_ids([a, b, scan])
    assert len(view.selected_rows()) == 3
    steps: list[int] = []
    view._progress_relay.step.connect(lambda done, _t, _n: steps.append(done))
    view.sign_button.click()
    dialog = view.password_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.password.setText(P12_PASS)
    with qtbot.waitSignal(view.signing_finished, timeout=WAIT) as blocker:
        ok_button(dialog.buttons)
    signed = blocker.args[0]
    assert signed is not None and not signed.result.failed
    qtbot.waitUntil(lambda: steps == [1, 2, 3], timeout=WAIT)
    assert opened.store is not None
    repo = opened.store.repo
    new = [r for r in view.model.all_rows() if r["signed"]]
    assert len(new) == 3
    pdfs = [r for r in new if r["mime"] == "application/pdf"]
    assert len(pdfs) == 2 and all("Иванова Мария Петровна" in r["signature_info"] for r in pdfs)
    blobs = _result(qtbot, opened, lambda: [repo.get_blob(r["blob_sha256"]) for r in pdfs])
    assert all(b is not None and verify(b).valid for b in blobs)
    # The archive check through the view: a signed PDF and the scan's detached .sig.
    sig_row = next(r for r in new if r["kind"] == "signature")
    for rid in (pdfs[0]["id"], sig_row["id"]):
        view.select_ids([rid])
        with qtbot.waitSignal(view.verified, timeout=WAIT) as v:
            view.verify_button.click()
        assert v.args[0].valid
        assert view.verify_dialog is not None and "действительны" in view.verify_dialog.verdict.text()


def _result(qtbot: QtBot, s: Session, fn):  # type: ignore[no-untyped-def]
    assert s.store is not None
    box: list[object] = []
    s.store.worker.submit(fn, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=WAIT)
    return box[0]


def test_tampered_file_from_disk_is_reported(qtbot: QtBot, opened: Session, tmp_path: Path,
                                             pki: dict[str, testpki.Issued]) -> None:
    from desktop.documents.pdf import generate as make
    from desktop.documents.signing import load_p12, sign_pdf

    signer = load_p12(pki["valid"].p12(P12_PASS), P12_PASS)
    data = bytearray(sign_pdf(signer, make("seniority", _snapshot(opened)).pdf).data)
    # A flipped byte inside the first compressed stream: covered by the signature, parses fine.
    i = data.index(b"stream", data.index(b"/FlateDecode")) + 40
    data[i] = data[i] ^ 0x01
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(data))
    view = docs_view(opened)
    with qtbot.waitSignal(view.verified, timeout=WAIT) as v:
        view.verify_file(str(path))
    assert not v.args[0].valid
    assert view.verify_dialog is not None and "НЕДЕЙСТВИТЕЛЬНА" in view.verify_dialog.details.toPlainText()
    assert "недействительна" in view.verify_dialog.verdict.text()


def _snapshot(s: Session) -> dict:  # type: ignore[type-arg]
    from desktop.views.documents.document_tasks import snapshot_of

    assert s.store is not None
    return snapshot_of(s.store)


def test_expired_certificate_blocks_signing_with_dates(qtbot: QtBot, opened: Session,
                                                       pki: dict[str, testpki.Issued]) -> None:
    view = docs_view(opened)
    rid = generate(qtbot, view, "seniority")
    assert opened.store is not None
    vault = opened.store.repo.vault
    # A certificate that expired after its import: the vault holds it, signing must refuse.
    _result(qtbot, opened, lambda: secrets.put_secret(vault, P12_SECRET, pki["expired"].p12(P12_PASS)))
    rows = view.model.rowCount()
    view.select_ids([rid])
    view.sign_button.click()
    assert view.password_dialog is not None
    view.password_dialog.password.setText(P12_PASS)
    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as blocker:
        ok_button(view.password_dialog.buttons)
    text = blocker.args[0]
    cert = pki["expired"].cert
    assert "истёк" in text
    assert cert.not_valid_before_utc.strftime("%d.%m.%Y") in text and cert.not_valid_after_utc.strftime(
        "%d.%m.%Y") in text
    assert view.message_box is not None and view.message_box.text() == text
    qtbot.waitUntil(lambda: view.progress is None)
    assert view.model.rowCount() == rows  # nothing stored


def test_import_refuses_wrong_password_and_expired(qtbot: QtBot, opened: Session, tmp_path: Path,
                                                   pki: dict[str, testpki.Issued]) -> None:
    view = docs_view(opened)
    import_p12(qtbot, view, tmp_path, pki["valid"], password="не тот")
    assert view.import_dialog is not None
    assert view.import_dialog.message.text() == "Неверный пароль к файлу сертификата."
    view.import_dialog.close()
    import_p12(qtbot, view, tmp_path, pki["expired"])
    assert view.import_dialog is not None and "Срок действия сертификата истёк" in view.import_dialog.message.text()
    damaged = tmp_path / "damaged.p12"
    damaged.write_bytes(b"\x30\x82garbage" * 10)
    view.import_dialog.path.setText(str(damaged))
    view.import_dialog.password.setText(P12_PASS)
    view.import_dialog.ok_button.click()
    qtbot.waitUntil(lambda: "повреждён" in view.import_dialog.message.text(), timeout=WAIT)  # type: ignore[union-attr]
    no_key = tmp_path / "cert-only.p12"
    no_key.write_bytes(pki["valid"].p12(P12_PASS, with_key=False))
    view.import_dialog.path.setText(str(no_key))
    view.import_dialog.password.setText(P12_PASS)
    view.import_dialog.ok_button.click()
    qtbot.waitUntil(lambda: "нет закрытого ключа" in view.import_dialog.message.text(),  # type: ignore[union-attr]
                    timeout=WAIT)
    assert view.cert is None  # nothing imported
    assert "не импортирован" in view.cert_label.text()


def test_expiring_certificate_is_a_notification_and_kept_key_is_forgotten_on_lock(
        qtbot: QtBot, opened: Session, tmp_path: Path, pki: dict[str, testpki.Issued]) -> None:
    view = docs_view(opened)
    import_p12(qtbot, view, tmp_path, pki["soon"], keep=True)
    assert view._keys is not None and view._keys.get() is not None
    notifications = opened.views["reminders"].model  # type: ignore[attr-defined]
    assert isinstance(notifications, NotificationsModel)
    texts = [notifications.index(r, 0).data() for r in range(notifications.rowCount())]
    assert "Сертификат электронной подписи" in texts
    keys = view._keys
    opened.lock()
    assert keys.get() is None


def test_upload_refuses_other_files(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    view = docs_view(opened)
    rows = view.model.rowCount()
    fake = tmp_path / "справка.pdf"  # a PDF by name only
    fake.write_text("это не PDF", encoding="utf-8")
    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as blocker:
        view.upload_file(str(fake))
    assert "допустимы только PDF, JPG и PNG" in blocker.args[0]
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 1))
    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as blocker:
        view.upload_file(str(big))
    assert "слишком большой" in blocker.args[0]
    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as blocker:
        view.upload_file(str(tmp_path / "нет такого.png"))
    assert "Не удалось открыть файл" in blocker.args[0]
    assert view.model.rowCount() == rows


def test_download_writes_the_stored_bytes(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    view = docs_view(opened)
    rid = generate(qtbot, view, "seniority")
    row = view.model.row_by_id(rid)
    assert row is not None
    out = tmp_path / "out.pdf"
    view.download_to(row, str(out))
    qtbot.waitUntil(out.exists, timeout=WAIT)
    import hashlib

    assert hashlib.sha256(out.read_bytes()).hexdigest() == row["sha256"]
    # «Мой журнал»: the download is an export — its kind and format, not the file's name.
    from desktop.models.journal import local_entries

    store = opened.store
    assert store is not None
    repo = store.repo
    got: list[object] = []

    def exports() -> None:
        store.worker.submit(lambda: [e for e in local_entries(repo) if e["action"] == "export"], got.append)

    def journaled() -> bool:
        if got and got[-1]:
            return True
        exports()
        return False

    qtbot.waitUntil(journaled, timeout=WAIT)
    entry = got[-1][0]  # type: ignore[index]
    assert entry["fields"] == ["pdf"] and "out.pdf" not in str(entry)


def test_nmo_xlsx_export_reads_back(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = opened.window.current_page()
    nmo = page.select("НМО")  # type: ignore[union-attr]
    assert isinstance(nmo, NmoView)
    total = nmo.table.proxy.rowCount()
    nmo.table.filter.setText("пневмония")  # searched in the vault after a pause in typing
    qtbot.waitUntil(lambda: nmo.table.proxy.rowCount() < total, timeout=WAIT)
    shown = nmo.table.proxy.rowCount()
    assert 0 < shown < total
    out = tmp_path / "nmo.xlsx"
    with qtbot.waitSignal(nmo.export_bar.exported, timeout=WAIT):
        nmo.export_bar.export("xlsx", str(out))
    ws = load_workbook(out).active
    assert ws is not None
    assert ws.cell(1, 1).value == "Дата"
    data_rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if isinstance(r[0], dt.datetime | dt.date)]
    assert len(data_rows) == shown
    pdf = tmp_path / "nmo.pdf"
    with qtbot.waitSignal(nmo.export_bar.exported, timeout=WAIT):
        nmo.export_bar.pdf_button.setEnabled(True)
        nmo.export_bar.export("pdf", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_paint_pages_prints_every_page(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from desktop.documents.pdf import generate as make
    from desktop.views.widgets.pdf_preview import paint_pages, render_pdf

    images = render_pdf(make("extract", _snapshot(opened)).pdf, dpi=50)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert paint_pages(printer, images) == len(images) >= 1
    assert out.read_bytes().startswith(b"%PDF-")


def test_cli_cert_import_then_sign_from_the_vault(qtbot: QtBot, made, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  pki: dict[str, testpki.Issued],
                                                  monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from desktop.cli.documents import main
    from tests.gui.conftest import PASS

    p12 = tmp_path / "key.p12"
    p12.write_bytes(pki["valid"].p12(P12_PASS))
    monkeypatch.setenv("FRMR_PASSPHRASE", PASS)
    monkeypatch.setenv("FRMR_P12_PASSWORD", "не тот")
    assert main(["--profile", str(made.folder), "cert", "import", str(p12)]) == 2
    assert "Неверный пароль" in capsys.readouterr().err
    monkeypatch.setenv("FRMR_P12_PASSWORD", P12_PASS)
    assert main(["--profile", str(made.folder), "cert", "import", str(p12)]) == 0
    out = tmp_path / "signed.pdf"
    assert main(["--profile", str(made.folder), "doc", "generate", "seniority", "--sign", "--out", str(out)]) == 0
    assert verify(out.read_bytes()).valid


def test_trust_roots_from_settings_make_a_ca_signature_trusted(qtbot: QtBot, opened: Session, tmp_path: Path,
                                                               pki: dict[str, testpki.Issued]) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from desktop.documents.pdf import generate as make
    from desktop.documents.signing import load_p12, sign_pdf

    signer = load_p12(pki["valid"].p12(P12_PASS), P12_PASS)
    path = tmp_path / "signed.pdf"
    path.write_bytes(sign_pdf(signer, make("seniority", _snapshot(opened)).pdf).data)
    view = docs_view(opened)
    with qtbot.waitSignal(view.verified, timeout=WAIT) as v:
        view.verify_file(str(path))
    assert v.args[0].valid and not v.args[0].trusted  # no trust roots configured yet
    ca = pki["valid"].chain[-1]
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.public_bytes(Encoding.PEM))
    settings = opened.views["settings"]
    assert isinstance(settings, SettingsView)
    settings.trust_roots.setText(str(tmp_path / "missing.pem"))
    settings.save()
    assert "не найден" in settings.saved_label.text()
    settings.trust_roots.setText(str(roots))
    settings.tsa_url.setText("ftp://tsa.example")
    settings.save()
    assert "http://" in settings.saved_label.text()
    settings.tsa_url.setText("")
    settings.save()
    assert settings.saved_label.text() == tr("Настройки сохранены.")
    with qtbot.waitSignal(view.verified, timeout=WAIT) as v:
        view.verify_file(str(path))
    assert v.args[0].valid and v.args[0].trusted


def test_nmo_rule_from_settings_is_the_same_on_screen_in_reminders_and_in_the_pdf(
        qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    from desktop.views.documents import document_tasks as tasks
    from tests.documents.conftest import pdftotext

    page = opened.window.current_page()
    nmo = page.select("НМО")  # type: ignore[union-attr]
    assert isinstance(nmo, NmoView)
    settings = opened.views["settings"]
    assert isinstance(settings, SettingsView)
    # A stricter rule than the default (144 / 74 / 70), as a person would set it.
    settings.nmo_total.setValue(500)
    settings.nmo_program.setValue(300)
    settings.nmo_other.setValue(200)
    settings.save()
    total_label = nmo.bars["total"][0].text()
    assert "из 500 ЗЕТ" in total_label and "не хватает" in total_label
    assert "из 300 ЗЕТ" in nmo.bars["program"][0].text()
    reminders = opened.views["reminders"]
    assert isinstance(reminders, NotificationsView)
    notes = reminders.model
    have = total_label.split(" из ")[0].replace(",", ".")
    assert notes.nmo_short == 500 - Decimal(have)  # the reminder counts the same shortfall
    view = docs_view(opened)
    rid = generate(qtbot, view, "nmo")
    assert opened.store is not None
    row = next(r for r in opened.store.rows("document") if r["id"] == rid)
    data = _result(qtbot, opened, lambda: tasks.document_bytes(opened.store.repo, row))  # type: ignore[union-attr]
    pdf = tmp_path / "nmo.pdf"
    pdf.write_bytes(data)  # type: ignore[arg-type]
    text = pdftotext(pdf, flat=True)
    cycle = nmo.cycle_label.text().split(": ", 1)[1]
    assert f"Цикл: {cycle}" in text  # the same cycle dates as the section shows
    assert "Всего ЗЕТ 500" in text and "Программы повышения квалификации 300" in text
