"""Whom a caller reads: hidden ids stay unknown, lists and /sync/state follow the read rule, staff
scope is a live confirmed card and a confirmation follows its card."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from desktop.models.schema import ENTITIES
from tests.server.authz.calls import new_person, outsider, push_one, record_version
from tests.server.authz.table import LOGINS, ORG0, ORG1, ORG_NAME, ORGS
from tests.server.authz.values import MARKER_RE, op, pdf, phone, row_fields, today, tok, without_op_id
from tests.server.authz.world import Mx
from tests.server.conftest import World


def test_hidden_id_under_another_person(mx: Mx) -> None:
    """A hidden row's id sent with the caller's own person_id answers as an unknown id does."""
    w = mx.w
    pid, markers = new_person(mx, ORG1)  # hidden from the doctor and hr1
    eid = str(uuid.uuid4())
    ef, em = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", eid, pid, "create", ef))["status"] == "applied"
    failures = []
    for login, own_pid in (("doctor", mx.p_doc), ("hr1", mx.bundle("hr1", "staff").pid)):
        for kind in ("update", "delete"):
            fields = {"qualification": tok()} if kind == "update" else None
            a = push_one(w, login, op("education", eid, own_pid, kind, fields, 1))
            b = push_one(w, login, op("education", str(uuid.uuid4()), own_pid, kind, fields, 1))
            if without_op_id(a) != without_op_id(b):
                failures.append(f"{login} {kind} of a hidden id under its own person: {without_op_id(a)} vs "
                                f"unknown id {without_op_id(b)}")
        # the hidden id under another entity (the caller's own person): as unknown as well
        a = push_one(w, login, op("nmo", eid, own_pid, "update", {"provider": tok()}, 1))
        b = push_one(w, login, op("nmo", str(uuid.uuid4()), own_pid, "update", {"provider": tok()}, 1))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"{login} update of a hidden id as another entity: {without_op_id(a)} vs "
                            f"unknown id {without_op_id(b)}")
        a = push_one(w, login, op("education", eid, own_pid, "create", row_fields("education", ORG0)[0]))
        text = json.dumps(a, ensure_ascii=False)
        if a["status"] == "applied" or "theirs" in text or set(markers + em) & set(MARKER_RE.findall(text)):
            failures.append(f"{login} create with a hidden id under its own person: {text[:250]}")
    assert record_version(mx, eid) == (1, False)
    assert not failures, "\n".join(failures)


def test_lists_are_scoped(mx: Mx) -> None:
    """Lists carry only the caller's organizations (no relation to a row can widen them)."""
    w = mx.w
    failures = []
    for login in ("hr1", "hr2", "manager"):
        items = w.get(login, "/confirmations", params={"status": "", "limit": 500}).json()["items"]
        foreign = [c["id"] for c in items if c["org_inn"] not in ORGS[login]]
        if foreign:
            failures.append(f"{login} GET /confirmations lists {len(foreign)} of other organizations")
        orgs = [o["inn"] for o in w.get(login, "/orgs").json()["organizations"]]
        if set(orgs) != set(ORGS[login]):
            failures.append(f"{login} GET /orgs: {orgs}")
    for login in ("doctor", "doctor2"):
        if w.get(login, "/orgs").json()["organizations"]:
            failures.append(f"{login} GET /orgs lists organizations")
    assert not failures, "\n".join(failures)


def _pulled_state(w: World, login: str) -> dict[str, dict[str, Any]]:
    """/sync/state computed from the caller's whole pull (from an empty cursor)."""
    rows: dict[str, tuple[str, int | None, bool]] = {}
    cursor = ""
    while True:
        page = w.get(login, "/sync/pull", params={"cursor": cursor, "limit": 5000}).json()
        for ch in page["changes"]:
            if ch.get("scope_exit"):
                continue
            rows[ch["id"]] = (ch["entity"], ch["version"], bool(ch["deleted"]))
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    lines: dict[str, list[str]] = {name: [] for name in ENTITIES}
    for rid, (entity, version, deleted) in rows.items():
        if not deleted:
            lines[entity].append(f"{rid}:{version}\n")
    return {e: {"count": len(v), "checksum": hashlib.sha256("".join(sorted(v)).encode()).hexdigest()}
            for e, v in lines.items()}


