"""Content coding of the sync (issue 17): gzip both ways, negotiated as HTTP says, and the bad
inputs — a decompression bomb each way, a cut gzip answer, codings nobody asked for."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from desktop.sync.api import Api, BadAnswer, Transient
from server.coding import MIN_BYTES, PageCoder, accepts_gzip
from tests.sync.world import Org, Replica


def _doctor(server: dict[str, Any], org: Org, tmp_path: Path, replicas: list[Replica],
            url: str | None = None) -> tuple[Replica, dict[str, str], str]:
    pid, _eid = server["db"].person(org)
    login = server["db"].account("doctor", person_id=pid)
    r = Replica(tmp_path / "d", url or server["url"])
    replicas.append(r)
    session = server["db"].session(login)
    r.adopt_session(session)
    return r, {"Authorization": f"Bearer {session['access_token']}", "X-Client-Schema": "3"}, pid


def _clerk_headers(server: dict[str, Any], org: Org, persons: int = 12) -> dict[str, str]:
    for _ in range(persons):
        server["db"].person(org)
    session = server["db"].session(server["db"].account("hr", org=org))
    return {"Authorization": f"Bearer {session['access_token']}", "X-Client-Schema": "3"}


@pytest.mark.parametrize(("header", "ok"), [
    ("gzip", True), ("gzip, deflate, br", True), ("br;q=1, gzip;q=0.5", True), ("*", True),
    ("gzip;q=0", False), ("*, gzip;q=0", False), ("br", False), ("x-unknown", False), ("", False),
    (";;;", False), ("gzip;q=abc", False), (None, False),
])
def test_accept_encoding_is_read_with_its_q_values(header: str | None, ok: bool) -> None:
    assert accepts_gzip(header) is ok


def test_pull_pages_are_gzip_only_when_asked(server: dict[str, Any], org: Org) -> None:
    headers = _clerk_headers(server, org)
    with httpx.Client(base_url=server["url"], headers=headers) as c:
        raw = c.get("/sync/pull", params={"limit": 50}, headers={"Accept-Encoding": "gzip"})
        assert raw.status_code == 200 and raw.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in raw.headers["vary"] and "feed;dur=" in raw.headers["server-timing"]
        plain_page = raw.json()  # httpx inflates it: any HTTP client still works
        for accept in ("identity", "x-unknown", "gzip;q=0"):
            other = c.get("/sync/pull", params={"limit": 50}, headers={"Accept-Encoding": accept})
            assert "content-encoding" not in other.headers, accept  # unknown coding: identity
            assert other.json()["changes"] == plain_page["changes"]
            assert len(other.content) > 3 * int(raw.headers["content-length"])


def test_pull_count_tells_what_is_left(server: dict[str, Any], org: Org) -> None:
    headers = _clerk_headers(server, org, persons=3)
    with httpx.Client(base_url=server["url"], headers=headers) as c:
        full = c.get("/sync/pull", params={"limit": 5000}).json()
        page = c.get("/sync/pull", params={"limit": 2, "count": 1}).json()
        assert page["has_more"] and page["remaining"] == len(full["changes"]) - 2
        assert "remaining" not in c.get("/sync/pull", params={"limit": 2}).json()


def test_gzip_push_body_is_accepted_and_bad_codings_are_refused(server: dict[str, Any], org: Org,
                                                                 tmp_path: Path, replicas: list[Replica]) -> None:
    doc, headers, pid = _doctor(server, org, tmp_path, replicas)
    assert doc.sync().outcome == "converged"
    body = json.dumps({"client_id": "0b7c5e0e-7d51-4bd8-9f0e-3f5f3c2b9a01", "ops": [{
        "op_id": "5a0c4b46-3f0c-4a50-9d1c-1d2b2f6a4c01", "counter": 1, "entity": "person", "entity_id": pid,
        "person_id": pid, "op": "update", "fields": {"phone": "+79160001122"}, "base": {}, "base_version": 1,
        "blobs": []}]}).encode()
    with httpx.Client(base_url=server["url"], headers={**headers, "Content-Type": "application/json"}) as c:
        ok = c.post("/sync/push", content=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "applied", ok.text
        # a bomb: 60 MB of spaces in 60 KB — refused once the plain body passes the 4 MB limit
        bomb = gzip.compress(b"{" + b" " * 60_000_000 + b"}", 9)
        t0 = time.perf_counter()
        big = c.post("/sync/push", content=bomb, headers={"Content-Encoding": "gzip"})
        assert big.status_code == 413 and "после распаковки" in big.json()["detail"]
        assert time.perf_counter() - t0 < 5
        cut = c.post("/sync/push", content=gzip.compress(body)[:-20], headers={"Content-Encoding": "gzip"})
        assert cut.status_code == 400 and cut.json()["errors"]["content-encoding"]
        unknown = c.post("/sync/push", content=body, headers={"Content-Encoding": "br"})
        assert unknown.status_code == 415 and unknown.headers["accept-encoding"] == "gzip"  # RFC 7694
        assert c.get("/healthz").status_code == 200
    assert server["db"].rows(pid)[pid]["data"]["phone"] == "+79160001122"


def test_client_falls_back_to_identity_when_the_server_refuses_gzip() -> None:
    seen: list[str | None] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.headers.get("content-encoding"))
        if req.headers.get("content-encoding"):
            return httpx.Response(415, json={"title": "x", "detail": "y"}, headers={"Accept-Encoding": "identity"})
        ops = json.loads(req.content)["ops"]
        return httpx.Response(200, json={"results": [{"op_id": o["op_id"], "status": "applied", "version": 2}
                                                     for o in ops]})

    ops = [{"op_id": f"op{i}", "fields": {"text": "x" * 100}} for i in range(40)]
    with Api("http://127.0.0.1:9", token=lambda: "t", transport=httpx.MockTransport(handler)) as api:
        assert len(api.push("c", ops)) == 40
        assert len(api.push("c", ops)) == 40
    assert seen == ["gzip", None, None]  # refused once, then identity for the rest of the sync


class _Stub(http.server.BaseHTTPRequestHandler):
    """Answers GET with whatever the test put in ``answers`` (status, headers, body), in order."""

    answers: ClassVar[list[tuple[int, dict[str, str], bytes]]] = []

    def do_GET(self) -> None:
        status, headers, body = self.answers.pop(0)
        self.send_response(status)
        for k, v in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _page(n: int) -> bytes:
    return json.dumps({"changes": [{"entity": "person", "id": f"p{i}", "person_id": f"p{i}", "version": 1,
                                    "deleted": False, "row": {"last_name": "Иванова"}} for i in range(n)],
                       "cursor": "c1", "has_more": False}).encode()


def test_client_refuses_a_bomb_a_cut_gzip_and_a_coding_it_did_not_ask_for(stub: str) -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = z.compress(b'{"changes":[' + b" " * 80_000_000) + z.flush()
    good = gzip.compress(_page(50))
    _Stub.answers[:] = [
        (200, {"Content-Encoding": "gzip"}, bomb),
        (200, {"Content-Encoding": "gzip"}, good[: len(good) // 2]),  # cut, with a matching length
        (200, {"Content-Encoding": "br"}, b"\x1b\x00"),
        (200, {"Content-Encoding": "gzip"}, good),
    ]
    with Api(stub, token=lambda: "t") as api:
        t0 = time.perf_counter()
        with pytest.raises(BadAnswer, match="больше допустимого"):
            api.pull("", 50)
        assert time.perf_counter() - t0 < 5
        with pytest.raises(Transient, match="повреждён или оборван"):
            api.pull("", 50)
        with pytest.raises(BadAnswer, match="неизвестным способом"):
            api.pull("", 50)
        received, plain = api.meter.received, api.meter.plain
        assert len(api.pull("", 50)["changes"]) == 50
        assert api.meter.received - received < (api.meter.plain - plain) / 3


def test_a_cut_gzip_page_is_asked_again_and_never_applied_in_part(server: dict[str, Any], org: Org,
                                                                  proxy: Any, tmp_path: Path,
                                                                  replicas: list[Replica]) -> None:
    for _ in range(30):
        server["db"].person(org)
    login = server["db"].account("hr", org=org)
    r = Replica(tmp_path / "c", proxy.url)
    replicas.append(r)
    r.adopt_session(server["db"].session(login))
    proxy.add("truncate", "/sync/pull", count=2)
    rep = r.sync(page_limit=20, max_attempts=5)
    assert rep.outcome == "converged" and rep.retries >= 2, rep
    assert proxy.stats["truncate"] == 2
    assert r.engine().local_state() == r.server_state()


def test_a_page_is_compressed_piece_by_piece_into_one_gzip_body() -> None:
    pieces = [b'{"changes":[', *(b"," * (i > 0) + json.dumps({"n": i, "text": "Строка " * (i % 7)}).encode()
                                   for i in range(3000)), b'],"cursor":"c","has_more":false}']
    coder = PageCoder(True)
    for piece in pieces:
        coder.add(piece)
    body, headers = coder.finish()
    assert headers == {"Vary": "Accept-Encoding", "Content-Encoding": "gzip"}
    assert gzip.decompress(body) == b"".join(pieces)
    assert len(json.loads(gzip.decompress(body))["changes"]) == 3000
    # not accepted: the same bytes as they are; under MIN_BYTES: as they are too (an empty page)
    plain = PageCoder(False)
    for piece in pieces:
        plain.add(piece)
    assert plain.finish() == (b"".join(pieces), {"Vary": "Accept-Encoding"})
    small = PageCoder(True)
    small.add(b'{"changes":[')
    small.add(b'],"cursor":"c","has_more":false}')
    body, headers = small.finish()
    assert "Content-Encoding" not in headers and len(body) < MIN_BYTES and json.loads(body)["changes"] == []
