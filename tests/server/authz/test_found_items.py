"""The "Found" list of issue 11, items 1–8, one focused test each."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

from sqlmodel import Session

from server.db import in_write_tx
from server.models import Confirmation
from tests.server.authz.calls import audit_count, call, new_person, outsider, push_one, record_version
from tests.server.authz.table import ORG0, ORG1, ROLE
from tests.server.authz.values import (
    MARKER_RE,
    new_snils,
    norm,
    op,
    pdf,
    person_fields,
    phone,
    row_fields,
    today,
    tok,
    without_op_id,
)
from tests.server.authz.world import Mx


def test_item1_create_conflict_does_not_leak(mx: Mx) -> None:
    """1. A create with the id of an existing row: no `theirs` before the permission check."""
    w = mx.w
    pid, markers = new_person(mx, ORG1)  # staff of ORG1 only: hidden from the manager, hr1, the doctor
    snils = w.get("admin", f"/persons/{pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    # hr1 learns the id by СНИЛС (by design), then tries the conflict
    found = w.get("hr1", "/persons", params={"snils": snils})
    assert found.status_code == 200 and found.json()["person_id"] == pid
    assert not set(markers) & set(MARKER_RE.findall(found.text)), found.text
    failures = []
    for login in ("manager", "hr1", "doctor"):
        f, _ = person_fields()
        res = push_one(w, login, op("person", pid, pid, "create", f))
        ghost_id = str(uuid.uuid4())
        twin = push_one(w, login, op("person", ghost_id, ghost_id, "create", f | {"snils": new_snils()}))
        text = json.dumps(res, ensure_ascii=False)
        if res["status"] != "rejected" or "theirs" in text or set(markers) & set(MARKER_RE.findall(text)):
            failures.append(f"{login}: create person with an unreadable id answers {text[:300]}")
        if ROLE[login] != "hr" and without_op_id(res) != without_op_id(twin):
            failures.append(f"{login}: differs from a new id: {without_op_id(res)} vs {without_op_id(twin)}")
        # a child row with the id of the person's card, the same
        rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]
        card = rec["employment"][0]["id"]
        res = push_one(w, login, op("employment", card, pid, "create", row_fields("employment", ORG0)[0]))
        if "theirs" in json.dumps(res) or res["status"] != "rejected":
            failures.append(f"{login}: create employment with an unreadable card's id answers {res}")
    # a conflict that does carry a row (the doctor's own) is a read of personal data: journaled
    before = audit_count(mx, "doctor", "read_personal_data")
    own_edu = w.get("doctor", "/record").json()["entities"]["education"][0]
    res = push_one(w, "doctor", op("education", own_edu["id"], mx.p_doc, "create",
                                   row_fields("education", ORG0)[0]))
    if res["status"] == "conflict" and res["conflicts"]["_exists"].get("theirs"):
        if audit_count(mx, "doctor", "read_personal_data") <= before:
            failures.append("a conflict carrying the doctor's own row ('theirs') is not journaled "
                            "as read_personal_data")
    assert not failures, "\n".join(failures)


def test_item2_hr_cannot_change_snils(mx: Mx) -> None:
    """2. СНИЛС is the operator's: not an HR clerk's, on a staff person or one it entered."""
    w = mx.w
    failures = []
    staff, _ = new_person(mx, ORG0)
    authored, _ = new_person(mx, None, author="hr1")
    for pid in (staff, authored):
        before = record_version(mx, pid)
        res = push_one(w, "hr1", op("person", pid, pid, "update", {"snils": new_snils()}, 1))
        if res["status"] != "rejected" or "_permission" not in (res.get("errors") or {}):
            failures.append(f"push: hr1 changing СНИЛС of {pid} answers {res}")
        r = w.patch("hr1", f"/persons/{pid}/person/{pid}", json={"fields": {"snils": new_snils()}})
        if r.status_code != 403:
            failures.append(f"PATCH: hr1 changing СНИЛС of {pid} answers {r.status_code} {r.text[:200]}")
        if record_version(mx, pid) != before:
            failures.append(f"the person {pid} changed: {before} -> {record_version(mx, pid)}")
    # the operator may
    res = push_one(w, "admin", op("person", staff, staff, "update", {"snils": new_snils()}, 0))
    assert res["status"] in ("applied", "conflict"), res
    assert not failures, "\n".join(failures)


def test_item3_draft_card_brings_nobody_into_scope(mx: Mx) -> None:
    """3. An HR clerk's draft card for a person known elsewhere gives it nothing but the card."""
    w = mx.w
    pid, markers = new_person(mx, ORG1)
    edu = str(uuid.uuid4())
    ef, edu_markers = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", edu, pid, "create", ef))["status"] == "applied"
    snils = w.get("admin", f"/persons/{pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    found = w.get("hr1", "/persons", params={"snils": snils}).json()
    assert set(found["fields"]) <= {"snils", "last_name", "first_name", "patronymic", "birth_date"}, found
    fields = {k: v for k, v in row_fields("employment", ORG0)[0].items() if k not in ("org_inn", "org_name", "status")}
    r = w.post("hr1", f"/orgs/{ORG0}/employment", json={"person_id": pid, "fields": fields})
    assert r.status_code == 201, r.text
    card = r.json()["id"]
    hidden = set(markers) | set(edu_markers)
    person_before = record_version(mx, pid)
    failures = []

    def leak(what: str, text: str) -> None:
        if hidden & set(MARKER_RE.findall(text)):
            failures.append(f"{what} leaks {sorted(hidden & set(MARKER_RE.findall(text)))}")

    r = w.get("hr1", f"/persons/{pid}/record")
    if r.status_code != 404:
        failures.append(f"GET record after a draft card: {r.status_code}")
    leak("GET record", r.text)
    g = str(uuid.uuid4())
    rt = w.get("hr1", f"/persons/{g}/record")
    if norm(rt.text) != norm(r.text):
        failures.append(f"GET record differs from a non-existent person: {r.text[:200]} vs {rt.text[:200]}")
    r = w.patch("hr1", f"/persons/{pid}/person/{pid}", json={"fields": {"phone": phone()}})
    if r.status_code != 404:
        failures.append(f"PATCH person after a draft card: {r.status_code} {r.text[:200]}")
    res = push_one(w, "hr1", op("person", pid, pid, "update", {"phone": phone()}, 1))
    twin = push_one(w, "hr1", op("person", g, g, "update", {"phone": phone()}, 1))
    if without_op_id(res) != without_op_id(twin):
        failures.append(f"push update person after a draft card: {res} vs non-existent {twin}")
    res = push_one(w, "hr1", op("education", edu, pid, "update", {"qualification": tok()}, 1))
    if res["status"] != "rejected":
        failures.append(f"push update of the person's education after a draft card: {res}")
    leak("pull", w.get("hr1", "/sync/pull", params={"limit": 5000}).text)
    staff = w.get("hr1", f"/orgs/{ORG0}/staff", params={"page_size": 500, "q": snils})
    leak("staff list", staff.text)
    items = [i for i in staff.json().get("items", []) if i["person_id"] == pid]
    if not items:
        failures.append("the clerk's own draft card is not in its staff list (docs: it sees that card, name, СНИЛС)")
    leak("staff.csv", w.get("hr1", f"/orgs/{ORG0}/staff.csv").text)
    # the card is the clerk's: it may delete it, and leaves nothing changed behind
    r = w.delete("hr1", f"/persons/{pid}/employment/{card}")
    if r.status_code != 200:
        failures.append(f"deleting its own draft card: {r.status_code} {r.text[:200]}")
    if record_version(mx, pid) != person_before:
        failures.append(f"the person changed: {person_before} -> {record_version(mx, pid)}")
    assert not failures, "\n".join(failures)


def test_item4_document_row_grants_no_file(mx: Mx) -> None:
    """4. Naming a hash in a document row or a push's blobs grants nothing."""
    w = mx.w
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h("doctor2")).status_code == 201
    ghost_sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    failures = []
    df, _ = row_fields("document", "")
    res = push_one(w, "doctor", op("document", str(uuid.uuid4()), mx.p_doc, "create",
                                   df | {"blob_sha256": sha, "sha256": sha}, blobs=[sha]))
    twin = push_one(w, "doctor", op("document", str(uuid.uuid4()), mx.p_doc, "create",
                                    df | {"blob_sha256": ghost_sha, "sha256": ghost_sha}, blobs=[ghost_sha]))
    if res["status"] != "rejected":
        failures.append(f"a push naming someone else's file in blobs is {res['status']}")
    elif norm(without_op_id(res)) != norm(without_op_id(twin)):
        failures.append(f"naming someone else's file differs from naming a missing one: {res} vs {twin}")
    # the row without a blobs list: stored or not, it opens nothing
    push_one(w, "doctor", op("document", str(uuid.uuid4()), mx.p_doc, "create",
                             df | {"blob_sha256": sha, "sha256": sha}))
    for login in ("doctor", "hr1", "manager"):
        r, rt = w.get(login, f"/blobs/{sha}"), w.get(login, f"/blobs/{ghost_sha}")
        if r.status_code != 404 or norm(r.text) != norm(rt.text):
            failures.append(f"{login} reads a file named by the doctor's document row: {r.status_code}")
        h = w.client.head(f"/blobs/{sha}", headers=w.h(login))
        if h.status_code != 404:
            failures.append(f"HEAD by {login}: {h.status_code}")
    assert not failures, "\n".join(failures)


