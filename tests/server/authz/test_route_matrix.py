"""The REST matrix: every route of the app × role × relation × existing or non-existent target;
a route missing from ROUTES fails here."""

from __future__ import annotations

import re
import time
import uuid

import httpx

from server.testing import SCHEMA_HEADER
from tests.server.authz.routes import ROUTES, Route, Target, app_routes
from tests.server.authz.table import LOGINS, ORG0
from tests.server.authz.values import norm
from tests.server.authz.world import Mx
from tests.server.conftest import World


def test_every_route_is_in_the_matrix(matrix_world: World) -> None:
    """A route the table does not list fails here: place it in ROUTES with its decision."""
    have = app_routes(matrix_world)
    assert len(have) > 40
    new = sorted(have - set(ROUTES))
    gone = sorted(set(ROUTES) - have)
    assert not new, "new routes are not in the authorization matrix (tests/server/authz/routes.py ROUTES): " + \
        ", ".join(f"{m} {p}" for m, p in new)
    assert not gone, "the matrix lists routes the app no longer has: " + ", ".join(f"{m} {p}" for m, p in gone)


def check_answer(mx: Mx, route: str, login: str, t: Target, r: httpx.Response, allowed: bool, visible: bool,
                 ok: tuple[int, ...], twin: httpx.Response | None) -> list[str]:
    where = f"{route} by {login}, {t.rel}{'' if t.entity == '' else ' ' + t.entity}, " \
            f"{'existing' if t.exists else 'non-existent'} target"
    body = r.text[:300]
    out: list[str] = []
    code = r.status_code
    if code >= 500:
        out.append(f"{where}: server error {code} {body}")
    elif not t.exists:
        if code not in (403, 404):
            out.append(f"{where}: non-existent target, expected 403/404, got {code} {body}")
    elif allowed:
        if code not in ok:
            out.append(f"{where}: allowed, expected {ok}, got {code} {body}")
    elif visible:
        if code != 403:
            out.append(f"{where}: readable but not changeable, expected 403, got {code} {body}")
    else:
        if code not in (403, 404):
            out.append(f"{where}: unreadable target, expected 403/404, got {code} {body}")
        elif twin is not None and (twin.status_code != code or norm(twin.text) != norm(r.text)):
            out.append(f"{where}: differs from a non-existent id: {code} {body} vs {twin.status_code} "
                       f"{twin.text[:300]}")
    leaked = mx.leaks(login, r.text if r.headers.get("content-type", "").startswith(("application/json",
                                                                                         "application/problem",
                                                                                         "text/")) else "")
    if leaked:
        out.append(f"{where}: answer ({code}) leaks values of unreadable rows {leaked}")
    return out


REST_KINDS: dict[str, int] = {}


def rest_cells(mx: Mx, name: str, route: Route) -> tuple[int, list[str]]:
    """Run one route's cells; returns (cells, violations)."""
    out: list[str] = []
    if route.kind == "public":
        r = route.call(mx, "", Target("public", True))
        if r.status_code not in route.ok:
            out.append(f"{name} without a token: expected {route.ok}, got {r.status_code} {r.text[:200]}")
        return 1, out
    cells = 0
    for login in LOGINS:
        if route.kind == "self":
            t = Target("self", True)
            r = route.call(mx, login, t)
            cells += 1
            out.extend(check_answer(mx, name, login, t, r, route.allow(mx, login, t), True, route.ok, None))
            continue
        assert route.targets is not None and route.visible is not None
        for existing, missing in route.targets(mx, login):
            allowed = route.allow(mx, login, existing)
            visible = route.visible(mx, login, existing)
            kind = "allowed" if allowed else ("refused-readable" if visible else "refused-unreadable")
            REST_KINDS[kind] = REST_KINDS.get(kind, 0) + 1
            REST_KINDS["non-existent"] = REST_KINDS.get("non-existent", 0) + 1
            # the non-existent twin first: a successful call may change what exists
            rt = route.call(mx, login, missing)
            r = route.call(mx, login, existing)
            cells += 2
            out.extend(check_answer(mx, name, login, missing, rt, False, False, route.ok, None))
            out.extend(check_answer(mx, name, login, existing, r, allowed, visible, route.ok, rt))
    return cells, out


def test_rest_matrix(mx: Mx) -> None:
    """Every route × role × relation × existing/non-existent target."""
    violations: list[str] = list(mx.problems)
    cells = 0
    spent: dict[str, float] = {}
    for (method, path), route in ROUTES.items():
        name = f"{method} {path}"
        started = time.perf_counter()
        n, bad = rest_cells(mx, name, route)
        spent[name] = round(time.perf_counter() - started, 2)
        cells += n
        violations.extend(bad)
    slow = sorted(spent.items(), key=lambda kv: -kv[1])[:5]
    print(f"REST matrix: {cells} cells over {len(ROUTES)} routes {REST_KINDS}; slowest {slow}")
    REST_KINDS.clear()
    assert cells > 500
    assert not violations, f"{len(violations)} REST cells violate docs/security.md:\n" + "\n".join(violations)


def test_no_token_no_entry(mx: Mx) -> None:
    """Every non-public route refuses a call without a token (401) before anything else."""
    bad = []
    for (method, path), route in ROUTES.items():
        if route.kind == "public":
            continue
        concrete = re.sub(r"\{[^}]+\}", lambda m: "0" * 64 if m.group(0) == "{sha256}" else (
            ORG0 if m.group(0) == "{inn}" else ("1" if m.group(0) == "{account_id}" else (
                "education" if m.group(0) == "{entity}" else str(uuid.uuid4())))), path)
        r = mx.w.client.request(method, concrete, headers=SCHEMA_HEADER)
        if r.status_code != 401:
            bad.append(f"{method} {concrete}: {r.status_code}")
    assert not bad, bad
