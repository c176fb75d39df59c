"""Reads of personal data are journaled."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from tests.server.authz.calls import audit_count
from tests.server.authz.table import ORG0
from tests.server.authz.values import op, row_fields
from tests.server.authz.world import Mx


def test_reads_of_personal_data_are_journaled(mx: Mx) -> None:
    """Every answer that carries personal data leaves a read_personal_data entry for the caller."""
    w = mx.w
    b = mx.bundle("hr1", "staff")
    snils = w.get("admin", f"/persons/{b.pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    own_edu = w.get("doctor", "/record").json()["entities"]["education"][0]
    reads: list[tuple[str, str, Callable[[], httpx.Response], tuple[str, ...]]] = [
        ("hr1", "GET record", lambda: w.get("hr1", f"/persons/{b.pid}/record"), ("read_personal_data",)),
        ("doctor", "GET /record", lambda: w.get("doctor", "/record"), ("read_personal_data",)),
        ("hr1", "GET /persons?snils", lambda: w.get("hr1", "/persons", params={"snils": snils}),
         ("read_personal_data",)),
        ("manager", "GET staff", lambda: w.get("manager", f"/orgs/{ORG0}/staff"), ("read_personal_data",)),
        ("manager", "GET staff.csv", lambda: w.get("manager", f"/orgs/{ORG0}/staff.csv"),
         ("read_personal_data", "export")),
        ("hr2", "GET /sync/pull", lambda: w.get("hr2", "/sync/pull", params={"limit": 50}), ("read_personal_data",)),
        ("doctor", "GET /blobs", lambda: w.get("doctor", f"/blobs/{mx.own_blob['doctor']}"), ("read_personal_data",)),
        ("hr1", "GET confirmation history", lambda: w.get(
            "hr1", f"/employment/{b.rows[('employment', 'read')]}/confirmations"), ("read_personal_data",)),
        ("hr1", "GET request comments", lambda: w.get("hr1", f"/requests/{b.rows[('request', 'read')]}/comments"),
         ("read_personal_data",)),
        ("hr1", "GET /confirmations", lambda: w.get("hr1", "/confirmations", params={"status": ""}),
         ("read_personal_data",)),
        ("admin", "GET /admin/applications", lambda: w.get("admin", "/admin/applications"), ("read_personal_data",)),
        ("admin", "GET /admin/nmo", lambda: w.get("admin", "/admin/nmo"), ("read_personal_data",)),
        ("admin", "GET enrolments", lambda: w.get("admin", f"/programmes/{mx.journal_programme}/enrolments"),
         ("read_personal_data",)),
        ("doctor", "push conflict carrying theirs", lambda: w.post("doctor", "/sync/push", json={
            "client_id": str(uuid.uuid4()), "ops": [op("education", own_edu["id"], mx.p_doc, "create",
                                                      row_fields("education", ORG0)[0])]}), ("read_personal_data",)),
    ]
    # an answer with nobody in it carries no personal data: make sure each list has someone
    assert w.post("doctor", f"/programmes/{mx.journal_programme}/enrol").status_code in (201, 409)
    failures = []
    for login, what, fn, actions in reads:
        before = sum(audit_count(mx, login, a) for a in actions)
        r = fn()
        assert r.status_code == 200, (what, r.status_code, r.text[:200])
        if sum(audit_count(mx, login, a) for a in actions) <= before:
            failures.append(f"{what} by {login}: no {'/'.join(actions)} entry")
    assert not failures, "\n".join(failures)