def test_item5_other_orgs_comments_and_history(mx: Mx) -> None:
    """5. A clerk of another organization reads neither the request comments nor the confirmation
    history of a card of ORG0, for a person it has only a draft card for."""
    w = mx.w
    pid, markers = new_person(mx, ORG0)
    # ORG1 only has a draft card for the person (filed by the operator for it)
    cf, _ = row_fields("employment", ORG1, "draft")
    assert push_one(w, "admin", op("employment", str(uuid.uuid4()), pid, "create", cf))["status"] == "applied"
    rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]
    card = next(c["id"] for c in rec["employment"] if c["fields"]["org_inn"] == ORG0)
    r = w.post("admin", f"/orgs/{ORG0}/requests", json={"person_id": pid, "kind": "Запрос", "text": tok()})
    assert r.status_code == 201, r.text
    req = r.json()["id"]
    secret = tok()
    assert w.post("hr1", f"/requests/{req}/comments", json={"text": secret}).status_code == 201
    hist = tok()

    def tx(s: Session) -> None:
        s.add(Confirmation(id=str(uuid.uuid4()), employment_id=card, person_id=pid, org_inn=ORG0, blob_sha256="0" * 64,
                           doc_kind="order", doc_org_inn=ORG0, doc_org_name="x", doc_begin_date="2023-01-01",
                           doc_date="2023-01-01", status="rejected", comment=hist, created_at=time.time()))

    in_write_tx(mx.engine, tx)
    assert secret in w.get("hr1", f"/requests/{req}/comments").text
    assert hist in w.get("hr1", f"/employment/{card}/confirmations").text
    failures = []
    g = str(uuid.uuid4())
    for path, twin in ((f"/requests/{req}/comments", f"/requests/{g}/comments"),
                       (f"/employment/{card}/confirmations", f"/employment/{g}/confirmations")):
        r, rt = w.get("hr2", path), w.get("hr2", twin)
        if r.status_code != 404 or norm(r.text) != norm(rt.text):
            failures.append(f"hr2 GET {path}: {r.status_code} {r.text[:200]} (non-existent: {rt.status_code})")
        if {secret, hist, *markers} & set(MARKER_RE.findall(r.text)):
            failures.append(f"hr2 GET {path} leaks")
    assert not failures, "\n".join(failures)


