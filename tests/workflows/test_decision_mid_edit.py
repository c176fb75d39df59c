"""A decision arriving while the person is editing the same application (issue 14, races): the
doctor changes a filed application offline while the operator decides it. At the next sync the
decision stands, and the edit is not lost silently — it waits in «Отклонено сервером» (or as a
conflict) with the server's reason, and a notice tells the person."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hr.conftest import frmr
from tests.sync.proxy import FaultProxy
from tests.workflows.conftest import api, logged_in, ok


def test_decision_arrives_while_the_application_is_edited_offline(
        server: dict[str, Any], proxy: FaultProxy, tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    prof = logged_in(server, tmp_path, db.account("doctor", person_id=pid), "doc", url=proxy.url)
    app = ok(frmr(prof, "application", "new", "kind=periodic", "specialty_code=36")).strip()
    ok(frmr(prof, "application", "submit", app))
    ok(frmr(prof, "sync"))
    filed = json.loads(ok(frmr(prof, "show", "application", "--json")))[0]
    assert filed["status"] == "submitted" and filed["confirmation_number"]

    proxy.add("reset_request", "/", count=1000)  # offline: the person edits the filed application
    ok(frmr(prof, "edit", "application", app, "kind=primary"))
    with api(server, db.account("admin")) as c:  # meanwhile the operator decides it
        r = c.post(f"/admin/applications/{app}/decision", json={"status": "approved", "comment": "Допущен"})
        assert r.status_code == 200, r.text
    proxy.clear()
    frmr(prof, "sync")
    frmr(prof, "sync")

    # the decision stands, on the server and in the vault
    assert db.rows(pid)[app]["data"]["status"] == "approved"
    assert db.rows(pid)[app]["data"]["kind"] == "periodic"
    # the edit is not lost silently: it waits, refused with the server's reason, and is told
    rejected = json.loads(ok(frmr(prof, "rejected", "--json")))
    assert [(r["entity_id"], r["fields"]) for r in rejected] == [(app, {"kind": "primary"})]
    assert "изменить его нельзя" in rejected[0]["message"]
    assert json.loads(ok(frmr(prof, "conflicts", "--json"))) == []
    notes = json.loads(ok(frmr(prof, "notifications", "--unread", "--json")))
    about = sorted(n["kind"] for n in notes if n["entity_id"] == app)
    assert about == ["rejected", "status"]
    decided = next(n for n in notes if n["entity_id"] == app and n["kind"] == "status")
    assert "«Одобрено»" in decided["text"] and "Допущен" in decided["text"]
    refused = next(n for n in notes if n["entity_id"] == app and n["kind"] == "rejected")
    assert refused["text"].count("изменить его нельзя") == 1  # one reason, said once

    # the person lets the edit go: the vault shows the decided application as the server has it
    ok(frmr(prof, "discard", str(rejected[0]["id"])))
    mine = json.loads(ok(frmr(prof, "show", "application", "--json")))[0]
    assert (mine["status"], mine["kind"], mine["decision_comment"]) == ("approved", "periodic", "Допущен")
    assert frmr(prof, "application", "withdraw", app).returncode == 1  # decided: nothing to withdraw
