"""The files an organization attached to a request (issue 14): the request row's ``attachments``,
a list of the blobs' SHA-256 (the server's contract, as for the doctor's replies' ``blob_sha256``).

The row may carry the list as a JSON array, as the JSON text of one (a vault column holds text),
or as SHA-256s separated by commas or spaces; anything that is not a SHA-256 is left out, so a
damaged value shows fewer files instead of failing the «Запросы» table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_SHA = re.compile(r"^[0-9a-f]{64}$")


def request_attachments(row: Mapping[str, Any]) -> list[str]:
    """The request's own files, in the sender's order, each once."""
    raw = row.get("attachments")
    if isinstance(raw, str):
        text = raw.strip()
        try:
            raw = json.loads(text) if text.startswith("[") else re.split(r"[\s,;]+", text)
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