def test_item6_permission_before_validation(mx: Mx) -> None:
    """6. Refusals do not confirm that a guessed id exists: permission before validation."""
    w = mx.w
    pid, _ = new_person(mx, ORG0)  # hidden from hr2 and the doctor, staff for hr1 and the manager
    rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]
    card = rec["employment"][0]
    failures = []
    # a duplicate of the hidden person's ORG0 card, by hr2: the refusal must not be about the duplicate
    dup = dict(card["fields"])
    res = push_one(w, "hr2", op("employment", str(uuid.uuid4()), pid, "create", dup))
    txt = json.dumps(res, ensure_ascii=False)
    if res["status"] != "rejected" or "_permission" not in (res.get("errors") or {}) or "уже есть" in txt:
        failures.append(f"hr2 duplicating a hidden card: {txt[:300]}")
    # a create for a hidden person vs a person that does not exist
    for login in ("doctor", "hr2"):
        ef, _ = row_fields("education", ORG0)
        a = push_one(w, login, op("education", str(uuid.uuid4()), pid, "create", ef))
        b = push_one(w, login, op("education", str(uuid.uuid4()), str(uuid.uuid4()), "create", ef))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"{login}: create for a hidden person {without_op_id(a)} vs a non-existent one "
                            f"{without_op_id(b)}")
        # an update with invalid values of a hidden row vs a non-existent id
        a = push_one(w, login, op("employment", card["id"], pid, "update", {"rate": "много", "zz": 1}, 1))
        b = push_one(w, login, op("employment", str(uuid.uuid4()), pid, "update", {"rate": "много", "zz": 1}, 1))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"{login}: invalid update of a hidden card {without_op_id(a)} vs a non-existent one "
                            f"{without_op_id(b)}")
        ra = w.patch(login, f"/persons/{pid}/employment/{card['id']}", json={"fields": {"rate": "много"}})
        rb = w.patch(login, f"/persons/{pid}/employment/{uuid.uuid4()}", json={"fields": {"rate": "много"}})
        if ra.status_code != rb.status_code or norm(ra.text) != norm(rb.text):
            failures.append(f"{login}: PATCH with invalid values of a hidden card {ra.status_code} {ra.text[:150]} "
                            f"vs non-existent {rb.status_code} {rb.text[:150]}")
    # the read-only manager: invalid values on a row it may read are refused for rights, not values
    res = push_one(w, "manager", op("employment", card["id"], pid, "update", {"rate": "много"}, 1))
    if "_permission" not in (res.get("errors") or {}) or "rate" in (res.get("errors") or {}):
        failures.append(f"manager: invalid update of a staff card answers {res}")
    assert not failures, "\n".join(failures)


