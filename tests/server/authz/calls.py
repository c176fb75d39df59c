"""Single calls the focused tests make against the matrix's world."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col

from server.models import Audit
from server.testing import SCHEMA_HEADER, token_for
from tests.server.authz.values import op, person_fields, row_fields
from tests.server.authz.world import Mx
from tests.server.conftest import World


def call(w: World, login: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {**(w.h(login) if login else SCHEMA_HEADER), **kw.pop("headers", {})}
    r: httpx.Response = w.client.request(method, path, headers=headers, **kw)
    return r


def push_one(w: World, login: str, o: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = w.client.post("/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [o]},
                      headers=headers or w.h(login))
    assert r.status_code == 200, r.text
    res: dict[str, Any] = r.json()["results"][0]
    return res


def new_person(mx: Mx, staff_org: str | None, author: str = "admin") -> tuple[str, list[str]]:
    pid = str(uuid.uuid4())
    f, markers = person_fields()
    assert push_one(mx.w, author, op("person", pid, pid, "create", f))["status"] == "applied"
    if staff_org:
        cf, _ = row_fields("employment", staff_org, "confirmed")
        assert push_one(mx.w, "admin", op("employment", str(uuid.uuid4()), pid, "create", cf))["status"] == "applied"
    return pid, markers


def record_version(mx: Mx, rid: str) -> tuple[int, bool] | None:
    return mx.states([rid]).get(rid)


def audit_count(mx: Mx, login: str, action: str) -> int:
    with mx.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(Audit).where(
            col(Audit.login) == login, col(Audit.action) == action)).scalar_one()
    return int(n)


def outsider(mx: Mx) -> tuple[str, str, dict[str, str], list[str]]:
    """A doctor with an account and no card anywhere: (login, person id, headers, markers)."""
    w = mx.w
    pid, markers = new_person(mx, None)
    login = "out" + uuid.uuid4().hex[:8]
    r = w.post("admin", "/admin/accounts", json={"login": login, "password": "Ab3$efghijkl" + "x", "role": "doctor",
                                                "person_id": pid})
    assert r.status_code == 201, r.text
    t = token_for(w.url, login)
    return login, pid, {"Authorization": f"Bearer {t['access_token']}", **SCHEMA_HEADER}, markers
