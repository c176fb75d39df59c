"""Workflow actions carried by /sync/push (op = "action", docs/actions.md): the same decisions as
their REST routes, so the route table is theirs; a new op kind or action fails here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from tests.server.authz.routes import ROUTES, Target, confirmation_body, ghost
from tests.server.authz.table import KINDS, LOGINS, ORGS, RELATIONS, ROLE
from tests.server.authz.values import SEQ, without_op_id
from tests.server.authz.world import Mx

#: action -> (entity of the target, bundle row purpose or "conf"/"programme", the REST route whose
#: decision it shares, args)
ACTION_TABLE: dict[str, tuple[str, str, tuple[str, str], Callable[[Mx, str, Target], dict[str, Any]]]] = {
    "submit_application": ("application", "a-submit", ("POST", "/applications/{row_id}/submit"),
                           lambda m, lg, t: {}),
    "answer_request": ("request", "a-answer", ("POST", "/requests/{row_id}/answer"),
                       lambda m, lg, t: {"text": "Ответ", "status": "answered"}),
    "request_confirmation": ("employment", "a-confirm", ("POST", "/employment/{row_id}/confirmations"),
                             confirmation_body),
    "close_employment": ("employment", "a-close", ("POST", "/employment/{row_id}/close"),
                         lambda m, lg, t: {"end_date": "2025-01-31", "end_reason": "увольнение"}),
    "decide_application": ("application", "a-decide", ("POST", "/admin/applications/{row_id}/decision"),
                           lambda m, lg, t: {"status": "in_review"}),
    "decide_nmo": ("nmo", "a-decide", ("POST", "/admin/nmo/{row_id}/decision"),
                   lambda m, lg, t: {"status": "rejected"}),
    "decide_confirmation": ("confirmation", "conf", ("POST", "/confirmations/{conf_id}/decision"),
                            lambda m, lg, t: {"decision": "reject", "comment": "Документ не читается"}),
    "enrol": ("programme", "programme", ("POST", "/programmes/{programme_id}/enrol"), lambda m, lg, t: {}),
    "cancel_enrolment": ("programme", "programme", ("POST", "/programmes/{programme_id}/cancel"),
                         lambda m, lg, t: {}),
}
#: the op kinds the push matrix covers: edits in test_push_matrix, actions here
OP_KINDS = (*KINDS, "action")


def test_every_push_op_kind_and_action_is_in_the_matrix() -> None:
    """A new kind of push op or a new action of the wire contract fails here until it is tabled."""
    from typing import get_args

    from desktop.sync.wire import ACTIONS, OpKind

    assert set(get_args(OpKind)) == set(OP_KINDS), f"push op kinds {get_args(OpKind)} vs the matrix's {OP_KINDS}"
    assert set(ACTIONS) == set(ACTION_TABLE), f"actions {sorted(ACTIONS)} vs the matrix's {sorted(ACTION_TABLE)}"
    for name, spec in ACTIONS.items():
        assert spec.entity == ACTION_TABLE[name][0], (name, spec.entity)


def action_op(name: str, entity: str, eid: str, pid: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "counter": next(SEQ), "op": "action", "action": name, "entity": entity,
            "entity_id": eid, "person_id": pid, "args": args}


def action_targets(mx: Mx, login: str, name: str) -> list[tuple[Target, Target, str | None]]:
    """(existing target, non-existent twin, the row whose version must not move when refused)."""
    entity, purpose, _route, _args = ACTION_TABLE[name]
    out: list[tuple[Target, Target, str | None]] = []
    if entity == "programme":
        return [(Target("any", True, {"id": mx.programme2}, pid=mx.p_doc, entity=entity),
                 Target("any", False, {"id": ghost()}, pid=mx.p_doc, entity=entity), None)]
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        if entity == "confirmation":
            card = mx.rows.get(b.rows[("employment", "a-decide")])
            if card is None or not b.aconf:
                continue
            role = ROLE[login]
            allowed = role == "admin" or (role == "hr" and card.org in ORGS[login])
            vis = role == "admin" or (role in ("hr", "manager") and card.org in ORGS[login]) or (
                role == "doctor" and mx.may_read(login, card))
            out.append((Target(rel, True, {"id": b.aconf}, card, card.pid, entity=entity, visible=vis, allowed=allowed),
                        Target(rel, False, {"id": ghost()}, None, card.pid, entity=entity), card.id))
            continue
        row = mx.rows.get(b.rows[(entity, purpose)])
        if row is None:
            continue
        out.append((Target(rel, True, {"id": row.id, "row_id": row.id}, row, row.pid, entity=entity),
                    Target(rel, False, {"id": ghost(), "row_id": ""}, None, row.pid, entity=entity), row.id))
    return out


def test_push_action_matrix(mx: Mx) -> None:
    """Every action × role × relation × existing/non-existent target, through /sync/push: allowed →
    applied; refused on a readable target → _permission; on an unreadable one → exactly the answer
    for a target that does not exist; nothing of an unreadable row in any answer."""
    violations: list[str] = []
    cells = 0
    seen: dict[str, int] = {}
    for login in LOGINS:
        batch: list[tuple[str, Target, Target, str | None, dict[str, Any], dict[str, Any], str, bool]] = []
        for name, (entity, _purpose, route_key, args) in ACTION_TABLE.items():
            route = ROUTES[route_key]
            assert route.visible is not None
            for ex, tw, watch in action_targets(mx, login, name):
                allowed = route.allow(mx, login, ex)
                visible = route.visible(mx, login, ex)
                expect = "applied" if allowed else ("perm" if visible else "hidden")
                a = args(mx, login, ex)
                batch.append((name, ex, tw, watch, action_op(name, entity, ex.ids["id"], ex.pid, a),
                              action_op(name, entity, tw.ids["id"], tw.pid, a), expect, visible))
        watched = [x[3] for x in batch if x[3]]
        before = mx.states(watched)
        ops = [o for x in batch for o in (x[5], x[4])]  # the twin first, as on REST
        r = mx.w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": ops})
        assert r.status_code == 200, f"push of actions by {login}: {r.status_code} {r.text[:400]}"
        results = r.json()["results"]
        after = mx.states(watched)
        leaked = mx.leaks(login, r.text)
        if leaked:
            violations.append(f"action push answer to {login} leaks {leaked}")
        for i, (name, ex, _tw, watch, _o, _to, expect, _vis) in enumerate(batch):
            tres, res = results[2 * i], results[2 * i + 1]
            cells += 2
            seen[expect] = seen.get(expect, 0) + 1
            where = f"action {name} by {login}, {ex.rel}"
            st, errors = res.get("status"), res.get("errors") or {}
            text = json.dumps(res, ensure_ascii=False)
            if tres.get("status") != "rejected":
                violations.append(f"{where}, non-existent target: not rejected: {json.dumps(tres)[:200]}")
            if expect == "applied" and st != "applied":
                violations.append(f"{where}: allowed, got {text[:250]}")
            elif expect == "perm" and not (st == "rejected" and "_permission" in errors):
                violations.append(f"{where}: readable but not allowed, expected _permission, got {text[:250]}")
            elif expect == "hidden" and without_op_id(res) != without_op_id(tres):
                violations.append(f"{where}: unreadable target answered {without_op_id(res)[:200]} vs non-existent "
                                  f"{without_op_id(tres)[:200]}")
            if expect != "applied" and watch and before.get(watch) != after.get(watch):
                violations.append(f"{where}: refused, yet the row changed {before.get(watch)} -> {after.get(watch)}")
    print(f"push action matrix: {cells} cells, existing targets {seen}")
    assert cells >= 2 * len(ACTION_TABLE) * len(LOGINS)
    assert not violations, f"{len(violations)} action cells violate docs/security.md:\n" + "\n".join(violations)
