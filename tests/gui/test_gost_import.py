"""Issue 19 in the GUI: the certificate import dialog names a КриптоПро container, a folder, a
token or a certificate without its key (with what to export instead), imports a real ГОСТ
PKCS#12, and a ГОСТ batch stops on «Отмена» with the documents signed by then kept."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.documents import gost_keys
from desktop.documents.verify import verify
from desktop.i18n import tr, translations
from desktop.views.documents import cert_dialogs
from desktop.views.documents.cert_dialogs import KEY_FILTER, CertImportDialog
from desktop.views.documents.documents_view import DocumentsView
from desktop.views.shell.session import Session
from tests.documents.test_gost import GostPki, gpki  # noqa: F401 - the session fixture (OpenSSL GOST PKI)

P12_PASS = "пароль-к-ключу"
WAIT = 30_000


def docs_view(s: Session) -> DocumentsView:
    view = s.views["documents"]
    assert isinstance(view, DocumentsView)
    return view


def open_dialog(view: DocumentsView) -> CertImportDialog:
    view.import_button.click()
    dialog = view.import_dialog
    assert dialog is not None
    return dialog


def submit(qtbot: QtBot, dialog: CertImportDialog, path: str, password: str = "") -> str:
    dialog.path.setText(path)
    dialog.password.setText(password)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled() or dialog.ok_button.isHidden(), timeout=WAIT)
    return dialog.message.text()


def cryptopro_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "ivanova.000"
    folder.mkdir()
    for name in ("header.key", "primary.key", "masks.key", "name.key"):
        (folder / name).write_bytes(b"\x30\x03\x02\x01\x00")
    return folder


def test_import_dialog_names_what_needs_a_crypto_provider(qtbot: QtBot, opened: Session, tmp_path: Path,
                                                          gpki: GostPki) -> None:  # noqa: F811
    view = docs_view(opened)
    dialog = open_dialog(view)
    folder = cryptopro_folder(tmp_path)
    assert submit(qtbot, dialog, str(folder / "header.key")) == gost_keys.CRYPTOPRO_MESSAGE
    assert submit(qtbot, dialog, str(folder)) == gost_keys.CRYPTOPRO_MESSAGE
    assert submit(qtbot, dialog, str(tmp_path)) == gost_keys.FOLDER_MESSAGE
    assert submit(qtbot, dialog, "pkcs11:token=Rutoken%20ECP;object=ivanova") == gost_keys.TOKEN_MESSAGE
    cer = tmp_path / "ivanova.cer"
    cer.write_bytes(gpki.s256.cert_pem)
    text = submit(qtbot, dialog, str(cer))
    assert text == gost_keys.CERT_ONLY_MESSAGE and "ГОСТ" in text and ".pfx" in text
    assert dialog.message.styleSheet() == cert_dialogs.ERROR_STYLE
    # Nothing was imported: the view still has no certificate to sign with.
    assert "импортирован" not in view.banner.text()


def test_picking_a_file_tells_at_once_and_the_filter_offers_key_files(
        qtbot: QtBot, opened: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    view = docs_view(opened)
    dialog = open_dialog(view)
    folder = cryptopro_folder(tmp_path)
    asked: list[str] = []

    def pick(_parent: object, _title: str, _dir: str, filters: str) -> tuple[str, str]:
        asked.append(filters)
        return str(folder / "masks.key"), ""

    monkeypatch.setattr(cert_dialogs.QFileDialog, "getOpenFileName", staticmethod(pick))
    dialog._browse()
    assert dialog.path.text() == str(folder / "masks.key")
    qtbot.waitUntil(lambda: dialog.message.text() == gost_keys.CRYPTOPRO_MESSAGE, timeout=WAIT)
    assert dialog.message.isVisible()
    assert asked and all(f"*.{ext}" in asked[0] for ext in ("p12", "pfx", "pem", "key", "crt", "cer"))
    assert "Все файлы (*)" in asked[0]


def test_new_texts_have_english_translations() -> None:
    catalog = translations("en")
    for text in (*gost_keys.KEY_SOURCE_MESSAGES, KEY_FILTER, "Файл .p12/.pfx или PEM с закрытым ключом",
                 "Подписание отменено: подписано {n} из {total}.", "Отмена"):
        assert catalog.get(text), text
    assert "All files (*)" in catalog[KEY_FILTER]


def test_gost_import_then_batch_cancelled_keeps_the_signed(qtbot: QtBot, opened: Session, tmp_path: Path,
                                                           gpki: GostPki) -> None:  # noqa: F811
    view = docs_view(opened)
    dialog = open_dialog(view)
    p12 = tmp_path / "s256.pfx"
    p12.write_bytes(gpki.s256.p12(P12_PASS, gost_pbe=True))  # the ТК26 PKCS#12 КриптоПро exports
    text = submit(qtbot, dialog, str(p12), P12_PASS)
    assert "Сертификат импортирован." in text and "Щербакова" in text, text
    dialog.close()

    from PySide6.QtGui import QImage

    ids, scans = [], []
    for i in range(4):
        path = tmp_path / f"scan-{i}.png"
        img = QImage(10 + i, 10, QImage.Format.Format_RGB32)
        img.fill(Qt.GlobalColor.white)
        assert img.save(str(path))
        scans.append(path.read_bytes())
        with qtbot.waitSignal(view.documents_stored, timeout=WAIT) as up:
            view.upload_file(str(path))
        ids.append(str(up.args[0][0]))
    view.select_ids(ids)
    assert len(view.selected_rows()) == 4
    before = {r["id"] for r in view.model.all_rows()}

    # «Отмена» is clicked in the progress dialog once two documents are signed; the pool thread
    # waits at the second one's progress until it has been, so the batch stops exactly after two.
    clicked = threading.Event()

    def on_step_gui(done: int, _total: int, _name: str) -> None:
        if done == 2 and view.progress is not None:
            button = view.progress.findChild(cert_dialogs.QPushButton)
            assert button is not None and button.text() == tr("Отмена")
            button.click()
            clicked.set()

    def on_step_worker(done: int, _total: int, _name: str) -> None:
        if done == 2:
            clicked.wait(10)

    view._progress_relay.step.connect(on_step_gui)
    view._progress_relay.step.connect(on_step_worker, Qt.ConnectionType.DirectConnection)
    try:
        view.sign_button.click()
        pw = view.password_dialog
        assert pw is not None
        pw.password.setText(P12_PASS)
        with qtbot.waitSignal(view.signing_finished, timeout=WAIT) as blocker:
            pw.buttons.button(pw.buttons.StandardButton.Ok).click()
    finally:
        view._progress_relay.step.disconnect(on_step_gui)
        view._progress_relay.step.disconnect(on_step_worker)
    signed = blocker.args[0]
    assert clicked.is_set() and signed is not None
    assert signed.result.cancelled and len(signed.result.items) == 2 and not signed.result.failed
    assert "Подписание отменено: подписано 2 из 4." in view.banner.text()
    new = [r for r in view.model.all_rows() if r["id"] not in before]
    titles = sorted(r["title"] for r in new)
    assert titles == sorted(f"{i.name}.sig" for i in signed.result.items) and len(titles) == 2
    assert opened.store is not None
    repo = opened.store.repo
    box: list[object] = []
    opened.store.worker.submit(lambda: [repo.get_blob(r["blob_sha256"]) for r in new], box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=WAIT)
    sigs = box[0]
    assert isinstance(sigs, list)
    by_title = {r["title"]: s for r, s in zip(new, sigs, strict=True)}
    for title, sig in by_title.items():
        assert isinstance(sig, bytes)
        i = int(title.removeprefix("scan-").removesuffix(".png.sig"))
        assert verify(scans[i], sig, gpki.roots()).valid
    assert view.progress is None  # the progress dialog is closed
