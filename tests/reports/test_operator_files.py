"""The operator opens an application's attachments (issue 15): the applicant's files, to the
operator only; nobody else gets them by this path, and a file not attached to the application is
not served even to the operator — SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from tests.server.conftest import World

PDF = b"%PDF-1.4\n% diploma scan\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _push(w: World, login: str, op: dict[str, Any]) -> dict[str, Any]:
    r = w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [op]})
    assert r.status_code == 200, r.text
    return dict(r.json()["results"][0])


def _file(w: World, login: str, data: bytes, mime: str, title: str) -> str:
    sha = hashlib.sha256(data).hexdigest()
    assert w.client.put(f"/blobs/{sha}", content=data, headers={**w.h(login), "Content-Type": mime}).status_code \
        in (200, 201)
    pid = w.person_id(login)
    res = _push(w, login, {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "document",
                           "entity_id": str(uuid.uuid4()), "person_id": pid, "op": "create", "base_version": 0,
                           "blobs": [sha], "fields": {"kind": "scan", "title": title, "created_at": "2025-01-01",
                                                      "blob_sha256": sha, "mime": mime, "size": len(data)}})
    assert res["status"] == "applied", res
    return sha


def test_operator_reads_an_applications_attachments_and_nobody_else(world: World) -> None:
    w = world
    sha = _file(w, "doctor", PDF, "application/pdf", "Диплом")
    other = _file(w, "doctor2", PNG, "image/png", "Чужой скан")
    pid = w.person_id("doctor")
    app = w.post("doctor", f"/persons/{pid}/application",
                 json={"fields": {"kind": "periodic", "specialty_code": "36"}}).json()
    assert w.post("doctor", f"/applications/{app['id']}/submit").status_code == 200
    base = f"/admin/applications/{app['id']}/attachments"

    listed = w.get("admin", base)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert {"title": "Диплом", "sha256": sha, "mime": "application/pdf", "size": len(PDF)}.items() <= \
        next(i for i in items if i["sha256"] == sha).items()
    assert other not in {i["sha256"] for i in items}  # another person's file is not this application's
    got = w.get("admin", f"{base}/{sha}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert w.get("admin", f"{base}/{sha.upper()}").content == PDF

    # refusals: every other role, by this path; the owner keeps their own file through /blobs
    for login in ("doctor", "doctor2", "hr1", "manager"):
        assert w.get(login, base).status_code == 403, login
        assert w.get(login, f"{base}/{sha}").status_code == 403, login
    assert w.get("doctor", f"/blobs/{sha}").content == PDF
    for login in ("doctor2", "hr1", "manager"):
        assert w.get(login, f"/blobs/{sha}").status_code == 404, login
    # the operator: a file not attached to this application, an unknown or malformed address
    assert w.get("admin", f"{base}/{other}").status_code == 404
    assert w.get("admin", f"{base}/{'0' * 64}").status_code == 404
    assert w.get("admin", f"/admin/applications/{uuid.uuid4()}/attachments").status_code == 404
    assert w.get("admin", f"{base}/not-a-hash").status_code == 422
    assert w.get("admin", "/admin/applications/../attachments").status_code in (400, 404, 422)
    # the worker's own document row (not an application) is no application
    doc_id = next(i["id"] for i in items if i["sha256"] == sha)
    assert w.get("admin", f"/admin/applications/{doc_id}/attachments").status_code == 404
    # deleted by the worker meanwhile: nothing to open
    r = w.delete("doctor", f"/persons/{pid}/application/{app['id']}")
    assert r.status_code in (200, 204), r.text
    assert w.get("admin", base).status_code == 404
    assert w.get("admin", f"{base}/{sha}").status_code == 404
