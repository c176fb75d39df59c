"""``frmr confirm`` against a real server: the checks run offline before anything is queued, the
document reaches the card's clerk, who opens it and decides through the API; the decision comes
back by sync into the card, its history and the notifications."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.hr.conftest import frmr
from tests.sync.proxy import FaultProxy
from tests.workflows.conftest import api, logged_in, ok

PDF = b"%PDF-1.4\n% employment contract\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_confirm_upload_checks_then_clerk_decides(server: dict[str, Any], proxy: FaultProxy, tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, eid = db.person(org, employment_status="draft")
    doctor = db.account("doctor", person_id=pid)
    prof = logged_in(server, tmp_path, doctor, "doc", url=proxy.url)
    today = dt.date.today()

    def upload(name: str, data: bytes, *details: str) -> tuple[int, dict[str, Any]]:
        f = tmp_path / name
        f.write_bytes(data)
        cp = frmr(prof, "confirm", "upload", eid, str(f), *details, "--json")
        return cp.returncode, json.loads(cp.stdout)

    # bad input: each refused with its reason, nothing queued
    code, out = upload("empty.pdf", b"")
    assert code == 1 and out["ok"] is False and "пуст" in out["errors"][0]
    code, out = upload("contract.pdf", b"not a pdf at all, just text")
    assert code == 1 and "не PDF, JPG или PNG" in out["errors"][0]
    code, out = upload("scan.png", PDF)
    assert code == 1 and "по содержимому PDF, а не PNG" in out["errors"][0]
    code, out = upload("big.pdf", PDF + b"0" * (5 * 1024 * 1024))
    assert code == 1 and "больше 5 МБ" in out["errors"][0]
    old = (today - dt.timedelta(days=91)).strftime("%d.%m.%Y")
    code, out = upload("c.pdf", PDF, f"doc_date={old}", "doc_org_inn=7707083893", "doc_begin_date=13.01.2015")
    assert code == 1 and out == {"ok": False, "errors": [
        f"ИНН организации в документе (7707083893) не совпадает с карточкой ({org.inn})",
        "Дата начала работы в документе (13.01.2015) не совпадает с карточкой (12.01.2015)",
        f"Документ старше 90 дней (от {old})"]}
    assert json.loads(ok(frmr(prof, "actions", "--json"))) == []

    # offline: the checks pass with the details pre-filled from the card, the document is queued
    proxy.add("reset_request", "/", count=1000)
    code, out = upload("Договор.PDF", PDF)
    assert (code, out) == (0, {"ok": True, "errors": []})
    again = frmr(prof, "confirm", "upload", eid, str(tmp_path / "Договор.PDF"))
    assert again.returncode == 1 and "уже ждёт отправки" in again.stdout
    hist = json.loads(ok(frmr(prof, "confirm", "history", eid, "--json")))
    assert [(h["source"], h["status"]) for h in hist] == [("local", "pending")]
    proxy.clear()
    ok(frmr(prof, "sync"))
    assert db.rows(pid)[eid]["data"]["status"] == "submitted"

    # the clerk of the card's organization opens the document and confirms it
    hr = db.account("hr", org=org)
    with api(server, hr) as c:
        items = c.get("/confirmations").json()["items"]
        assert [i["employment_id"] for i in items] == [eid] and items[0]["errors"] == []
        assert c.get(f"/blobs/{items[0]['blob_sha256']}").content == PDF
        r = c.post(f"/confirmations/{items[0]['id']}/decision", json={"decision": "confirm"})
        assert r.status_code == 200, r.text

    ok(frmr(prof, "sync"))
    shown = json.loads(ok(frmr(prof, "show", "employment", "--json")))
    assert [r["status"] for r in shown] == ["confirmed"]
    hist = json.loads(ok(frmr(prof, "confirm", "history", eid, "--json")))
    assert [(h["source"], h["status"]) for h in hist] == [("server", "confirmed")]
    notes = json.loads(ok(frmr(prof, "notifications", "--unread", "--json")))
    assert any(n["entity_id"] == eid and "«подтверждена»" in n["text"] for n in notes), notes
    code, out = upload("c2.pdf", PDF + b"%2")
    assert code == 1 and out["errors"] == ["Карточка уже подтверждена"]


def test_rejected_confirmation_is_resubmitted(server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, eid = db.person(org, employment_status="draft")
    prof = logged_in(server, tmp_path, db.account("doctor", person_id=pid), "doc")
    doc = tmp_path / "order.jpg"
    doc.write_bytes(b"\xff\xd8\xff\xe0 a scanned order")
    ok(frmr(prof, "confirm", "upload", eid, str(doc), "doc_kind=order"))
    ok(frmr(prof, "sync"))
    with api(server, db.account("hr", org=org)) as c:
        [item] = c.get("/confirmations").json()["items"]
        r = c.post(f"/confirmations/{item['id']}/decision", json={"decision": "reject", "comment": "Нечитаемо"})
        assert r.status_code == 200, r.text
    ok(frmr(prof, "sync"))
    assert [r["status"] for r in json.loads(ok(frmr(prof, "show", "employment", "--json")))] == ["rejected"]
    hist = json.loads(ok(frmr(prof, "confirm", "history", eid, "--json")))
    assert [(h["status"], h["comment"]) for h in hist] == [("rejected", "Нечитаемо")]
    (tmp_path / "order.pdf").write_bytes(PDF)  # a better copy
    ok(frmr(prof, "confirm", "upload", eid, str(tmp_path / "order.pdf"), "doc_kind=order"))
    ok(frmr(prof, "sync"))
    assert db.rows(pid)[eid]["data"]["status"] == "submitted"
    hist = json.loads(ok(frmr(prof, "confirm", "history", eid, "--json")))
    assert [h["status"] for h in hist] == ["rejected", "pending"]
