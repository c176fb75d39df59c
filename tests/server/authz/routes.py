"""The route table: every route of the app with its decision (who may, who may see the target)
and the targets it is called on per caller and relation."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts

from desktop.models.checkdigits import make_inn10
from desktop.models.schema import CHILD_ENTITIES, ENTITIES
from tests.server.authz.calls import call
from tests.server.authz.table import LOGINS, NO_ORG, ORG0, ORG1, ORGS, RELATIONS, ROLE, FRow
from tests.server.authz.values import RND, create_org, new_snils, pdf, person_fields, row_fields, today, update_fields
from tests.server.authz.world import Mx
from tests.server.conftest import World


@dataclass
class Target:
    rel: str
    exists: bool
    ids: dict[str, str] = field(default_factory=dict)
    row: FRow | None = None
    pid: str = ""
    org: str = ""
    entity: str = ""
    visible: bool | None = None  # set by special targets (sessions, blobs, confirmations …)
    allowed: bool | None = None


Call = Callable[[Mx, str, Target], httpx.Response]
Allow = Callable[[Mx, str, Target], bool]
Targets = Callable[[Mx, str], list[tuple[Target, Target]]]


@dataclass(frozen=True)
class Route:
    #: public: no token; self: the caller's own things, no target; target: per relation and id
    kind: str
    ok: tuple[int, ...]
    call: Call
    allow: Allow = lambda mx, login, t: True
    targets: Targets | None = None
    #: may the caller read the target (refusal 403) or not (refusal = answer for a missing id)
    visible: Allow | None = None


def roles(*names: str) -> Allow:
    return lambda mx, login, t: ROLE[login] in names


def read_row(mx: Mx, login: str, t: Target) -> bool:
    return t.row is not None and mx.may_read(login, t.row)


def read_person(mx: Mx, login: str, t: Target) -> bool:
    return mx.person_readable(login, t.pid)


def own_org(mx: Mx, login: str, t: Target) -> bool:
    return ROLE[login] == "admin" or t.org in ORGS.get(login, frozenset())


def flag(name: str) -> Allow:
    def f(mx: Mx, login: str, t: Target) -> bool:
        v = getattr(t, name)
        return bool(v)
    return f


def both(*checks: Allow) -> Allow:
    return lambda mx, login, t: all(c(mx, login, t) for c in checks)


def changes(kind: str) -> Allow:
    """may_change for a REST call on a record row (create: of a new id for t.pid)."""
    def f(mx: Mx, login: str, t: Target) -> bool:
        entity = t.entity or (t.row.entity if t.row else "")
        row = None if kind == "create" else t.row
        if kind != "create" and row is None:
            return False
        new_org = create_org(login) if kind == "create" else (row.org if row else None)
        return mx.may_change(login, kind, entity, row, t.pid, new_org)
    return f


def ghost() -> str:
    return str(uuid.uuid4())


def row_targets(entity: str, purpose: str) -> Targets:
    def f(mx: Mx, login: str) -> list[tuple[Target, Target]]:
        out = []
        for rel in RELATIONS[login]:
            b = mx.bundle(login, rel)
            rid = b.rows[(entity, purpose)]
            row = mx.rows.get(rid)
            if row is None:
                continue
            out.append((Target(rel, True, {"row_id": rid}, row, b.pid, entity=entity),
                        Target(rel, False, {"row_id": ghost()}, None, b.pid, entity=entity)))
        return out
    return f


def person_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        if b.pid in mx.rows:
            out.append((Target(rel, True, row=mx.rows[b.pid], pid=b.pid, entity="person"),
                        Target(rel, False, pid=ghost(), entity="person")))
    return out


def record_row_targets(purpose: str) -> Targets:
    """PATCH/DELETE /persons/{person_id}/{entity}/{row_id}: every entity, the person row too."""
    def f(mx: Mx, login: str) -> list[tuple[Target, Target]]:
        out = []
        for rel in RELATIONS[login]:
            b = mx.bundle(login, rel)
            for entity in ENTITIES:
                if entity == "person":
                    rid = b.doomed["rest"] if purpose == "r-delete" else b.pid
                    g = ghost()
                    twin = Target(rel, False, {"row_id": g}, None, g, entity=entity)
                else:
                    rid = b.rows[(entity, purpose)]
                    twin = Target(rel, False, {"row_id": ghost()}, None, b.pid, entity=entity)
                row = mx.rows.get(rid)
                if row is not None:
                    out.append((Target(rel, True, {"row_id": rid}, row, row.pid, entity=entity), twin))
        return out
    return f


def create_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    """POST /persons/{person_id}/{entity}: every child entity for each relation's person."""
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        for entity in CHILD_ENTITIES:
            out.append((Target(rel, True, row=mx.rows.get(b.pid), pid=b.pid, entity=entity),
                        Target(rel, False, pid=ghost(), entity=entity)))
    return out


