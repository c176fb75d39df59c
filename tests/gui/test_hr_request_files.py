"""«Запрос работнику» with files, through the real dialog on a real vault (issue 13): a file
that is not PDF/JPG/PNG by its bytes is refused with the reason and nothing is queued; a PDF
goes with the request — its blob kept in the vault for the next sync, its hash on the row."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.views.hr.request_dialog import RequestDialog
from desktop.views.shell.session import Session
from tests.gui.test_hr_workspace import open_hr

PDF = b"%PDF-1.4\n%%EOF\n"


def test_request_dialog_attaches_checked_files(qtbot: QtBot, session: Session, profiles: Path,
                                               tmp_path: Path) -> None:
    view = open_hr(qtbot, session, profiles)
    store = session.store
    assert store is not None
    view.table.selectRow(0)
    card = view.open_current()
    assert card is not None
    qtbot.waitUntil(lambda: card.data is not None, timeout=5_000)
    dialog = card.send_request()
    assert isinstance(dialog, RequestDialog)
    dialog.kind.setCurrentIndex(1)
    fake = tmp_path / "диплом.pdf"
    fake.write_bytes(b"GIF89a not a pdf")
    dialog.set_files([str(fake)])
    assert dialog.files_label.text() == "диплом.pdf" and dialog.clear_files.isEnabled()
    before = len(store.repo.outbox())
    dialog.send()
    qtbot.waitUntil(lambda: "не PDF, JPG или PNG" in dialog.status.text(), timeout=5_000)
    assert len(store.repo.outbox()) == before and dialog.isVisible()

    good = tmp_path / "приказ.pdf"
    good.write_bytes(PDF)
    dialog.set_files([str(good)])
    with qtbot.waitSignal(dialog.sent, timeout=5_000) as sent:
        dialog.send()
    rid = sent.args[0][0]
    row = store.repo.get("request", rid)
    sha = hashlib.sha256(PDF).hexdigest()
    assert row is not None and row["attachments"] == sha
    assert store.repo.get_blob(sha) == PDF
    card.close()
