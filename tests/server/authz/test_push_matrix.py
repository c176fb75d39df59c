"""The push matrix: create/update/delete × every entity × role × relation × existing or
non-existent target, through /sync/push."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from desktop.models.schema import ENTITIES
from tests.server.authz.table import KINDS, LOGINS, RELATIONS, FRow
from tests.server.authz.values import create_org, op, person_fields, row_fields, update_fields, without_op_id
from tests.server.authz.world import Mx


@dataclass
class PushCell:
    login: str
    rel: str
    entity: str
    kind: str
    exists: bool
    op: dict[str, Any]
    row: FRow | None
    expect: str
    twin: PushCell | None = None
    before: tuple[int, bool] | None = None
    result: dict[str, Any] | None = None

    def name(self) -> str:
        return (f"push {self.kind} {self.entity} by {self.login}, {self.rel}, "
                f"{'existing' if self.exists else 'non-existent'} target")


def push_expectation(mx: Mx, login: str, kind: str, entity: str, row: FRow | None, pid: str,
                     new_org: str | None) -> str:
    if row is not None:
        if not mx.may_read(login, row):
            return "hidden"
        allowed = mx.may_change(login, kind, entity, row if kind != "create" else None, pid, new_org)
        if kind == "create":
            return "conflict" if allowed else "perm"
        return "applied" if allowed else "perm"
    if kind == "create":
        return "applied" if mx.may_change(login, kind, entity, None, pid, new_org) else "perm"
    return "missing" if kind == "update" else "gone"


def push_cells(mx: Mx, login: str) -> list[PushCell]:
    cells: list[PushCell] = []
    last: list[PushCell] = []  # deletes of persons go last: they take the person's rows with them
    # the current base is read, not assumed to be 1: a module that ran before this one may have
    # changed a target (the REST matrix PATCHes each bundle's person row)
    current = mx.states([rid for rel in RELATIONS[login] for b in [mx.bundle(login, rel)]
                         for rid in (b.pid, *b.doomed.values(), *b.rows.values())])
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        for entity in ENTITIES:
            # a stale base (0) comes before the current one: permission before conflict detection
            for kind in ("create", "stale-update", "update", "stale-delete", "delete"):
                op_kind = kind.removeprefix("stale-")
                if entity == "person":
                    rid = b.doomed["push"] if op_kind == "delete" else b.pid
                else:
                    rid = b.rows[(entity, f"p-{op_kind}")]
                base = 0 if kind.startswith("stale-") else current.get(rid, (1, False))[0]
                row = mx.rows.get(rid)
                if row is None:
                    continue  # setup failed; reported by the test
                pid = row.pid
                org = create_org(login)
                fields: dict[str, Any] | None
                if op_kind == "create":
                    fields, _ = row_fields(entity, org, None, operator=False)
                elif op_kind == "update":
                    fields = update_fields(entity, login)
                else:
                    fields = None
                new_org = (fields or {}).get("org_inn", row.org) if entity in ("employment", "request") else None
                ghost = str(uuid.uuid4())
                ghost_pid = ghost if entity == "person" else pid
                gfields: dict[str, Any] | None = person_fields()[0] if op_kind == "create" and entity == "person" \
                    else fields
                expect = push_expectation(mx, login, op_kind, entity, row, pid, new_org)
                if base == 0 and expect == "applied":
                    expect = "stale-ok"  # allowed: a conflict (changed since 0) or applied
                ex = PushCell(login, rel, entity, kind, True, op(entity, rid, pid, op_kind, fields, base), row, expect)
                tw = PushCell(login, rel, entity, kind, False, op(entity, ghost, ghost_pid, op_kind, gfields, base),
                              None, push_expectation(mx, login, op_kind, entity, None, ghost_pid, new_org))
                ex.twin = tw
                (last if entity == "person" and op_kind == "delete" else cells).extend([ex, tw])
    return cells + last


def check_push_cell(mx: Mx, c: PushCell, res: dict[str, Any], after: dict[str, tuple[int, bool]],
                    touched: set[str]) -> list[str]:
    out: list[str] = []
    st, errors = res.get("status"), res.get("errors") or {}
    text = json.dumps(res, ensure_ascii=False)

    def bad(msg: str) -> None:
        out.append(f"{c.name()}: expected {c.expect}, {msg}: {text[:300]}")

    if c.expect == "applied":
        if st != "applied" or (c.exists and not isinstance(res.get("version"), int)):
            bad("refused or not applied")
    elif c.expect == "perm":
        if st != "rejected" or "_permission" not in errors:
            bad("not a _permission rejection")
    elif c.expect == "conflict":
        if st != "conflict" or "_exists" not in (res.get("conflicts") or {}):
            bad("not an _exists conflict")
    elif c.expect == "stale-ok":
        if st not in ("conflict", "applied"):
            bad("an allowed change on a stale base is neither a conflict nor applied")
    elif c.expect == "missing":
        if st != "rejected":
            bad("an update of a non-existent id was not rejected")
    elif c.expect == "gone":
        # what a delete of an unknown row answers; a role that may delete no such row at all
        # may be refused for rights first (the same answer for a hidden row is checked there)
        gone = st == "applied" and res.get("version") is None
        if not gone and not (st == "rejected" and "_permission" in errors):
            bad("a delete of a non-existent id is neither 'applied' without a version nor a _permission refusal")
    elif c.expect == "hidden":
        assert c.twin is not None and c.twin.result is not None
        twin_res = c.twin.result
        if c.kind == "create":
            if st != "rejected":
                bad("a create with the id of an unreadable row is not rejected")
            elif twin_res.get("status") == "rejected" and without_op_id(res) != without_op_id(twin_res):
                bad(f"differs from the refusal for a non-existent id {without_op_id(twin_res)[:200]}")
        elif without_op_id(res) != without_op_id(twin_res):
            bad(f"differs from the answer for a non-existent id {without_op_id(twin_res)[:200]}")
        if '"theirs"' in text:
            bad("carries 'theirs' for a row the caller may not read")
    leaked = mx.leaks(c.login, text)
    if leaked:
        bad(f"leaks values of unreadable rows {leaked}")
    # side effects
    if c.exists and c.row is not None and c.before is not None:
        now = after.get(c.row.id)
        changed = now != c.before
        if c.expect in ("perm", "hidden", "conflict") and changed and c.row.id not in touched:
            bad(f"yet the row changed {c.before} -> {now}")
        if c.expect == "applied" and not changed:
            bad(f"yet the row did not change {c.before}")
    if not c.exists and c.kind == "create" and c.expect != "applied":
        if c.op["entity_id"] in after:
            bad("yet the row was created")
    return out


def test_push_matrix(mx: Mx) -> None:
    """create/update/delete × every entity × every role × relation × existing/non-existent target."""
    violations: list[str] = list(mx.problems)
    total = 0
    expectations: dict[str, int] = {}
    for login in LOGINS:
        cells = push_cells(mx, login)
        targets = [c.row.id for c in cells if c.row is not None]
        before = mx.states(targets)
        for c in cells:
            if c.row is not None:
                c.before = before.get(c.row.id)
        results: list[dict[str, Any]] = []
        for i in range(0, len(cells), 900):
            chunk = cells[i:i + 900]
            r = mx.w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [c.op for c in chunk]})
            assert r.status_code == 200, f"push by {login}: {r.status_code} {r.text[:500]}"
            results.extend(r.json()["results"])
            leaked = mx.leaks(login, r.text)
            if leaked:
                violations.append(f"push answer to {login} leaks {leaked}")
        for c, res in zip(cells, results, strict=True):
            c.result = res
        after = mx.states(targets + [c.op["entity_id"] for c in cells if not c.exists])
        # rows another cell of the batch changes rightly (a person row is created-over and updated)
        touched = {c.row.id for c in cells if c.row is not None and c.expect == "applied"}
        for c, res in zip(cells, results, strict=True):
            total += 1
            expectations[c.expect] = expectations.get(c.expect, 0) + 1
            violations.extend(check_push_cell(mx, c, res, after, touched))
    print(f"push matrix: {total} cells {expectations}")
    assert total >= len(ENTITIES) * (len(KINDS) + 2) * 2 * sum(len(r) for r in RELATIONS.values())
    assert not violations, f"{len(violations)} of {total} push cells violate docs/security.md:\n" + "\n".join(
        violations)
