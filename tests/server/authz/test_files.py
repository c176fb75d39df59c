"""Who reads a file (docs/security.md, Files): naming a hash grants nothing."""

from __future__ import annotations

import hashlib
import json
import uuid

from tests.server.authz.calls import new_person, push_one
from tests.server.authz.table import LOGINS, ORG0, ORG1
from tests.server.authz.values import MARKER_RE, SEQ, norm, op, pdf, person_fields, row_fields, today, without_op_id
from tests.server.authz.world import Mx


def test_reply_file_readers(mx: Mx) -> None:
    """A file attached to a reply to ORG0's request: the worker, ORG0's HR clerks and managers (the
    request is their organization's), the operator; not ORG1."""
    w = mx.w
    rf, _ = row_fields("request", ORG0)
    req = str(uuid.uuid4())
    assert push_one(w, "admin", op("request", req, mx.p_doc, "create", rf))["status"] == "applied"
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h("doctor")).status_code == 201
    r = w.post("doctor", f"/requests/{req}/answer", json={"text": "Ответ", "blob_sha256": sha})
    assert r.status_code == 200, r.text
    got = {login: w.get(login, f"/blobs/{sha}").status_code for login in LOGINS}
    want = {"doctor": 200, "hr1": 200, "admin": 200, "hr2": 404, "manager": 200}
    assert got == want, f"readers of a reply's file: {got}, docs/security.md: {want}"


def test_naming_a_hash_in_a_workflow_grants_nothing(mx: Mx) -> None:
    """A reply or a confirmation request naming someone else's file is refused as for a file that
    does not exist, and opens the file to nobody (docs/security.md, Files)."""
    w = mx.w
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h("doctor2")).status_code == 201
    ghost_sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    failures = []
    # a reply to ORG0's request
    rf, _ = row_fields("request", ORG0)
    req = str(uuid.uuid4())
    assert push_one(w, "admin", op("request", req, mx.p_doc, "create", rf))["status"] == "applied"
    ra = w.post("doctor", f"/requests/{req}/answer", json={"text": "Ответ", "blob_sha256": sha})
    rb = w.post("doctor", f"/requests/{req}/answer", json={"text": "Ответ", "blob_sha256": ghost_sha})
    if ra.status_code < 400 or ra.status_code != rb.status_code or norm(ra.text) != norm(rb.text):
        failures.append(f"reply naming doctor2's file: {ra.status_code} {ra.text[:150]} vs a missing file "
                        f"{rb.status_code} {rb.text[:150]}")
    # a confirmation request for the doctor's own draft card
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "admin", op("employment", card, mx.p_doc, "create", cf))["status"] == "applied"
    body = {"doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
            "doc_begin_date": cf["begin_date"], "doc_date": today()}
    ca = w.post("doctor", f"/employment/{card}/confirmations", json=body | {"blob_sha256": sha})
    cb = w.post("doctor", f"/employment/{card}/confirmations", json=body | {"blob_sha256": ghost_sha})
    if ca.status_code < 400 or ca.status_code != cb.status_code or norm(ca.text) != norm(cb.text):
        failures.append(f"confirmation naming doctor2's file: {ca.status_code} {ca.text[:150]} vs a missing file "
                        f"{cb.status_code} {cb.text[:150]}")
    # the same through push actions, with and without the op's blobs list
    req2 = str(uuid.uuid4())
    assert push_one(w, "admin", op("request", req2, mx.p_doc, "create", rf))["status"] == "applied"
    for blobs in (True, False):
        pair = []
        for h in (sha, ghost_sha):
            o = {"op_id": str(uuid.uuid4()), "counter": next(SEQ), "op": "action", "action": "answer_request",
                 "entity": "request", "entity_id": req2, "person_id": mx.p_doc,
                 "args": {"text": "Ответ", "blob_sha256": h, "status": "answered"}}
            if blobs:
                o["blobs"] = [h]
            pair.append(push_one(w, "doctor", o))
        if pair[0]["status"] != "rejected" or norm(without_op_id(pair[0])) != norm(without_op_id(pair[1])):
            failures.append(f"answer_request action naming doctor2's file (blobs list: {blobs}): {pair[0]} vs "
                            f"a missing file {pair[1]}")
    for login in ("doctor", "hr1", "manager", "hr2"):
        got = w.get(login, f"/blobs/{sha}").status_code
        if got != 404:
            failures.append(f"{login} reads doctor2's file after the doctor named it in a workflow: {got}")
    # a new person whose id is a hidden row's id (another entity): no conflict, nothing of the row
    pid, markers = new_person(mx, ORG1)
    eid = str(uuid.uuid4())
    ef, em = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", eid, pid, "create", ef))["status"] == "applied"
    res = push_one(w, "hr1", op("person", eid, eid, "create", person_fields()[0]))
    text = json.dumps(res, ensure_ascii=False)
    if res["status"] != "rejected" or "theirs" in text or set(markers + em) & set(MARKER_RE.findall(text)):
        failures.append(f"hr1 creating a person with a hidden education row's id: {text[:250]}")
    assert not failures, "\n".join(failures)