def test_item7_outsider_card_is_not_staff(mx: Mx) -> None:
    """7. A doctor's own card «in» an organization is not its staff until confirmed."""
    w = mx.w
    _, pid, h, markers = outsider(mx)
    snils = w.get("admin", f"/persons/{pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    summary_before = w.get("hr1", f"/orgs/{ORG0}/summary").json()
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card, pid, "create", cf), headers=h)["status"] == "applied"
    failures = []
    for login in ("hr1", "manager"):
        staff = w.get(login, f"/orgs/{ORG0}/staff", params={"page_size": 500})
        if any(i["person_id"] == pid for i in staff.json()["items"]) or snils in staff.text:
            failures.append(f"{login}: the outsider's draft card puts it in the staff list")
        if snils in w.get(login, f"/orgs/{ORG0}/staff.csv").text:
            failures.append(f"{login}: the outsider is in the staff CSV")
        summary = w.get(login, f"/orgs/{ORG0}/summary").json()
        for k in ("persons", "cards"):
            if summary.get(k) != summary_before.get(k):
                failures.append(f"{login}: summary {k} {summary_before.get(k)} -> {summary.get(k)}")
        r = w.get(login, f"/persons/{pid}/record")
        if r.status_code != 404:
            failures.append(f"{login} reads the outsider's record: {r.status_code}")
        pulled = set(MARKER_RE.findall(w.get(login, "/sync/pull", params={"limit": 5000}).text))
        if pulled & set(markers):
            failures.append(f"{login}: the outsider's person row is in its pull")
    # asking for a confirmation: a pending confirmation for the organization, still not staff
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=h).status_code == 201
    r = w.client.post(f"/employment/{card}/confirmations", headers=h, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
        "doc_begin_date": cf["begin_date"], "doc_date": today()})
    assert r.status_code == 201, r.text
    pending = w.get("hr1", "/confirmations").json()["items"]
    if not any(c["employment_id"] == card for c in pending):
        failures.append("the outsider's confirmation request is not among hr1's pending confirmations")
    staff = w.get("hr1", f"/orgs/{ORG0}/staff", params={"page_size": 500})
    if any(i["person_id"] == pid for i in staff.json()["items"]):
        failures.append("a submitted (unconfirmed) card puts the outsider in the staff list")
    # the card is not the organization's: its clerk cannot change, close or delete it (hidden)
    version = mx.states([card])[card][0]
    g = str(uuid.uuid4())
    for kind, fields in (("update", {"subdivision": tok()}), ("delete", None)):
        a = push_one(w, "hr1", op("employment", card, pid, kind, fields, version))
        b = push_one(w, "hr1", op("employment", g, pid, kind, fields, version))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"hr1 push {kind} of the outsider's card: {without_op_id(a)} vs unknown {without_op_id(b)}")
    for method, path, body in (("POST", "/employment/{}/close", {"end_date": "2025-01-31", "end_reason": "x"}),
                               ("DELETE", f"/persons/{pid}/employment/{{}}", None),
                               ("PATCH", f"/persons/{pid}/employment/{{}}", {"fields": {"subdivision": tok()}})):
        ra = call(w, "hr1", method, path.format(card), json=body)
        rb = call(w, "hr1", method, path.format(g), json=body)
        if ra.status_code != 404 or norm(ra.text) != norm(rb.text):
            failures.append(f"hr1 {method} {path}: {ra.status_code} {ra.text[:150]} vs unknown {rb.status_code}")
    if mx.states([card])[card][0] != version:
        failures.append("the outsider's card was changed by hr1")
    if w.get("hr1", f"/persons/{pid}/record").status_code != 404:
        failures.append("hr1 reads the outsider's record once it asked for a confirmation")
    assert not failures, "\n".join(failures)