def org_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    own = create_org(login)
    other = ORG1 if own == ORG0 else ORG0
    return [(Target("own-org", True, org=own), Target("own-org", False, org=NO_ORG)),
            (Target("other-org", True, org=other), Target("other-org", False, org=NO_ORG))]


def org_person_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    """POST /orgs/{inn}/employment|requests: own organization × each relation's person, and the
    other organization."""
    own = create_org(login)
    other = ORG1 if own == ORG0 else ORG0
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        out.append((Target(rel, True, row=mx.rows.get(b.pid), pid=b.pid, org=own),
                    Target(rel, False, pid=ghost(), org=own)))
    rel0 = RELATIONS[login][0]
    b = mx.bundle(login, rel0)
    out.append((Target(f"{rel0}, other-org", True, row=mx.rows.get(b.pid), pid=b.pid, org=other),
                Target(f"{rel0}, other-org", False, row=mx.rows.get(b.pid), pid=b.pid, org=NO_ORG)))
    return out


def confirmation_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    """A pending confirmation per relation (sent to the relation's organization)."""
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        card = mx.rows.get(b.rows[("employment", "decide")])
        if card is None or not b.conf:
            continue
        role = ROLE[login]
        org_ok = role == "admin" or (role == "hr" and card.org in ORGS[login])
        vis = role == "admin" or (role in ("hr", "manager") and card.org in ORGS[login]) or (
            role == "doctor" and mx.may_read(login, card))
        out.append((Target(rel, True, {"conf_id": b.conf}, card, card.pid, visible=vis, allowed=org_ok),
                    Target(rel, False, {"conf_id": ghost()}, visible=False, allowed=False)))
    return out


def session_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    return [(Target("own", True, {"sid": mx.spare_session[login]}, visible=True, allowed=True),
             Target("own", False, {"sid": ghost()}, visible=False, allowed=False)),
            (Target("elsewhere", True, {"sid": mx.spare_session["doctor2"]}, visible=False, allowed=False),
             Target("elsewhere", False, {"sid": ghost()}, visible=False, allowed=False))]


#: who may read which file (docs/security.md, Files)
BLOB_READERS = {
    "own": set(LOGINS),                                  # every account that uploaded the bytes
    "confirmation": {"hr1", "manager", "admin"},        # named by a confirmation sent to ORG0
    "reply": {"doctor", "hr2", "admin"},                # attached to the doctor's reply to ORG1
    "document": {"admin"},                              # named in someone's document row: nothing
    "unrelated": {"admin"},
}


def blob_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    out = []
    for kind, readers in BLOB_READERS.items():
        sha = mx.own_blob[login] if kind == "own" else mx.blob_kind[kind]
        allowed = login in readers
        out.append((Target(kind, True, {"sha": sha}, visible=allowed, allowed=allowed),
                    Target(kind, False, {"sha": hashlib.sha256(uuid.uuid4().bytes).hexdigest()}, visible=False,
                           allowed=False)))
    return out


def account_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    acc = mx.w.get("admin", "/admin/accounts", params={"role": "doctor"}).json()["items"]
    target = next(a["id"] for a in acc if a["login"] == "doctor2")
    return [(Target("any", True, {"id": str(target)}), Target("any", False, {"id": "999999"}))]


def programme_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    return [(Target("any", True, {"id": mx.programme}), Target("any", False, {"id": ghost()}))]


