"""The files an organization attached to a request (issue 14), as the doctor's side reads them:
the request row's ``attachments``, the blobs' SHA-256s comma-separated — the contract the
clerk's side writes (desktop/models/staff_request_files.py, checked by the server's policy).

Read defensively, since a row is data from elsewhere: a list (or its JSON text) is taken too,
and anything that is not a SHA-256 is left out, so a damaged value shows fewer files instead of
failing the «Запросы» table or naming a path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from desktop.models.staff_request_files import split

_SHA = re.compile(r"^[0-9a-f]{64}$")


def request_attachments(row: Mapping[str, Any]) -> list[str]:
    """The request's own files, in the sender's order, each once."""
    raw = row.get("attachments")
    if isinstance(raw, str):
        text = raw.strip()
        try:
            raw = json.loads(text) if text.startswith("[") else split(text)
        except ValueError:
            raw = []
    if not isinstance(raw, (list, tuple)):
        return []
    out: list[str] = []
    for item in raw:
        sha = item.get("sha256") if isinstance(item, Mapping) else item
        sha = str(sha or "").strip().lower()
        if _SHA.match(sha) and sha not in out:
            out.append(sha)
    return out