def test_item8_confirmation_file_and_second_uploader(mx: Mx) -> None:
    """8. The clerk deciding a confirmation opens its file; a second uploader of the same bytes gets
    201 and may read and use the file."""
    w = mx.w
    _, pid, h, _ = outsider(mx)
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card, pid, "create", cf), headers=h)["status"] == "applied"
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=h).status_code == 201
    r = w.client.post(f"/employment/{card}/confirmations", headers=h, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
        "doc_begin_date": cf["begin_date"], "doc_date": today()})
    assert r.status_code == 201, r.text
    failures = []
    for login, code in (("hr1", 200), ("manager", 200), ("admin", 200), ("hr2", 404), ("doctor", 404)):
        got = w.get(login, f"/blobs/{sha}").status_code
        if got != code:
            failures.append(f"{login} GET the confirmation's file: {got}, expected {code}")
    # the same bytes uploaded again by someone else: 201, then theirs to read and use
    _, pid2, h2, _ = outsider(mx)
    up = w.client.put(f"/blobs/{sha}", content=data, headers=h2)
    if up.status_code != 201:
        failures.append(f"second uploader of the same bytes: {up.status_code}, expected 201")
    if w.client.get(f"/blobs/{sha}", headers=h2).status_code != 200:
        failures.append("the second uploader cannot read the file it uploaded")
    cf2, _ = row_fields("employment", ORG1, "draft")
    card2 = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card2, pid2, "create", cf2), headers=h2)["status"] == "applied"
    r = w.client.post(f"/employment/{card2}/confirmations", headers=h2, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG1, "doc_org_name": cf2["org_name"],
        "doc_begin_date": cf2["begin_date"], "doc_date": today()})
    if r.status_code != 201:
        failures.append(f"the second uploader cannot use the file in a confirmation request: {r.status_code} "
                        f"{r.text[:200]}")
    res = push_one(w, "", op("document", str(uuid.uuid4()), pid2, "create",
                             row_fields("document", "")[0] | {"blob_sha256": sha}, blobs=[sha]), headers=h2)
    if res["status"] != "applied":
        failures.append(f"the second uploader cannot name the file in a push: {res}")
    assert not failures, "\n".join(failures)
