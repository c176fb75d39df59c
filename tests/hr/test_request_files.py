"""A request to a worker with a file (issue 13): ``frmr request send … --file`` against a real
server on loopback. The file is checked by its bytes before anything is queued, travels before
the request at the next sync, and the server lets the addressed worker and the organization
read it — nobody else, and naming a hash one never uploaded grants nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx

from desktop.models.repository import RecordRepository
from desktop.sync.api import CLIENT_SCHEMA
from desktop.vault.store import Vault
from tests.hr.conftest import PASS, frmr
from tests.hr.test_cli_server import clerk, ok

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def headers(db: Any, login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {db.session(login)['access_token']}", "X-Client-Schema": str(CLIENT_SCHEMA)}


def queued(prof: Path) -> int:
    with Vault.open(prof, PASS) as v:
        return len(RecordRepository(v).outbox())


def test_request_with_a_file_reaches_the_worker_only(server: dict[str, Any], tmp_path: Path) -> None:
    db, url = server["db"], server["url"]
    org, other_org = db.org(), db.org()
    pid, _ = db.person(org)
    worker = db.account("doctor", person_id=pid)
    stranger_pid, _ = db.person(other_org)
    stranger = db.account("doctor", person_id=stranger_pid)
    other_clerk = db.account("hr", org=other_org)
    prof = clerk(server, tmp_path, org)

    # bad files: refused before anything is queued, each with its reason
    text = tmp_path / "note.pdf"
    text.write_bytes(b"just text, not a PDF")
    fake = tmp_path / "scan.png"
    fake.write_bytes(PDF)
    big = tmp_path / "big.pdf"
    big.write_bytes(PDF + b"0" * (5 * 1024 * 1024))
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    before = queued(prof)
    for bad, says in ((text, "не PDF"), (fake, "по содержимому PDF"), (big, "больше 5 МБ"), (empty, "пуст"),
                      (tmp_path / "missing.pdf", "не прочитан")):
        cp = frmr(prof, "request", "send", pid, "kind=Документы", "--file", str(bad))
        assert cp.returncode == 1 and says in cp.stderr and cp.stdout == "", (bad.name, cp.stderr)
    assert queued(prof) == before

    doc = tmp_path / "приказ.pdf"
    doc.write_bytes(PDF)
    sha = hashlib.sha256(PDF).hexdigest()
    rid = ok(frmr(prof, "request", "send", pid, "kind=Документы", "text=Подпишите приказ", "--file", str(doc))).strip()
    ok(frmr(prof, "sync"))
    row = db.rows(pid)[rid]
    assert row["data"]["attachments"] == sha and row["data"]["kind"] == "Документы"
    ok(frmr(prof, "sync"))  # sent once: a second sync adds nothing
    assert [r for r in db.rows(pid).values() if r["entity"] == "request"] == [db.rows(pid)[rid]]

    got = httpx.get(f"{url}/blobs/{sha}", headers=headers(db, worker))
    assert got.status_code == 200 and got.content == PDF
    for outsider in (stranger, other_clerk):
        assert httpx.get(f"{url}/blobs/{sha}", headers=headers(db, outsider)).status_code == 404

    # the other organization's clerk names the file in a request to its own worker: refused,
    # and its worker still cannot read it
    r = httpx.post(f"{url}/persons/{stranger_pid}/request", headers=headers(db, other_clerk), json={"fields": {
        "org_inn": other_org.inn, "org_name": other_org.name, "kind": "Документы", "received_at": "2024-01-10",
        "status": "new", "attachments": sha}})
    assert r.status_code in (403, 422) and "Вложения" in r.text
    assert httpx.get(f"{url}/blobs/{sha}", headers=headers(db, stranger)).status_code == 404
    # not a hash at all
    r = httpx.post(f"{url}/persons/{stranger_pid}/request", headers=headers(db, other_clerk), json={"fields": {
        "org_inn": other_org.inn, "org_name": other_org.name, "kind": "Документы", "received_at": "2024-01-10",
        "status": "new", "attachments": "../../etc/passwd"}})
    assert r.status_code in (403, 422) and "Вложения" in r.text
