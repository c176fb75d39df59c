"""«Мой журнал» records the signatures a person makes (issue 18): the documents view's signing
path (document_tasks.sign_documents + store_signed) on a real vault with a real certificate."""

from __future__ import annotations

from pathlib import Path

from desktop.documents import testpki
from desktop.models.journal import local_entries
from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault
from desktop.views.documents import document_tasks as tasks


def _pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 750, "test")
    c.save()
    return buf.getvalue()


def test_signing_a_document_is_journaled(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "p", "signature-journal-passphrase")
    try:
        repo = RecordRepository(vault, user="tester", host="pc")
        doc_id = repo.add_document("upload", "Справка", _pdf())
        row = next(r for r in repo.list("document") if r["id"] == doc_id)
        issued = testpki.issue("Иванова Мария Петровна", key_kind="ec")
        todo = tasks.ToSign([dict(row)], [tasks.document_bytes(repo, row)], issued.p12("pw"))
        signed = tasks.sign_documents(todo, None, "pw", False, None, lambda *_a: None)
        assert not signed.result.failed
        new_ids = tasks.store_signed(repo, signed)
        assert len(new_ids) == 1
        signs = local_entries(repo, kind="signature")
        assert [(e["action"], e["entity_id"], e["fields"]) for e in signs] == [("sign", doc_id, ["pades"])]
        assert repo.verify_journal().ok
    finally:
        vault.close()