def snils_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        s = mx.w.get("admin", f"/persons/{b.pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
        out.append((Target(rel, True, {"snils": s}, mx.rows.get(b.pid), b.pid),
                    Target(rel, False, {"snils": new_snils()})))
    return out


def confirmation_body(mx: Mx, login: str, t: Target) -> dict[str, Any]:
    return {"blob_sha256": mx.own_blob[login], "doc_kind": "order", "doc_org_inn": t.row.org if t.row else ORG0,
            "doc_org_name": "ГБУЗ", "doc_begin_date": "2023-01-01", "doc_date": today()}


def _create_body(login: str, t: Target) -> dict[str, Any]:
    f, _ = row_fields(t.entity, create_org(login), None, operator=False)
    return {"fields": f}


OAUTH_PARAMS = {"response_type": "code", "client_id": "frmr-desktop", "redirect_uri": "http://127.0.0.1:53682/callback",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
                "state": "s"}

ROUTES: dict[tuple[str, str], Route] = {
    # -- public: no token needed --------------------------------------------------------------
    ("GET", "/healthz"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/healthz")),
    ("GET", "/openapi.json"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/openapi.json")),
    ("HEAD", "/openapi.json"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "HEAD", "/openapi.json")),
    ("GET", "/docs"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/docs")),
    ("HEAD", "/docs"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "HEAD", "/docs")),
    ("GET", "/docs/oauth2-redirect"): Route("public", (200,), lambda m, lg, t: call(
        m.w, "", "GET", "/docs/oauth2-redirect")),
    ("HEAD", "/docs/oauth2-redirect"): Route("public", (200,), lambda m, lg, t: call(
        m.w, "", "HEAD", "/docs/oauth2-redirect")),
    ("GET", "/redoc"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/redoc")),
    ("HEAD", "/redoc"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "HEAD", "/redoc")),
    ("GET", "/oauth/authorize"): Route("public", (200,), lambda m, lg, t: call(
        m.w, "", "GET", "/oauth/authorize", params=OAUTH_PARAMS)),
    # a wrong password: the form again, 401 (the login form's own refusal)
    ("POST", "/oauth/authorize"): Route("public", (401,), lambda m, lg, t: call(
        m.w, "", "POST", "/oauth/authorize", data={
            **OAUTH_PARAMS, "username": "nobody-" + uuid.uuid4().hex[:6], "password": "wrong", "otp": "000000"})),
    ("POST", "/oauth/token"): Route("public", (400,), lambda m, lg, t: call(m.w, "", "POST", "/oauth/token", data={
        "grant_type": "authorization_code", "client_id": "frmr-desktop", "code": "x" * 40,
        "redirect_uri": "http://127.0.0.1:53682/callback", "code_verifier": "v" * 50})),
    ("POST", "/oauth/revoke"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "POST", "/oauth/revoke", data={
        "token": "not-a-token"})),
    # -- the caller's own account and sync: every role ---------------------------------------
    ("GET", "/me"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/me")),
    ("GET", "/sessions"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/sessions")),
    ("DELETE", "/sessions/{session_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "DELETE", f"/sessions/{t.ids['sid']}"),
        flag("allowed"), session_targets, flag("visible")),
    # the seeded accounts have the second factor already: replacing the device needs the password
    # (422 without it), and there is nothing pending to confirm (409)
    ("POST", "/me/totp/enrol"): Route("self", (422,), lambda m, lg, t: call(m.w, lg, "POST", "/me/totp/enrol")),
    ("POST", "/me/totp/confirm"): Route("self", (409,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/totp/confirm", json={"code": "000000"})),
    ("POST", "/me/totp/recovery-codes"): Route("self", (422,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/totp/recovery-codes", json={"password": ""})),
    # the account's own password: the same one twice is refused before anything is checked
    ("POST", "/me/password"): Route("self", (422,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/password", json={"old_password": "Ab3$efghijkl", "new_password": "Ab3$efghijkl"})),
    # ends the caller's other sessions (the spare ones of DELETE /sessions/{id}); this one stays
    ("DELETE", "/sessions"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "DELETE", "/sessions")),
    ("GET", "/me/journal"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/me/journal")),
    ("GET", "/me/consent"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/me/consent")),
    ("POST", "/me/consent"): Route("self", (201,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/consent", json={"version": "152fz-matrix"})),
    # no token: a code that was never issued, for a login that does not exist
    ("POST", "/account/password/reset"): Route("public", (400,), lambda m, lg, t: call(
        m.w, "", "POST", "/account/password/reset", json={
            "login": "nobody-" + uuid.uuid4().hex[:6], "code": "AAAA-BBBB-CCCC-DDDD", "new_password": "Ab3$efghijkl"})),
    ("POST", "/sync/push"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "POST", "/sync/push", json={"client_id": ghost(), "ops": []})),
    ("GET", "/sync/pull"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/sync/pull", params={"limit": 5000})),
    ("GET", "/sync/state"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/sync/state")),
    ("PUT", "/blobs/{sha256}"): Route("self", (201,), lambda m, lg, t: _put_new_blob(m, lg)),
    ("GET", "/blobs/{sha256}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/blobs/{t.ids['sha']}"),
        flag("allowed"), blob_targets, flag("visible")),
    ("HEAD", "/blobs/{sha256}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "HEAD", f"/blobs/{t.ids['sha']}"),
        flag("allowed"), blob_targets, flag("visible")),
    ("GET", "/orgs"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/orgs")),
    ("GET", "/programmes"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/programmes")),
    # -- the record ------------------------------------------------------------------------
    ("GET", "/persons/{person_id}/record"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/persons/{t.pid}/record"),
        read_person, person_targets, read_person),
    ("GET", "/record"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/record"), roles("doctor")),
    ("POST", "/persons/{person_id}/{entity}"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/persons/{t.pid}/{t.entity}",
                                                json=_create_body(lg, t)),
        changes("create"), create_targets, read_person),
    ("PATCH", "/persons/{person_id}/{entity}/{row_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "PATCH", f"/persons/{t.pid}/{t.entity}/{t.ids['row_id']}",
                                                json={"fields": update_fields(t.entity, lg)}),
        changes("update"), record_row_targets("r-patch"), read_row),
    ("DELETE", "/persons/{person_id}/{entity}/{row_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "DELETE", f"/persons/{t.pid}/{t.entity}/{t.ids['row_id']}"),
        changes("delete"), record_row_targets("r-delete"), read_row),
    ("GET", "/persons"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/persons", params={"snils": t.ids["snils"]}),
        roles("hr", "admin"), snils_targets, roles("hr", "admin")),
    ("POST", "/persons"): Route("self", (201,), lambda m, lg, t: call(
        m.w, lg, "POST", "/persons", json={"fields": person_fields()[0]}), roles("hr", "admin")),
    # -- organizations -----------------------------------------------------------------------
    ("POST", "/orgs"): Route("self", (201,), lambda m, lg, t: call(m.w, lg, "POST", "/orgs", json={
        "inn": make_inn10(f"{RND.randrange(100_000_000, 999_999_999)}"), "name": "Новая организация"}),
        roles("admin")),
    ("GET", "/orgs/{inn}/staff"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/staff", params={"page_size": 500}),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    ("GET", "/orgs/{inn}/staff.csv"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/staff.csv"),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    ("GET", "/orgs/{inn}/summary"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/summary"),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    # the organization's figures and the people behind a bar (issue 15): read like the summary
    ("GET", "/orgs/{inn}/report"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/report"),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    ("GET", "/orgs/{inn}/report/people"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/report/people",
                                                params={"group": "all"}),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    # a card in the caller's organization for any existing person
    ("POST", "/orgs/{inn}/employment"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/orgs/{t.org}/employment", json={
            "person_id": t.pid, "fields": {k: v for k, v in row_fields("employment", t.org)[0].items()
                                           if k not in ("org_inn", "org_name", "status")}}),
        both(roles("hr", "admin"), own_org, lambda m, lg, t: t.exists and t.pid in m.persons), org_person_targets,
        both(roles("hr", "admin"), own_org, lambda m, lg, t: t.exists)),
    # a request to a person the organization may read
    ("POST", "/orgs/{inn}/requests"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/orgs/{t.org}/requests", json={
            "person_id": t.pid, "kind": "Запрос", "text": "Просим ответить"}),
        both(roles("hr", "admin"), own_org, read_person), org_person_targets,
        both(roles("hr", "admin"), own_org, read_person)),
    # -- workflows -------------------------------------------------------------------------
    ("POST", "/employment/{row_id}/close"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/employment/{t.ids['row_id']}/close", json={
            "end_date": "2025-01-31", "end_reason": "увольнение"}),
        both(roles("hr", "admin"), changes("update")), row_targets("employment", "close"), read_row),
    ("POST", "/employment/{row_id}/confirmations"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/employment/{t.ids['row_id']}/confirmations",
                                                json=confirmation_body(m, lg, t)),
        both(roles("doctor"), read_row), row_targets("employment", "confirm"), read_row),
    ("GET", "/employment/{row_id}/confirmations"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/employment/{t.ids['row_id']}/confirmations"),
        read_row, row_targets("employment", "read"), read_row),
    ("GET", "/confirmations"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/confirmations", params={"status": ""}), roles("hr", "manager", "admin")),
    ("POST", "/confirmations/{conf_id}/decision"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/confirmations/{t.ids['conf_id']}/decision",
                                                json={"decision": "reject", "comment": "Документ не читается"}),
        flag("allowed"), confirmation_targets, flag("visible")),
    ("POST", "/requests/{row_id}/answer"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/requests/{t.ids['row_id']}/answer",
                                                json={"text": "Ответ"}),
        both(roles("doctor"), read_row), row_targets("request", "answer"), read_row),
    ("POST", "/requests/{row_id}/comments"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/requests/{t.ids['row_id']}/comments",
                                                json={"text": "Комментарий"}),
        both(read_row, lambda m, lg, t: ROLE[lg] in ("doctor", "admin") or (
            ROLE[lg] == "hr" and t.row is not None and t.row.org in ORGS[lg])),
        row_targets("request", "comment"), read_row),
    ("GET", "/requests/{row_id}/comments"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/requests/{t.ids['row_id']}/comments"),
        read_row, row_targets("request", "read"), read_row),
    ("GET", "/requests/{row_id}/sender"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/requests/{t.ids['row_id']}/sender"),
        read_row, row_targets("request", "read"), read_row),
    ("POST", "/applications/{row_id}/submit"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/applications/{t.ids['row_id']}/submit"),
        both(roles("doctor"), read_row), row_targets("application", "submit"), read_row),
    # -- the operator --------------------------------------------------------------------------
    ("GET", "/admin/applications"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/admin/applications"), roles("admin")),
    ("POST", "/admin/applications/{row_id}/decision"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/admin/applications/{t.ids['row_id']}/decision",
                                                json={"status": "in_review"}),
        roles("admin"), row_targets("application", "decide"), read_row),
    ("GET", "/admin/applications/{row_id}/attachments"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/admin/applications/{t.ids['row_id']}/attachments"),
        roles("admin"), row_targets("application", "decide"), read_row),
    # the matrix's applications carry no files: the operator's allowed call meets «not among the
    # attachments» (404); files actually served are tested in tests/reports/test_operator_files.py
    ("GET", "/admin/applications/{row_id}/attachments/{sha256}"): Route(
        "target", (404,), lambda m, lg, t: call(
            m.w, lg, "GET", f"/admin/applications/{t.ids['row_id']}/attachments/{'ab' * 32}"),
        roles("admin"), row_targets("application", "decide"), read_row),
    ("GET", "/admin/nmo"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/admin/nmo"), roles("admin")),
    ("POST", "/admin/nmo/{row_id}/decision"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/admin/nmo/{t.ids['row_id']}/decision",
                                                json={"status": "rejected"}),
        roles("admin"), row_targets("nmo", "decide"), read_row),
    ("GET", "/admin/accounts"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/admin/accounts"),
                                      roles("admin")),
    ("POST", "/admin/accounts"): Route("self", (201,), lambda m, lg, t: call(m.w, lg, "POST", "/admin/accounts", json={
        "login": "u" + uuid.uuid4().hex[:8], "password": "Ab3$efghijkl", "role": "admin"}), roles("admin")),
    ("PATCH", "/admin/accounts/{account_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "PATCH", f"/admin/accounts/{t.ids['id']}",
                                                json={"unlock": True}),
        roles("admin"), account_targets, roles("admin")),
    ("POST", "/admin/accounts/{account_id}/reset-code"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/admin/accounts/{t.ids['id']}/reset-code"),
        roles("admin"), account_targets, roles("admin")),
    ("GET", "/admin/audit"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/admin/audit", params={"limit": 5}), roles("admin")),
    ("POST", "/programmes"): Route("self", (201,), lambda m, lg, t: call(m.w, lg, "POST", "/programmes", json={
        "title": "П", "format": "distance", "hours": 36, "begin_date": "2030-01-01", "end_date": "2030-02-01",
        "seats": 3}), roles("admin")),
    ("POST", "/programmes/{programme_id}/enrol"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/programmes/{t.ids['id']}/enrol"),
        both(roles("doctor"), lambda m, lg, t: t.exists), programme_targets, roles("doctor")),
    ("POST", "/programmes/{programme_id}/cancel"): Route(  # idempotent: not enrolled is already the state asked for
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/programmes/{t.ids['id']}/cancel"),
        both(roles("doctor"), lambda m, lg, t: t.exists), programme_targets, roles("doctor")),
    ("GET", "/programmes/{programme_id}/enrolments"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/programmes/{t.ids['id']}/enrolments"),
        both(roles("admin"), lambda m, lg, t: t.exists), programme_targets, roles("admin")),
}


def _put_new_blob(mx: Mx, login: str) -> httpx.Response:
    data, sha = pdf()
    r: httpx.Response = mx.w.client.put(f"/blobs/{sha}", content=data, headers=mx.w.h(login))
    return r


def app_routes(w: World) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, routers included (FastAPI ≥ 0.165 keeps included
    routers as one entry of ``app.routes``; ``iter_route_contexts`` flattens them)."""
    out: set[tuple[str, str]] = set()
    for r in iter_route_contexts(w.client.app.routes):  # type: ignore[attr-defined]
        path = str(r.path or getattr(r, "path_format", "") or r.name)
        # a mount or websocket has no methods: it is listed as "*" and must be placed in ROUTES too
        for method in r.methods or ("*",):
            out.add((str(method), path))
    return out
