"""The operator opens an accreditation application's attachments (issue 15).

An application's attachments are its applicant's documents that carry a file on the server (the
portfolio the commission reads: scans of diplomas, certificates, the НМО documents — «Документы»
of the worker's record). Only the operator (role ``admin``) asks here, and only for a live
application; a file is served only if it is attached to that application, so a hash guessed or
copied from elsewhere answers 404 like a missing one. The worker reads their own files through
``/blobs`` as their owner; nobody else reads them through this path (docs/security.md, «Files»).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Response
from sqlmodel import Session, col

from server import audit
from server.api.common import client_schema_optional
from server.api.helpers import UUID_RE
from server.auth.principal import Principal, require
from server.db import read_session
from server.models import Blob, Record
from server.problems import Problem
from server.state import State

router = APIRouter(tags=["оператор"], dependencies=[Depends(client_schema_optional)])

Admin = Annotated[Principal, Depends(require("admin"))]
RowId = Annotated[str, Path(pattern=UUID_RE)]
Sha = Annotated[str, Path(min_length=64, max_length=64, pattern=r"^[0-9a-fA-F]{64}$")]
_HEX = re.compile(r"^[0-9a-f]{64}$")


def _sha(row: dict[str, Any]) -> str:
    sha = str(row.get("blob_sha256") or row.get("sha256") or "").lower()
    return sha if _HEX.match(sha) else ""


def attachments(s: Session, row_id: str) -> list[dict[str, Any]]:
    """The application's attachments (id, kind, title, mime, size, sha256); 404 if no such application."""
    app = s.execute(sa.select(col(Record.person_id)).where(
        col(Record.id) == row_id, col(Record.entity) == "application", col(Record.deleted) == sa.false())).first()
    if app is None:
        raise Problem(404, "Заявление не найдено (или отозвано заявителем).")
    docs = s.execute(sa.select(col(Record.id), col(Record.data))
                     .where(col(Record.person_id) == app.person_id, col(Record.entity) == "document",
                            col(Record.deleted) == sa.false())).all()
    by_sha = {sha: (rid, data) for rid, data in docs if (sha := _sha(data or {}))}
    if not by_sha:
        return []
    # only files the server holds: a row whose file never arrived cannot be opened
    held = dict(s.execute(sa.select(col(Blob.sha256), col(Blob.size))
                          .where(col(Blob.sha256).in_(sorted(by_sha)))).all())
    out = []
    for sha, (rid, data) in sorted(by_sha.items(), key=lambda kv: str(kv[1][1].get("title") or "")):
        if sha in held:
            out.append({"id": rid, "kind": data.get("kind") or "", "title": data.get("title") or "",
                        "mime": data.get("mime") or "", "size": int(held[sha]), "sha256": sha,
                        "created_at": data.get("created_at") or ""})
    return out


@router.get("/admin/applications/{row_id}/attachments", summary="Вложения заявления (оператор)")
def list_attachments(row_id: RowId, p: Admin, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        items = attachments(s, row_id)
    audit.log(st.engine, p, "read_personal_data", "application", row_id, f"вложения: {len(items)}")
    return {"items": items}


@router.get("/admin/applications/{row_id}/attachments/{sha256}", summary="Файл вложения заявления (оператор)",
            responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}})
def get_attachment(row_id: RowId, sha256: Sha, p: Admin, st: State) -> Response:
    sha = sha256.lower()
    with read_session(st.engine) as s:
        if sha not in {a["sha256"] for a in attachments(s, row_id)}:
            raise Problem(404, "Файл не найден среди вложений заявления.")
        blob = s.get(Blob, sha)
    if blob is None:
        raise Problem(404, "Файл не найден среди вложений заявления.")
    audit.log(st.engine, p, "read_personal_data", "blob", sha, f"вложение заявления {row_id}")
    return Response(blob.data, media_type=blob.mime, headers={"ETag": f'"{sha}"', "X-Content-Type-Options": "nosniff"})
