"""Content-addressed files: PUT/GET/HEAD /blobs/<sha256>."""

from __future__ import annotations

import hashlib
import re
import time

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from desktop.models.workflows import confirm_rules
from server import audit
from server.api.common import client_schema_required
from server.auth.principal import CurrentUser, Principal
from server.db import in_write_tx, read_session
from server.models import Blob, BlobOwner
from server.policy import may_read_blob
from server.problems import Problem
from server.state import AppState, State

router = APIRouter(tags=["файлы"], dependencies=[Depends(client_schema_required)])

_SHA = re.compile(r"^[0-9a-f]{64}$")


def sniff(data: bytes) -> str | None:
    """The file type from its first bytes — never from a name or a header the client sent; the
    same recognition the desktop applies before it queues a document (confirm_rules)."""
    kind = confirm_rules.sniff(data)
    return confirm_rules.FILE_KINDS[kind][0] if kind else None


def _sha(sha256: str) -> str:
    sha = sha256.lower()
    if not _SHA.match(sha):
        raise Problem(400, "Адрес файла — SHA-256 в шестнадцатеричном виде (64 символа).",
                      errors={"sha256": "ожидается 64 шестнадцатеричных символа"})
    return sha


@router.put("/blobs/{sha256}", status_code=201, summary="Загрузить файл (PDF, JPG, PNG)",
            responses={200: {"description": "Файл уже был загружен"}, 201: {"description": "Файл сохранён"}})
async def put_blob(sha256: str, request: Request, p: CurrentUser, st: State) -> Response:
    sha = _sha(sha256)
    limit = st.settings.max_blob_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"Файл больше допустимого размера ({limit // (1024 * 1024)} МБ).")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"Файл больше допустимого размера ({limit // (1024 * 1024)} МБ).")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise Problem(422, "Файл пустой.", errors={"body": "пустой файл"})
    mime = sniff(data)
    if mime is None:
        raise Problem(415, "Допустимы только файлы PDF, JPG и PNG (тип определяется по содержимому).")
    if hashlib.sha256(data).hexdigest() != sha:
        raise Problem(422, "SHA-256 содержимого не совпадает с адресом файла.", errors={"sha256": "не совпадает"})

    def save(s: Session) -> bool:
        """True when this account had not uploaded these bytes before. Whether anyone else did
        is not told (the answer would say so) and does not matter: each uploader owns its copy."""
        if s.get(BlobOwner, (sha, p.account_id)) is not None:
            return False
        if s.get(Blob, sha) is None:
            s.add(Blob(sha256=sha, mime=mime, size=len(data), data=data, uploaded_by=p.account_id,
                       created_at=time.time()))
            s.flush()
        s.add(BlobOwner(sha256=sha, account_id=p.account_id, created_at=time.time()))
        audit.add(s, p, "blob_upload", "blob", sha, f"{mime}, {len(data)} байт")
        return True

    created = in_write_tx(st.engine, save)
    return Response(status_code=201 if created else 200, headers={"Location": f"/blobs/{sha}"})


def _load(st: AppState, p: Principal, sha: str) -> Blob:
    with read_session(st.engine) as s:
        blob = s.get(Blob, sha)
        if blob is None or not may_read_blob(s, p, blob.sha256):
            raise Problem(404, "Файл не найден.")
        return blob


@router.get("/blobs/{sha256}", summary="Скачать файл",
            responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}})
def get_blob(sha256: str, p: CurrentUser, st: State) -> Response:
    blob = _load(st, p, _sha(sha256))
    audit.log(st.engine, p, "read_personal_data", "blob", blob.sha256)
    return Response(blob.data, media_type=blob.mime, headers={"ETag": f'"{blob.sha256}"',
                                                              "X-Content-Type-Options": "nosniff"})


@router.head("/blobs/{sha256}", summary="Есть ли файл на сервере")
def head_blob(sha256: str, p: CurrentUser, st: State) -> Response:
    blob = _load(st, p, _sha(sha256))
    return Response(headers={"Content-Length": str(blob.size), "Content-Type": blob.mime,
                             "ETag": f'"{blob.sha256}"'})
