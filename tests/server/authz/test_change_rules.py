"""The per-field and per-state rules of the change table (docs/security.md, Changing)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.server.authz.calls import new_person, push_one
from tests.server.authz.table import ORG0, ORG1, ORG_NAME
from tests.server.authz.values import SEQ, new_snils, op, person_fields, row_fields, tok
from tests.server.authz.world import Mx


def _verdict(res: dict[str, Any]) -> str:
    if res["status"] == "rejected":
        return "perm" if "_permission" in (res.get("errors") or {}) else "invalid"
    return str(res["status"])


def test_field_and_state_rules(mx: Mx) -> None:
    """Status moves and operator-only fields (docs/security.md, Changing): who may set what."""
    w = mx.w
    own = mx.p_doc
    rec = w.get("admin", f"/persons/{own}/record").json()["entities"]
    confirmed_card = next(c for c in rec["employment"] if c["fields"].get("status") == "confirmed")
    decided_nmo = next(n for n in rec["nmo"] if n["fields"].get("status") == "confirmed")
    approved_app = next(a for a in rec["application"] if a["fields"].get("status") == "approved")

    def fresh(author: str, entity: str, pid: str, org: str, status: str | None = None) -> str:
        rid = str(uuid.uuid4())
        res = push_one(w, author, op(entity, rid, pid, "create", row_fields(entity, org, status)[0]))
        assert res["status"] == "applied", (author, entity, res)
        return rid

    staff, _ = new_person(mx, ORG0)
    cases: list[tuple[str, str, dict[str, Any], str]] = []

    def case(what: str, login: str, o: dict[str, Any], expect: str) -> None:
        cases.append((what, login, o, expect))

    # the doctor, own record
    card = fresh("admin", "employment", own, ORG0, "draft")
    case("doctor sets own draft card confirmed", "doctor", op("employment", card, own, "update",
                                                             {"status": "confirmed"}, 1), "perm")
    case("doctor sets own draft card rejected", "doctor", op("employment", card, own, "update",
                                                            {"status": "rejected"}, 1), "perm")
    card2 = fresh("admin", "employment", own, ORG0, "draft")
    case("doctor submits own draft card", "doctor", op("employment", card2, own, "update",
                                                      {"status": "submitted"}, 1), "applied")
    # docs/security.md: a doctor may withdraw a card not yet decided (submitted → draft)
    case("doctor moves own submitted card back to draft", "doctor", op("employment", card2, own, "update",
                                                                      {"status": "draft"}, 2), "applied")
    case("doctor edits own confirmed card", "doctor", op("employment", confirmed_card["id"], own, "update",
                                                        {"subdivision": tok()}, confirmed_card["version"]), "perm")
    case("doctor deletes own confirmed card", "doctor", op("employment", confirmed_card["id"], own, "delete",
                                                          None, confirmed_card["version"]), "perm")
    case("doctor creates a confirmed card", "doctor", op("employment", str(uuid.uuid4()), own, "create",
                                                        row_fields("employment", ORG0, "confirmed")[0]), "perm")
    nmo = fresh("admin", "nmo", own, ORG0, "pending")
    case("doctor confirms own НМО credits", "doctor", op("nmo", nmo, own, "update", {"status": "confirmed"}, 1),
         "perm")
    case("doctor edits decided НМО credits", "doctor", op("nmo", decided_nmo["id"], own, "update",
                                                         {"provider": tok()}, decided_nmo["version"]), "perm")
    case("doctor deletes decided НМО credits", "doctor", op("nmo", decided_nmo["id"], own, "delete", None,
                                                           decided_nmo["version"]), "perm")
    case("doctor creates confirmed НМО credits", "doctor", op("nmo", str(uuid.uuid4()), own, "create",
                                                             row_fields("nmo", ORG0, "confirmed")[0]), "perm")
    app = fresh("admin", "application", own, ORG0, "draft")
    case("doctor sets the confirmation number", "doctor", op("application", app, own, "update",
                                                            {"confirmation_number": "А-2025-123456"}, 1), "perm")
    case("doctor writes the decision comment", "doctor", op("application", app, own, "update",
                                                           {"decision_comment": "одобрено"}, 1), "perm")
    case("doctor approves own application", "doctor", op("application", app, own, "update",
                                                        {"status": "approved"}, 1), "perm")
    case("doctor edits an approved application", "doctor", op("application", approved_app["id"], own, "update",
                                                              {"kind": "primary"}, approved_app["version"]), "perm")
    case("doctor deletes an approved application", "doctor", op("application", approved_app["id"], own, "delete",
                                                               None, approved_app["version"]), "perm")
    req = fresh("admin", "request", own, ORG0)
    case("doctor acknowledges a request", "doctor", op("request", req, own, "update", {"status": "acknowledged"}, 1),
         "applied")
    case("doctor answers a request", "doctor", op("request", req, own, "update", {"status": "answered"}, 2),
         "applied")
    # docs/security.md: new → acknowledged → answered, forwards only
    case("doctor moves an answered request back to acknowledged", "doctor", op(
        "request", req, own, "update", {"status": "acknowledged"}, 3), "perm")
    case("doctor closes a request", "doctor", op("request", req, own, "update", {"status": "closed"}, 3), "perm")
    case("doctor rewrites a request's text", "doctor", op("request", req, own, "update", {"text": tok()}, 3), "perm")
    case("doctor deletes a request", "doctor", op("request", req, own, "delete", None, 3), "perm")
    case("doctor creates a request", "doctor", op("request", str(uuid.uuid4()), own, "create",
                                                 row_fields("request", ORG0)[0]), "perm")
    pv = int(rec["person"][0]["version"])
    case("doctor changes own СНИЛС", "doctor", op("person", own, own, "update", {"snils": new_snils()}, pv), "perm")
    # permission before conflict detection: a stale base changes nothing about the refusal
    case("doctor changes own СНИЛС on a stale base", "doctor", op("person", own, own, "update",
                                                                 {"snils": new_snils()}, 0), "perm")
    case("doctor deletes own person", "doctor", op("person", own, own, "delete", None, pv), "perm")
    # the HR clerk, ORG0
    hcard = fresh("hr1", "employment", staff, ORG0, "draft")
    case("hr1 confirms a card itself", "hr1", op("employment", hcard, staff, "update", {"status": "confirmed"}, 1),
         "perm")
    case("hr1 submits its draft card", "hr1", op("employment", hcard, staff, "update", {"status": "submitted"}, 1),
         "applied")
    case("hr1 moves its card to ORG1", "hr1", op("employment", hcard, staff, "update",
                                                {"org_inn": ORG1, "org_name": ORG_NAME[ORG1]}, 2), "perm")
    other_card = fresh("admin", "employment", staff, ORG1, "confirmed")
    case("hr1 moves a staff person's ORG1 card into ORG0", "hr1", op("employment", other_card, staff, "update",
                                                                   {"org_inn": ORG0, "org_name": ORG_NAME[ORG0]}, 1),
         "perm")
    case("hr1 deletes a staff person's ORG1 card", "hr1", op("employment", other_card, staff, "delete", None, 1),
         "perm")
    case("hr1 creates a card in ORG1", "hr1", op("employment", str(uuid.uuid4()), staff, "create",
                                                row_fields("employment", ORG1)[0]), "perm")
    case("hr1 creates a confirmed card", "hr1", op("employment", str(uuid.uuid4()), staff, "create",
                                                   row_fields("employment", ORG0, "confirmed")[0]), "perm")
    case("hr1 creates an ORG1 request", "hr1", op("request", str(uuid.uuid4()), staff, "create",
                                                 row_fields("request", ORG1)[0]), "perm")
    hreq = fresh("hr1", "request", staff, ORG0)
    case("hr1 moves its request to ORG1", "hr1", op("request", hreq, staff, "update",
                                                   {"org_inn": ORG1, "org_name": ORG_NAME[ORG1]}, 1), "perm")
    case("hr1 closes its request", "hr1", op("request", hreq, staff, "update", {"status": "closed"}, 1), "applied")
    case("hr1 deletes its request", "hr1", op("request", hreq, staff, "delete", None, 2), "perm")
    case("hr1 creates education for staff", "hr1", op("education", str(uuid.uuid4()), staff, "create",
                                                     row_fields("education", ORG0)[0]), "perm")
    g = str(uuid.uuid4())
    taken = person_fields()[0] | {"snils": w.accounts["doctor"]["snils"]}
    case("hr1 creates a person with a taken СНИЛС", "hr1", op("person", g, g, "create", taken), "invalid")
    failures = []
    # closing a staff person's card of the other organization: readable, not the clerk's to close
    r = w.post("hr1", f"/employment/{other_card}/close", json={"end_date": "2025-01-31", "end_reason": "x"})
    if r.status_code != 403:
        failures.append(f"hr1 closing an ORG1 card of its staff person: {r.status_code} {r.text[:200]}")
    res = push_one(w, "hr1", {"op_id": str(uuid.uuid4()), "counter": next(SEQ), "op": "action",
                              "action": "close_employment", "entity": "employment", "entity_id": other_card,
                              "person_id": staff, "args": {"end_date": "2025-01-31", "end_reason": "x"}})
    if _verdict(res) != "perm":
        failures.append(f"hr1 close_employment action on an ORG1 card of its staff person: {res}")
    other_req = fresh("admin", "request", staff, ORG1)
    # docs/security.md: a request is readable only by its two sides, even about a shared person
    r = w.post("hr1", f"/requests/{other_req}/comments", json={"text": "Комментарий"})
    if r.status_code != 404:
        failures.append(f"hr1 commenting ORG1's request to its staff person: {r.status_code} {r.text[:200]}")
    for what, login, o, expect in cases:
        res = push_one(w, login, o)
        if _verdict(res) != expect:
            failures.append(f"{what}: expected {expect}, got {json.dumps(res, ensure_ascii=False)[:250]}")
    assert not failures, "\n".join(failures)