def test_state_follows_the_read_rule(mx: Mx) -> None:
    """/sync/state counts exactly the rows the pull shows (and the pull is marker-checked above)."""
    w = mx.w
    failures = []
    for login in LOGINS:
        state = w.get(login, "/sync/state").json()["entities"]
        pulled = _pulled_state(w, login)
        for entity in ENTITIES:
            if state.get(entity) != pulled[entity]:
                failures.append(f"{login} {entity}: state {state.get(entity)} vs pull {pulled[entity]}")
        leaked = mx.leaks(login, json.dumps(state))
        if leaked:
            failures.append(f"{login} state leaks {leaked}")
    assert not failures, "\n".join(failures)


def test_confirmation_follows_the_card(mx: Mx) -> None:
    """A card moved to another organization after its confirmation was requested cannot be
    confirmed by the first organization (nor does the move make anyone staff)."""
    w = mx.w
    _, pid, h, markers = outsider(mx)
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card, pid, "create", cf), headers=h)["status"] == "applied"
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=h).status_code == 201
    r = w.client.post(f"/employment/{card}/confirmations", headers=h, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
        "doc_begin_date": cf["begin_date"], "doc_date": today()})
    assert r.status_code == 201, r.text
    conf = r.json()["id"]
    version = mx.states([card])[card][0]
    moved = push_one(w, "", op("employment", card, pid, "update", {"org_inn": ORG1, "org_name": ORG_NAME[ORG1]},
                               version), headers=h)
    failures = []
    d = w.post("hr1", f"/confirmations/{conf}/decision", json={"decision": "confirm"})
    if d.status_code == 200:
        failures.append(f"hr1 confirmed a card that is now in ORG1 (move answered {moved['status']})")
    rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]["employment"]
    if any(c["fields"].get("status") == "confirmed" for c in rec):
        failures.append("the outsider has a confirmed card without its organization's decision")
    for login in ("hr1", "hr2", "manager"):
        if w.get(login, f"/persons/{pid}/record").status_code != 404:
            failures.append(f"{login} reads the outsider's record")
        if set(markers) & set(MARKER_RE.findall(w.get(login, "/sync/pull", params={"limit": 5000}).text)):
            failures.append(f"{login} pulls the outsider's person row")
    assert not failures, "\n".join(failures)


def test_staff_scope_is_a_live_confirmed_card(mx: Mx) -> None:
    """Closing a card (an end date) keeps the person on the organization's staff; deleting the last
    confirmed card ends the organization's reading of the record."""
    w = mx.w
    pid, _ = new_person(mx, ORG0)
    card = w.get("admin", f"/persons/{pid}/record").json()["entities"]["employment"][0]["id"]
    r = w.post("hr1", f"/employment/{card}/close", json={"end_date": "2025-01-31", "end_reason": "увольнение"})
    assert r.status_code == 200, r.text
    failures = []
    if w.get("hr1", f"/persons/{pid}/record").status_code != 200:
        failures.append("a closed (ended) confirmed card no longer lets hr1 read the record")
    r = w.delete("hr1", f"/persons/{pid}/employment/{card}")
    if r.status_code != 200:
        failures.append(f"hr1 deleting its organization's confirmed card: {r.status_code} {r.text[:200]}")
    r = w.get("hr1", f"/persons/{pid}/record")
    if r.status_code != 404:
        failures.append(f"hr1 still reads the record after the last confirmed card is gone: {r.status_code}")
    pulled = w.get("hr1", "/sync/pull", params={"limit": 5000}).json()
    if not any(c.get("scope_exit") and c["id"] == pid for c in pulled["changes"]):
        failures.append("no scope exit for the person in hr1's pull")
    # what the person's record gets afterwards never reaches the clerk, from any cursor
    ef, em = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", str(uuid.uuid4()), pid, "create", ef))["status"] == "applied"
    ph = phone()
    pv = mx.states([pid])[pid][0]
    assert push_one(w, "admin", op("person", pid, pid, "update", {"phone": ph}, pv))["status"] == "applied"
    for cursor in ("", pulled["cursor"]):
        text = w.get("hr1", "/sync/pull", params={"cursor": cursor, "limit": 5000}).text
        if {*em, ph[1:]} & set(MARKER_RE.findall(text)):
            failures.append(f"hr1 pulls the former employee's new data (cursor {'empty' if not cursor else 'kept'})")
    assert not failures, "\n".join(failures)
